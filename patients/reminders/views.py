"""Reminder pages: each user's reminder settings, and the calendar feed families subscribe to."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from patients.reminders import feeds
from patients.reminders.forms import ReminderPreferenceForm
from patients.reminders.models import ReminderPreference
from portal.accounts.models import Role


@never_cache
@login_required
def reminder_settings(request):
    """Each user's reminder preferences and (for families) the calendar-feed address.

    The address is stored hashed, so it is shown once: on the page that answers "make a new
    address". Later visits show only when it was made, last used and when it stops working.
    """
    pref, _created = ReminderPreference.objects.get_or_create(user=request.user)
    form = ReminderPreferenceForm(request.POST or None, instance=pref)
    new_feed_url = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "new_feed" and request.user.role == Role.FAMILY:
            feed = feeds.rotate_feed(request.user)
            new_feed_url = request.build_absolute_uri(reverse("patients:calendar_feed", kwargs={"token": feed.token}))
            messages.success(request, _("Your new calendar address is ready. Any older address no longer works."))
            form = ReminderPreferenceForm(instance=pref)
        elif action == "revoke_feed":
            feeds.revoke_feeds(request.user)
            messages.success(request, _("Your calendar address no longer works."))
            return redirect("patients:reminder_settings")
        elif form.is_valid():
            form.save()
            messages.success(request, _("Your reminder settings are saved."))
            return redirect("patients:reminder_settings")
    context = {"form": form, "feed": feeds.active_feed(request.user), "new_feed_url": new_feed_url}
    return render(request, "patients/reminder_settings.html", context)


@require_GET
def calendar_feed(request, token: str):
    """Public by design (calendar apps cannot sign in): the secret token is the credential."""
    body = feeds.feed_for_token(token)
    if body is None:
        raise Http404("No such calendar.")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Pragma"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response
