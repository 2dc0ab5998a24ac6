"""The reminder outbox: the sweep that creates rows, delivery that sends each row once, the digest.

Idempotence comes from the database, not from the scheduler: rows are inserted with
ON CONFLICT DO NOTHING on (item, recipient, channel, kind, due date), and a row is sent only by
the transaction that holds its lock and finds it pending/failed. So a second beat, a re-run
sweep, two workers with the same task, or a task redelivered after a worker died send nothing twice.

The one window no database can close: the channel accepted the message but the worker died
before COMMIT. Then the row is still pending and the message goes out again (at-least-once
delivery); everywhere else it is exactly once.
"""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.models import PatientStatus
from patients.reminders import channels, tasks
from patients.reminders.models import CareTeamDigest, Channel, DeliveryLog, Reminder, ReminderPreference, ReminderStatus
from portal.accounts.models import Role
from portal.care.access import family_links_allowed, family_may_see, family_view_for_link
from portal.care.models import CareTeamMembership, Notification

logger = logging.getLogger(__name__)

MAX_LEAD_DAYS = 120
MAX_NUDGES = 12
# No reminders about a child who died or moved to another centre's care.
NO_REMINDERS_STATUSES = (PatientStatus.DECEASED, PatientStatus.TRANSFERRED)


@dataclass(frozen=True)
class Prefs:
    channels: tuple[str, ...]
    lead_days: tuple[int, ...]  # descending
    nudge_cap: int
    quiet_start: time | None
    quiet_end: time | None


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


def _recipients(items: list[FollowUpItem], today: date) -> dict[int, list]:
    """patient id → users to remind, each with the family view or None for the care team. Two queries."""
    patient_ids = {i.patient_id for i in items}
    by_patient: dict[int, list] = {pid: [] for pid in patient_ids}
    links = family_links_allowed(today).filter(patient_id__in=patient_ids, user__is_active=True)
    for link in links.select_related("user", "patient", "user__reminder_preference"):
        by_patient[link.patient_id].append((link.user, family_view_for_link(link, today)))
    members = CareTeamMembership.objects.filter(
        patient_id__in=patient_ids, active=True, clinician__is_active=True
    ).select_related("clinician", "clinician__reminder_preference")
    for member in members:
        by_patient[member.patient_id].append((member.clinician, None))
    return by_patient


def _pref_row(user) -> ReminderPreference | None:
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def sweep(today: date | None = None, now: datetime | None = None) -> list[int]:
    """Create the reminders due today and enqueue every deliverable one. Returns the ids enqueued.

    Safe to run any number of times, concurrently: inserts ignore rows that already exist.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    window = Q(due_on__lte=today + timedelta(days=MAX_LEAD_DAYS)) & Q(
        due_on__gte=today - timedelta(days=7 * (MAX_NUDGES + 1))
    )
    items = list(
        FollowUpItem.objects.filter(window, status=FollowUpStatus.OPEN).exclude(
            patient__status__in=NO_REMINDERS_STATUSES
        )
    )
    recipients = _recipients(items, today)
    rows = []
    for item in items:
        for user, view in recipients.get(item.patient_id, []):
            if view is not None and not family_may_see(view, item, now):
                continue
            prefs = prefs_for(user, _pref_row(user))
            kind = reminder_kind(item.due_on, today, prefs)
            if kind is None:
                continue
            for channel in prefs.channels:
                not_before = now if channel == Channel.PORTAL else quiet_until(now, prefs)
                rows.append(
                    Reminder(
                        item=item,
                        recipient=user,
                        channel=channel,
                        kind=kind,
                        due_date=item.due_on,
                        not_before=not_before,
                    )
                )
    with transaction.atomic():
        # ON CONFLICT DO NOTHING on the uniqueness key: a concurrent or repeated sweep adds nothing.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        ready = list(
            Reminder.objects.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.FAILED], not_before__lte=now)
            .order_by("id")
            .values_list("id", flat=True)
        )
        enqueue_delivery(ready)
    logger.info("reminder sweep: %s candidate rows, %s ready to deliver", len(rows), len(ready))
    return ready


def enqueue_delivery(reminder_ids: list[int]) -> None:
    """Send batches of ids to the workers once the surrounding transaction commits."""
    if not reminder_ids:
        return
    size = settings.REMINDER_BATCH_SIZE
    batches = [reminder_ids[i : i + size] for i in range(0, len(reminder_ids), size)]

    def publish():
        for batch in batches:
            tasks.deliver_reminders.delay(batch)

    transaction.on_commit(publish)


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff with jitter, capped at 15 minutes (no long countdowns: celery #2599)."""
    base = settings.REMINDER_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return int(min(base, 900) * random.uniform(0.8, 1.2))


def _still_wanted(reminder: Reminder, now: datetime) -> bool:
    """The item is still open on that date, the child still followed here, the recipient still allowed."""
    item = reminder.item
    if item.status != FollowUpStatus.OPEN or item.due_on != reminder.due_date or not reminder.recipient.is_active:
        return False
    if item.patient.status in NO_REMINDERS_STATUSES:
        return False
    if reminder.recipient.role != Role.FAMILY:
        return CareTeamMembership.objects.filter(
            patient_id=item.patient_id, clinician=reminder.recipient, active=True
        ).exists()
    link = (
        family_links_allowed(timezone.localdate(now))
        .filter(user=reminder.recipient, patient_id=item.patient_id)
        .select_related("patient")
        .first()
    )
    return link is not None and family_may_see(family_view_for_link(link), item, now)


def deliver_reminder(reminder_id: int) -> str:
    """Send one reminder if it is still pending; the outcome: sent | failed | dead | skipped | busy | <status>.

    The row stays locked from the check to the COMMIT that marks it sent, so two deliveries of the
    same id cannot both send; if this process dies mid-send the transaction rolls back.
    """
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item__patient", "recipient")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return "busy"  # another worker holds it (or it was deleted)
        if reminder.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED):
            return reminder.status
        if not _still_wanted(reminder, now):
            reminder.status = ReminderStatus.SKIPPED
            reminder.save(update_fields=["status"])
            return "skipped"
        reminder.attempts += 1
        try:
            channels.send(reminder)
        except Exception as exc:  # any channel fault counts as an attempt; never log message content
            reminder.last_error = type(exc).__name__[:300]
            if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
                reminder.status = ReminderStatus.DEAD
            else:
                reminder.status = ReminderStatus.FAILED
                reminder.not_before = now + timedelta(seconds=backoff_seconds(reminder.attempts))
            reminder.save(update_fields=["status", "attempts", "last_error", "not_before"])
            logger.warning("reminder %s: attempt %s failed (%s)", reminder.pk, reminder.attempts, reminder.last_error)
            return str(reminder.status)
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = timezone.now()
        reminder.last_error = ""
        reminder.save(update_fields=["status", "attempts", "sent_at", "last_error"])
        DeliveryLog.objects.create(
            reminder=reminder,
            recipient=reminder.recipient,
            channel=reminder.channel,
            kind=reminder.kind,
            worker_pid=os.getpid(),
        )
        return "sent"


@transaction.atomic
def retry_dead(reminder_ids) -> int:
    """Admin action: give dead (or failed) reminders a fresh set of attempts and enqueue them."""
    ids = list(
        Reminder.objects.filter(
            pk__in=reminder_ids, status__in=[ReminderStatus.DEAD, ReminderStatus.FAILED]
        ).values_list("id", flat=True)
    )
    Reminder.objects.filter(pk__in=ids).update(
        status=ReminderStatus.PENDING, attempts=0, not_before=timezone.now(), last_error=""
    )
    enqueue_delivery(ids)
    return len(ids)


# --- Weekly care-team digest --------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def send_care_team_digests(today: date | None = None) -> int:
    """One message per clinician per week with the number of their patients' overdue items. Idempotent."""
    today = today or timezone.localdate()
    monday = week_start(today)
    counts = (
        FollowUpItem.objects.filter(
            status=FollowUpStatus.OPEN,
            due_on__lt=today,
            patient__care_team__active=True,
            patient__care_team__clinician__is_active=True,
        )
        .values("patient__care_team__clinician")
        .annotate(n=Count("id", distinct=True))
    )
    sent = 0
    for row in counts:
        clinician_id, n = row["patient__care_team__clinician"], row["n"]
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
