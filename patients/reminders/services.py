"""The reminder outbox: the sweep that creates rows, delivery that sends each row once, the digest.

Idempotence comes from the database, not from the scheduler: rows are inserted with
ON CONFLICT DO NOTHING on (item, recipient, channel, kind, due date), and a row is sent only by
the transaction that holds its lock and finds it pending/failed. So a second beat, a re-run
sweep, two workers with the same task, or a task redelivered after a worker died send nothing twice.

The sweep lives in patients/reminders/sweep.py (set-based SQL on PostgreSQL), delivery in
patients/reminders/delivery.py (batches claimed with SKIP LOCKED), the rules in rules.py.

The one window no database can close: the channel accepted the message but the worker died
before COMMIT. Then the row is still pending and the message goes out again (at-least-once
delivery, at most one delivery chunk per killed worker); everywhere else it is exactly once.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.reminders import channels
from patients.reminders.delivery import deliver_batch
from patients.reminders.models import CareTeamDigest, Reminder, ReminderStatus
from patients.reminders.rules import (  # noqa: F401  (the services' public names)
    MAX_LEAD_DAYS,
    MAX_NUDGES,
    Prefs,
    backoff_seconds,
    prefs_for,
    quiet_until,
    reminder_kind,
)
from patients.reminders.rules import preference_of as _pref_row
from patients.reminders.sweep import NO_REMINDERS_STATUSES, SweepResult, publish, sweep  # noqa: F401
from portal.care.access import care_team_seats
from portal.care.models import Notification

logger = logging.getLogger(__name__)

enqueue_delivery = publish


def deliver_reminder(reminder_id: int) -> str:
    """deliver_batch() for one id: sent | failed | dead | skipped | busy | <status>."""
    return deliver_batch([reminder_id])[int(reminder_id)]


@transaction.atomic
def retry_dead(reminder_ids) -> int:
    """Admin action: give dead (or failed) reminders a fresh set of attempts and enqueue them."""
    ids = list(
        Reminder.objects.filter(
            pk__in=reminder_ids, status__in=[ReminderStatus.DEAD, ReminderStatus.FAILED]
        ).values_list("id", flat=True)
    )
    now = timezone.now()
    Reminder.objects.filter(pk__in=ids).update(
        status=ReminderStatus.PENDING,
        attempts=0,
        not_before=now,
        enqueue_at=now + timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS),
        last_error="",
    )
    publish(ids)
    return len(ids)


# --- Weekly care-team digest --------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def send_care_team_digests(today: date | None = None) -> int:
    """One message per clinician per week with the number of their patients' overdue items. Idempotent."""
    today = today or timezone.localdate()
    monday = week_start(today)
    # Per child, then per clinician of the child's care team (per-child or through a named team): an item
    # belongs to one child, so the sums count each clinician's items once. Two queries.
    per_child = dict(
        FollowUpItem.objects.filter(status=FollowUpStatus.OPEN, due_on__lt=today)
        .values_list("patient_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[int, int] = {}
    for patient_id, clinician_id in care_team_seats(patient_id__in=list(per_child)):
        totals[clinician_id] = totals.get(clinician_id, 0) + per_child[patient_id]
    sent = 0
    for clinician_id, n in sorted(totals.items()):
        with transaction.atomic():
            digest, _created = CareTeamDigest.objects.get_or_create(clinician_id=clinician_id, week_start=monday)
            digest = CareTeamDigest.objects.select_for_update().select_related("clinician").get(pk=digest.pk)
            if digest.sent_at is not None:
                continue
            _send_digest(digest.clinician, n)
            digest.overdue_count = n
            digest.sent_at = timezone.now()
            digest.save(update_fields=["overdue_count", "sent_at"])
            sent += 1
    return sent


def _send_digest(clinician, count: int) -> None:
    pref = _pref_row(clinician)
    with translation.override(channels.language_for(clinician, pref)):
        url = settings.SITE_URL.rstrip("/") + reverse("patients:list")
        text = render_to_string("patients/reminders/digest.txt", {"count": count, "url": url})
        title = _("Weekly digest: overdue follow-ups")
        Notification.objects.create(
            user=clinician, kind="follow_up_digest", title=title, body=text.strip(), link=reverse("patients:list")
        )
        if pref is None or pref.email:
            send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [clinician.email])
