from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        # A view that already counted them (the worklist) leaves the count on the request.
        unread = getattr(request, "portal_unread_notifications", None)
        if unread is None:
            unread = user.notifications.filter(read_at__isnull=True).count()
    return {"SITE_NAME": "ALL Care Portal", "unread_notifications": unread, "DEBUG": settings.DEBUG}
