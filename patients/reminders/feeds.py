"""The per-family iCalendar feed: a secret token URL (/calendar/<token>.ics), revocable.

The URL names no child and no health word. Event titles are "Follow-up appointment" unless the
account opted in (ReminderPreference.calendar_details) to see the plain-language test name.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.selectors import feed_items
from patients.late_effects.wording import localise
from patients.reminders.channels import language_for
from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from patients.reminders.models import CalendarFeedToken, ReminderPreference

# The alphabet of secrets.token_urlsafe (CalendarFeedToken._new_token), up to the column's length.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@transaction.atomic
def create_feed(user) -> CalendarFeedToken:
    """A new secret address; any earlier one stops working (one live feed per account)."""
    CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return CalendarFeedToken.objects.create(user=user)


def revoke_feeds(user) -> int:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def active_feed(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_for_token(token: str) -> bytes | None:
    """The calendar for a live token, or None (malformed, unknown, revoked, or the account is inactive).

    A token outside the token alphabet (a NUL byte, which PostgreSQL refuses) is refused unqueried.
    """
    if not TOKEN_RE.fullmatch(token):
        return None
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token, revoked_at__isnull=True).first()
    if feed is None or not feed.user.is_active:
        return None
    pref = ReminderPreference.objects.filter(user=feed.user).first()
    details = bool(pref and pref.calendar_details)
    language = language_for(feed.user, pref)  # the account's language, not the calendar app's
    with translation.override(language):
        events = [
            CalendarEvent(
                uid=item_uid(item.pk),
                day=item.due_on,
                title=localise(item.what_plain or item.what, language) if details else _("Follow-up appointment"),
            )
            for item in feed_items(feed.user)
        ]
        calendar = build_calendar(events, name=_("Follow-ups"))
    feed.last_used_at = timezone.now()
    feed.save(update_fields=["last_used_at"])
    return calendar
