"""Delivery in batches: claim, check, send, record, commit — REMINDER_DELIVERY_CHUNK rows at a time.

Each chunk is one transaction. Its rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so
another worker given the same ids skips them (outcome "busy") and a row is only ever sent by the
transaction that holds its lock and finds it pending or failed. Whether each row is still wanted
(item open on that date, child still followed here, recipient still allowed by the access policy)
is decided for the whole chunk in two queries; the channels get the chunk at once (one mail
connection, templates rendered once per language and kind); statuses are bulk-updated and the
DeliveryLog rows bulk-inserted before the COMMIT.

The window: a worker killed after a channel accepted some messages of a chunk and before the
COMMIT rolls the whole chunk back; the task is redelivered (acks_late, reject_on_worker_lost) and
those messages go out again. At most REMINDER_DELIVERY_CHUNK emails or texts per killed worker
(portal notifications are rows in the same transaction: never twice). Committed rows are never
sent again, and nothing committed is lost. A second copy carries the first one's Message-ID
(channels.message_id), and each DeliveryLog row records that id and the server's answer.
A 5xx refusal is final (dead at once); a 4xx or a dropped connection is retried with backoff.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from patients.late_effects.models import FollowUpStatus
from patients.reminders import channels
from patients.reminders.models import DeliveryLog, Reminder, ReminderStatus
from patients.reminders.rules import backoff_seconds
from patients.reminders.sweep import DELIVERABLE, NO_REMINDERS_STATUSES
from portal.accounts.models import Role
from portal.bulk_rows import insert_rows
from portal.care.access import care_team_seats, family_links_allowed, family_may_see, family_view_for_link

logger = logging.getLogger(__name__)


def deliver_batch(reminder_ids) -> dict[int, str]:
    """Send what is still pending among these ids; per id: sent | failed | dead | skipped | busy | <status>."""
    ids = sorted({int(pk) for pk in reminder_ids})
    size = settings.REMINDER_DELIVERY_CHUNK
    outcome: dict[int, str] = {}
    for i in range(0, len(ids), size):
        outcome.update(_deliver_chunk(ids[i : i + size]))
    return outcome


def _still_wanted(reminders: list[Reminder], now: datetime) -> set[int]:
    """Ids of the reminders still wanted: two queries for the whole chunk (memberships, family links)."""
    today = timezone.localdate(now)
    candidates = [
        r
        for r in reminders
        if r.item.status == FollowUpStatus.OPEN
        and r.item.due_on == r.due_date
        and r.recipient.is_active
        and r.item.patient.status not in NO_REMINDERS_STATUSES
    ]
    staff = [r for r in candidates if r.recipient.role != Role.FAMILY]
    family = [r for r in candidates if r.recipient.role == Role.FAMILY]
    wanted = set()
    if staff:
        on_team = set(care_team_seats(patient_id__in={r.item.patient_id for r in staff}))
        wanted |= {r.pk for r in staff if (r.item.patient_id, r.recipient_id) in on_team}
    if family:
        links = {
            (link.user_id, link.patient_id): link
            for link in family_links_allowed(today)
            .filter(user_id__in={r.recipient_id for r in family}, patient_id__in={r.item.patient_id for r in family})
            .select_related("patient")
        }
        for r in family:
            link = links.get((r.recipient_id, r.item.patient_id))
            if link is not None and family_may_see(family_view_for_link(link, today), r.item, now):
                wanted.add(r.pk)
    return wanted


def _deliver_chunk(ids: list[int]) -> dict[int, str]:
    now = timezone.now()
    outcome = dict.fromkeys(ids, "busy")  # unless claimed below: another worker holds it (or it is gone)
    with transaction.atomic():
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item__patient", "recipient", "recipient__reminder_preference")
            .filter(pk__in=ids)
            .order_by("id")
        )
        todo = []
        for reminder in claimed:
            if reminder.status in DELIVERABLE:
                todo.append(reminder)
            else:
                outcome[reminder.pk] = reminder.status
        wanted = _still_wanted(todo, now)
        skipped = [r.pk for r in todo if r.pk not in wanted]
        results = channels.send_batch([r for r in todo if r.pk in wanted])
        sent_at = timezone.now()
        sent, failed = [], []
        for reminder in todo:
            if reminder.pk not in wanted:
                continue
            result = results[reminder.pk]
            if isinstance(result, channels.Delivered):
                sent.append((reminder, result))
                continue
            reminder.attempts += 1
            # The exception's name and the server's code and first line; never the message content.
            reminder.last_error = f"{type(result).__name__} {channels.failure_reply(result)}".strip()[:300]
            if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS or channels.is_permanent(result):
                reminder.status = ReminderStatus.DEAD  # a 5xx refusal: the same message would be refused again
            else:
                reminder.status = ReminderStatus.FAILED
                reminder.not_before = now + timedelta(seconds=backoff_seconds(reminder.attempts))
                # The task retries itself; the sweep is the safety net if that retry is lost.
                reminder.enqueue_at = reminder.not_before + timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
            failed.append(reminder)
            logger.warning("reminder %s: attempt %s failed (%s)", reminder.pk, reminder.attempts, reminder.last_error)
        if skipped:
            Reminder.objects.filter(pk__in=skipped).update(status=ReminderStatus.SKIPPED)
        if sent:
            log = {"sent_at": sent_at, "worker_pid": os.getpid()}
            Reminder.objects.filter(pk__in=[r.pk for r, _ in sent]).update(
                status=ReminderStatus.SENT, attempts=F("attempts") + 1, sent_at=sent_at, last_error=""
            )
            insert_rows(
                DeliveryLog,
                [
                    {
                        "reminder_id": r.pk,
                        "recipient_id": r.recipient_id,
                        "channel": r.channel,
                        "kind": r.kind,
                        "message_id": d.message_id,
                        "smtp_reply": d.reply,
                        **log,
                    }
                    for r, d in sent
                ],
            )
        if failed:
            Reminder.objects.bulk_update(failed, ["status", "attempts", "last_error", "not_before", "enqueue_at"])
    outcome.update(dict.fromkeys(skipped, "skipped"))
    outcome.update(dict.fromkeys((r.pk for r, _ in sent), "sent"))
    outcome.update({r.pk: str(r.status) for r in failed})
    return outcome
