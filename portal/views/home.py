"""Landing page after sign-in: each role's dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from portal.accounts.models import Role


@login_required
def home(request):
    user = request.user
    if user.role == Role.CLINICIAN:
        return redirect("patients:list")
    if user.role == Role.FAMILY:
        return redirect("patients:family_home")
    if user.role == Role.EDITOR:
        return redirect("education:editor_dashboard")
    return redirect("admin:index")


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("portal:notifications")
    return render(request, "portal/notifications.html", {"notifications": items})


@login_required
def notification_open(request, notification_id: int):
    """Following a notice marks it read, then goes to its page: only the owner's notice, and only a
    local path (a stored link is never an open redirect); another user's or a missing one is a 404."""
    notice = request.user.notifications.filter(pk=notification_id).first()
    if notice is None:
        raise Http404("No such notification.")
    if notice.read_at is None:
        request.user.notifications.filter(pk=notice.pk).update(read_at=timezone.now())
    link = notice.link
    local = link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(link if local else "portal:notifications")
