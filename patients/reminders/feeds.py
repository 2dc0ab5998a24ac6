"""The per-family iCalendar feed: a secret token URL (/calendar/<token>.ics), revocable and expiring.

Only a SHA-256 of the token is stored and looked up; the full address exists once, on the
instance `create_feed` returns, for the page that shows it once. Tokens expire after
settings.CALENDAR_FEED_TOKEN_LIFETIME; `rotate_feed` replaces the live one.

The URL names no child and no health word. One event per item: clinic visits (timeline
appointments) are "Clinic visit", care-plan check-ups "Check-up" unless the account opted in
(ReminderPreference.calendar_details) to see the plain-language test name; several on one day are
numbered ("Check-up 2 of 3") so they can be told apart. A check-up closed without being done stays
in the feed as cancelled under the same UID. The same events, one at a time, are the "add to
calendar" files of the family home (`item_calendar`).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.models import FollowUpStatus
from patients.late_effects.selectors import feed_items
from patients.late_effects.wording import localise
from patients.reminders import upcoming
from patients.reminders.channels import language_for
from patients.reminders.ics import CalendarEvent, appointment_uid, build_calendar, item_uid
from patients.reminders.models import CalendarFeedToken, ReminderPreference, hash_feed_secret, new_feed_secret
from portal.care.access import record_patient_event
from portal.care.models import AuditAction

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
    details, language = _calendar_wording(feed.user)
    today = timezone.localdate()
    visits, cancelled = upcoming.feed_extras(feed.user, today=today)
    with translation.override(language):
        rows = (
            [(upcoming.APPOINTMENT, e, False) for e in visits]
            + [(upcoming.FOLLOW_UP, i, False) for i in feed_items(feed.user)]
            + [(upcoming.FOLLOW_UP, i, True) for i in cancelled]
        )
        calendar = build_calendar(calendar_events(rows, details=details, language=language), name=_("Follow-ups"))
    feed.last_used_at = timezone.now()
    feed.save(update_fields=["last_used_at"])
    return calendar


def _calendar_wording(user) -> tuple[bool, str]:
    pref = ReminderPreference.objects.filter(user=user).first()
    return bool(pref and pref.calendar_details), language_for(user, pref)  # the account's language


def _day(kind: str, obj):
    return obj.occurred_on if kind == upcoming.APPOINTMENT else obj.due_on


def calendar_events(rows, *, details: bool, language: str) -> list[CalendarEvent]:
    """(kind, item, cancelled) rows as events with plain titles; call inside the account's language.

    Visits are "Clinic visit" whatever their title (a title may name a test); check-ups "Check-up" or,
    with details on, their plain-language name. Same kind and title on one day: "… 2 of 3".
    """
    titled = []
    for kind, obj, cancelled in rows:
        if kind == upcoming.APPOINTMENT:
            titled.append((kind, obj, cancelled, _("Clinic visit")))
        else:
            plain = localise(obj.what_plain or obj.what, language) if details else _("Check-up")
            titled.append((kind, obj, cancelled, plain))
    titled.sort(key=lambda r: (_day(r[0], r[1]), r[0], r[1].pk))
    same: dict[tuple, int] = {}
    for kind, obj, _cancelled, title in titled:
        same[(_day(kind, obj), title)] = same.get((_day(kind, obj), title), 0) + 1
    seen: dict[tuple, int] = {}
    events = []
    for kind, obj, cancelled, title in titled:
        key = (_day(kind, obj), title)
        seen[key] = seen.get(key, 0) + 1
        if same[key] > 1:
            title = _("%(title)s %(n)s of %(total)s") % {"title": title, "n": seen[key], "total": same[key]}
        uid = appointment_uid(obj.pk) if kind == upcoming.APPOINTMENT else item_uid(obj.pk)
        events.append(CalendarEvent(uid=uid, day=key[0], title=title, sequence=obj.version, cancelled=cancelled))
    return events


def item_calendar(user, patient, kind: str, pk: int) -> bytes | None:
    """One visit's or check-up's .ics for "add to calendar", or None if this user may not see it.

    Same UID, title and SEQUENCE as in the feed, so adding both never makes two events; a check-up
    closed without being done answers a cancellation.
    """
    item = upcoming.next_item(user, patient, kind, pk, today=timezone.localdate())
    if item is None:
        return None
    # A closed check-up (done, declined, no longer needed) has nothing left to attend.
    cancelled = kind == upcoming.FOLLOW_UP and item.item.status != FollowUpStatus.OPEN
    record_patient_event(user, AuditAction.EXPORT, patient=patient, object_type=f"calendar_{kind}", object_id=pk)
    details, language = _calendar_wording(user)
    with translation.override(language):
        events = calendar_events([(kind, item.item, cancelled)], details=details, language=language)
        return build_calendar(events, name=_("Follow-ups"))
