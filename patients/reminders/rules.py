"""Which reminder applies to whom, when: effective preferences, the kind for today, quiet hours.

The Python statement of the rules. The PostgreSQL sweep (patients/reminders/sweep.py) states the
same rules in SQL; tests hold both to the same expected rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from patients.reminders.models import Channel, ReminderPreference
from portal.accounts.models import Role

MAX_LEAD_DAYS = 120
MAX_NUDGES = 12


@dataclass(frozen=True)
class Prefs:
    channels: tuple[str, ...]
    lead_days: tuple[int, ...]  # descending
    nudge_cap: int
    quiet_start: time | None
    quiet_end: time | None


def preference_of(user) -> ReminderPreference | None:
    """The user's preference row (preloaded with select_related: no query), or None."""
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def prefs_for(user, pref: ReminderPreference | None) -> Prefs:
    """A user's effective preferences; without a row: families email + portal, staff portal only."""
    if pref is None:
        chosen = (Channel.EMAIL, Channel.PORTAL) if user.role == Role.FAMILY else (Channel.PORTAL,)
        return Prefs(
            channels=chosen,
            lead_days=tuple(sorted(settings.REMINDER_DEFAULT_LEAD_DAYS, reverse=True)),
            nudge_cap=settings.REMINDER_DEFAULT_OVERDUE_CAP,
            quiet_start=None,
            quiet_end=None,
        )
    chosen = [
        c for c, on in ((Channel.EMAIL, pref.email), (Channel.PORTAL, pref.portal), (Channel.SMS, pref.sms)) if on
    ]
    if Channel.SMS in chosen and not user.phone:
        chosen.remove(Channel.SMS)
    return Prefs(
        channels=tuple(chosen),
        lead_days=tuple(d for d in pref.effective_lead_days() if 0 <= d <= MAX_LEAD_DAYS),
        nudge_cap=min(pref.overdue_nudge_cap, MAX_NUDGES) if pref.overdue_nudges else 0,
        quiet_start=pref.quiet_start,
        quiet_end=pref.quiet_end,
    )


def reminder_kind(due_on: date, today: date, prefs: Prefs) -> str | None:
    """Which reminder applies today: the nearest lead time reached, or the n-th weekly overdue nudge."""
    if today <= due_on:
        reached = [d for d in prefs.lead_days if due_on - timedelta(days=d) <= today]
        return f"lead-{min(reached)}" if reached else None
    weeks = (today - due_on).days // 7
    if 1 <= weeks <= prefs.nudge_cap:
        return f"overdue-{weeks}"
    return None


def quiet_until(now: datetime, prefs: Prefs) -> datetime:
    """When a message may go out: now, or the end of the recipient's quiet hours (local time)."""
    if prefs.quiet_start is None or prefs.quiet_end is None or prefs.quiet_start == prefs.quiet_end:
        return now
    local = timezone.localtime(now)
    t = local.time()
    start, end = prefs.quiet_start, prefs.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return now
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(end_day, end), local.tzinfo)


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff with jitter, capped at 15 minutes (no long countdowns: celery #2599)."""
    base = settings.REMINDER_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return int(min(base, 900) * random.uniform(0.8, 1.2))
