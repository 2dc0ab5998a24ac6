"""The per-family iCalendar feed: a secret token URL (/calendar/<token>.ics), revocable and expiring.

Only a SHA-256 of the token is stored and looked up; the full address exists once, on the
instance `create_feed` returns, for the page that shows it once. Tokens expire after
settings.CALENDAR_FEED_TOKEN_LIFETIME; `rotate_feed` replaces the live one.

The URL names no child and no health word. Event titles are "Follow-up appointment" unless the
account opted in (ReminderPreference.calendar_details) to see the plain-language test name.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.selectors import feed_items
from patients.late_effects.wording import localise
from patients.reminders.channels import language_for
from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from patients.reminders.models import CalendarFeedToken, ReminderPreference, hash_feed_secret, new_feed_secret

# The alphabet of secrets.token_urlsafe (models.new_feed_secret), up to 64 characters.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@transaction.atomic
def create_feed(user) -> CalendarFeedToken:
    """A new secret address; any earlier one stops working (one live feed per account).

    The returned row carries the full token in `.token`, the only time it is known.
    """
    CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = new_feed_secret()
    now = timezone.now()
    feed = CalendarFeedToken.objects.create(
        user=user,
        token_hash=hash_feed_secret(token),
        prefix=token[:6],
        created_at=now,
        expires_at=now + settings.CALENDAR_FEED_TOKEN_LIFETIME,
    )
    feed.token = token
    return feed


def rotate_feed(user) -> CalendarFeedToken:
    """A new address in place of the old one, which stops working at once (same as create_feed)."""
    return create_feed(user)


def revoke_feeds(user) -> int:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def active_feed(user) -> CalendarFeedToken | None:
    """The live (unrevoked, unexpired) feed; its token is not known any more, only when it was made and used."""
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).first()


def feed_for_token(token: str) -> bytes | None:
    """The calendar for a live token, or None (malformed, unknown, revoked, expired, or the account is inactive).

    A token outside the token alphabet (a NUL byte, which PostgreSQL refuses) is refused unqueried.
    """
    if not TOKEN_RE.fullmatch(token):
        return None
    feed = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=hash_feed_secret(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
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
