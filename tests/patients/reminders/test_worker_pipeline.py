"""The reminder pipeline end to end with a REAL Celery worker on the real Redis and the test database.

The worker is a subprocess (`celery -A portal worker`, prefork, one child, see pipeline.py) whose
settings point at pytest's test database and send email by SMTP to the test server of
smtp_server.py, which counts messages by Message-ID. Every wait polls for the awaited condition
(the database, the SMTP server, the broker) with a deadline; nothing sleeps for a fixed time.

What these tests used to depend on, and no longer do: the file mail backend (files counted, not
messages), a fixed date of birth (the parent's access changes with the child's age, so the result
depended on the date the suite ran), the hour (sweeps travel to noon but never before the plan's
release) and the machine's load (deadlines, not sleeps; the awaited condition is the messages
themselves).
"""

from __future__ import annotations

import os
import signal
from datetime import date, datetime, timedelta
from datetime import time as dtime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from patients.reminders import services
from patients.reminders.channels import message_id
from patients.reminders.models import DeliveryLog, Reminder
from patients.reminders.tasks import sweep_reminders
from tests.patients.late_effects.factories import load_default_ruleset
from tests.patients.reminders.concurrency import run_together
from tests.patients.reminders.pipeline import (
    ITEMS_PER_CHILD,
    all_settled,
    child_with_plan,
    queue_empty_and_workers_idle,
    wait_for,
)

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

if not settings.CELERY_BROKER_URL.startswith("redis://"):
    pytest.skip("needs the real Redis broker (run under scripts/test-services)", allow_module_level=True)


def assert_each_email_once(smtp):
    """Every email row was accepted by the SMTP server exactly once, under its own Message-ID."""
    rows = list(Reminder.objects.filter(channel="email"))
    assert smtp.handler.counts() == {message_id(r): 1 for r in rows}
    logs = DeliveryLog.objects.filter(channel="email")
    assert sorted(logs.values_list("message_id", flat=True)) == sorted(message_id(r) for r in rows)
    assert all(reply.startswith("250 2.0.0 Ok: queued as Q") for reply in logs.values_list("smtp_reply", flat=True))


def test_one_sweep_one_email_each_and_repeated_or_concurrent_sweeps_add_none(worker, smtp):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    child_with_plan(due)
    child_with_plan(due)

    sweep_reminders.delay()  # the beat's job, run by the worker
    wait_for(all_settled, what="every reminder to be delivered")
    email_rows = Reminder.objects.filter(channel="email")
    assert email_rows.count() == 2 * ITEMS_PER_CHILD
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    first = (Reminder.objects.count(), DeliveryLog.objects.count())
    assert first[0] == first[1]
    assert_each_email_once(smtp)

    # A second sweep through the worker and two concurrent in-process sweeps add nothing.
    sweep_reminders.delay()
    run_together(services.sweep, [()] * 2)
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    assert (Reminder.objects.count(), DeliveryLog.objects.count()) == first
    assert_each_email_once(smtp)


def test_concurrent_first_sweeps_create_and_send_each_reminder_once(worker, smtp):
    load_default_ruleset()
    child_with_plan(timezone.localdate() + timedelta(days=30), email_only=True)
    run_together(services.sweep, [()] * 3)  # the rows each creates or finds are enqueued by one of them
    wait_for(all_settled, what="delivery")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    assert Reminder.objects.count() == ITEMS_PER_CHILD
    assert DeliveryLog.objects.count() == ITEMS_PER_CHILD
    assert_each_email_once(smtp)


def test_worker_killed_mid_delivery_still_sends_exactly_once(worker, smtp):
    load_default_ruleset()
    child_with_plan(timezone.localdate() + timedelta(days=7), email_only=True)
    smtp.handler.stall_at = 1  # the first message waits, unanswered: nothing accepted yet

    services.sweep()
    wait_for(smtp.handler.stalled.is_set, what="the first send")
    pid = worker.pool_child()  # holding the chunk's row locks mid-send
    os.kill(pid, signal.SIGKILL)

    # reject_on_worker_lost: the parent requeues the task; the new child finds the rows still pending.
    wait_for(all_settled, what="delivery after the kill")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    assert Reminder.objects.filter(status="sent").count() == ITEMS_PER_CHILD
    assert DeliveryLog.objects.count() == ITEMS_PER_CHILD
    assert_each_email_once(smtp)
    assert smtp.handler.refused == [(Reminder.objects.first().recipient.email, "lost-in-flight")]
    assert not DeliveryLog.objects.filter(worker_pid=pid).exists()


def test_time_moved_forward_produces_weekly_overdue_nudges_up_to_the_cap(worker, smtp):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=3)
    child_with_plan(due, email_only=True)
    cap = settings.REMINDER_DEFAULT_OVERDUE_CAP
    expected = 0

    def sweep_on(day: date):
        # Noon of that day, but never before now: the plan was released at the real time, and a
        # sweep travelled to before the release would rightly find nothing.
        noon = timezone.make_aware(datetime.combine(day, dtime(12, 0)))
        with time_machine.travel(max(noon, timezone.now()), tick=False):
            services.sweep()

    sweep_on(timezone.localdate())  # lead-7
    expected += ITEMS_PER_CHILD
    for week in range(1, cap + 3):
        sweep_on(due + timedelta(days=7 * week))
        sweep_on(due + timedelta(days=7 * week + 1))  # a daily sweep later that week adds nothing
        if week <= cap:
            expected += ITEMS_PER_CHILD
        wait_for(all_settled, what=f"week {week} delivery")
        assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}, "skipped or dead rows"
        wait_for(lambda n=expected: smtp.handler.total() >= n, what=f"{expected} messages at the SMTP server")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    kinds = sorted(set(Reminder.objects.values_list("kind", flat=True)))
    assert kinds == ["lead-7"] + [f"overdue-{n}" for n in range(1, cap + 1)]
    assert Reminder.objects.filter(kind__startswith="overdue").count() == cap * ITEMS_PER_CHILD
    assert smtp.handler.total() == expected
    assert DeliveryLog.objects.count() == expected
    assert_each_email_once(smtp)
