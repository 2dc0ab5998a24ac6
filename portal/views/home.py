"""Landing page after sign-in: each role's dashboard."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

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
