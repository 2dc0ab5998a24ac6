"""The site header's badge: the signed-in user's unread notifications, counted once a request."""


def unread_notifications(request) -> int:
    """The count for request.user. A view that counted them already (the worklist's state) or needs
    them first (a kept page's key, patients.page_cache.kept_page) leaves the count on the request,
    and the context processor (portal.context_processors.site) reads it from there."""
    unread = getattr(request, "portal_unread_notifications", None)
    if unread is None:
        unread = request.user.notifications.filter(read_at__isnull=True).count()
        request.portal_unread_notifications = unread
    return unread
