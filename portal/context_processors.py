from django.conf import settings

from portal.care.unread import unread_notifications


def site(request):
    user = getattr(request, "user", None)
    unread = unread_notifications(request) if user is not None and user.is_authenticated else 0
    return {"SITE_NAME": "ALL Care Portal", "unread_notifications": unread, "DEBUG": settings.DEBUG}
