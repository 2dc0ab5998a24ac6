"""Celery tasks: thin wrappers around services; they take ids, never model objects.

acks_late + reject_on_worker_lost: a task whose worker dies is redelivered, and the services
make the redelivery harmless (see patients/reminders/services.py). The services enqueue these
tasks, so each task imports its service inside its body (the one sanctioned lazy import).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, close_old_connections

logger = logging.getLogger(__name__)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="patients.reminders.tasks.sweep_reminders", **RELIABLE)
def sweep_reminders() -> int:
    from patients.reminders import services

    return services.sweep().enqueued


@shared_task(bind=True, name="patients.reminders.tasks.deliver_reminders", max_retries=8, **RELIABLE)
def deliver_reminders(self, reminder_ids: list[int]) -> dict:
    from patients.reminders import services

    outcomes: dict[str, int] = {}
    failed = []
    try:
        delivered = services.deliver_batch(reminder_ids)
    except (OperationalError, InterfaceError) as exc:
        # The database went away mid-chunk (restart, failover): that chunk rolled back, its rows are
        # still pending. Drop the broken connection and try the same ids again shortly.
        close_old_connections()
        logger.warning("reminder delivery: database error (%s), retrying", type(exc).__name__)
        raise self.retry(countdown=services.backoff_seconds(self.request.retries + 1)) from exc
    for reminder_id, outcome in delivered.items():
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "failed":
            failed.append(reminder_id)
    if failed and self.request.retries < self.max_retries:
        # Retry only the failed ids; the database decides when a row is dead (REMINDER_MAX_ATTEMPTS).
        raise self.retry(args=[failed], countdown=services.backoff_seconds(self.request.retries + 1))
    return outcomes


@shared_task(name="patients.reminders.tasks.send_care_team_digests", **RELIABLE)
def send_care_team_digests() -> int:
    from patients.reminders import services

    return services.send_care_team_digests()
