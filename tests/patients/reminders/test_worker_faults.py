"""The pipeline under faults, with real processes: Celery workers, the real Redis and PostgreSQL of
scripts/test-services (restarted through $TEST_SERVICES_CTL), and the SMTP test server of
smtp_server.py, which counts accepted messages by Message-ID.

After each fault: every reminder is accounted for (lost = email rows not accepted by the server,
or not marked sent), and duplicates = accepted copies beyond the first per Message-ID. The one
window SMTP cannot close (accepted by the server, then the chunk's COMMIT lost) is asserted as
its exact count. Each test is bounded (pytest timeout; every wait has a deadline); the figures
are reported in docs/reminders.md.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from patients.reminders import services
from patients.reminders.channels import message_id
from patients.reminders.models import DeliveryLog, Reminder
from portal.care.models import Notification
from tests.patients.late_effects.factories import load_default_ruleset
from tests.patients.reminders.pipeline import (
    ITEMS_PER_CHILD,
    REPO,
    all_settled,
    child_with_plan,
    process_env,
    queue_empty_and_workers_idle,
    wait_for,
)

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

if not settings.CELERY_BROKER_URL.startswith("redis://"):
    pytest.skip("needs the real Redis broker (run under scripts/test-services)", allow_module_level=True)

CTL = os.environ.get("TEST_SERVICES_CTL")
needs_ctl = pytest.mark.skipif(not CTL, reason="needs scripts/test-services (TEST_SERVICES_CTL)")


def ctl(command: str) -> None:
    subprocess.run([CTL, command], check=True, timeout=60)


def beat_until(condition, *, what: str, every: float = 0.5, timeout: float = 45):
    """The beat, sped up: a sweep every `every` seconds (the safety net that re-enqueues lost tasks)."""
    last = [0.0]

    def tick():
        if time.monotonic() - last[0] >= every:
            services.sweep()
            last[0] = time.monotonic()
        return condition()

    return wait_for(tick, timeout=timeout, what=what)


def figures(smtp) -> dict:
    """lost: email rows never accepted (or not sent); duplicated: copies beyond the first, by Message-ID."""
    rows = list(Reminder.objects.filter(channel="email"))
    counts = smtp.handler.counts()
    expected = {message_id(r) for r in rows}
    return {
        "emails": len(rows),
        "lost": len(expected - set(counts)) + sum(r.status != "sent" for r in rows),
        "duplicated": sum(n - 1 for n in counts.values()),
        "strangers": len(set(counts) - expected),
        "logs": DeliveryLog.objects.filter(channel="email").count(),
    }


def test_smtp_tempfail_reject_and_dropped_connection(worker, smtp):
    """4xx: retried until accepted; 5xx: dead at once, not retried; a dropped connection: that
    message retried, the rest of the chunk sent on a new connection."""
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    (_, tempfail), (_, rejected), (_, dropped), (_, fine) = (child_with_plan(due, email_only=True) for _ in range(4))
    smtp.handler.fail(tempfail.email, "tempfail", "tempfail")
    smtp.handler.fail(rejected.email, *["reject"] * ITEMS_PER_CHILD)
    smtp.handler.fail(dropped.email, "drop")

    services.sweep()
    wait_for(all_settled, what="every reminder settled")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")

    by = {u: Reminder.objects.filter(recipient=u) for u in (tempfail, rejected, dropped, fine)}
    assert set(by[rejected].values_list("status", flat=True)) == {"dead"}
    assert set(by[rejected].values_list("attempts", flat=True)) == {1}
    assert {e[:29] for e in by[rejected].values_list("last_error", flat=True)} == {"SMTPRecipientsRefused 550 5.1"}
    for user in (tempfail, dropped, fine):
        assert set(by[user].values_list("status", flat=True)) == {"sent"}
    assert sorted(by[tempfail].values_list("attempts", flat=True)) == [1, 1, 1, 2, 2]
    assert sorted(by[dropped].values_list("attempts", flat=True)) == [1, 1, 1, 1, 2]
    assert sorted(b for _, b in smtp.handler.refused) == ["drop"] + ["reject"] * 5 + ["tempfail"] * 2
    counts = smtp.handler.counts()
    sent = Reminder.objects.filter(status="sent")
    assert counts == {message_id(r): 1 for r in sent}  # 15 accepted, each once
    assert not DeliveryLog.objects.filter(reminder__recipient=rejected).exists()
    assert set(DeliveryLog.objects.values_list("message_id", flat=True)) == set(counts)


def test_worker_killed_mid_batch_resends_only_what_the_server_had_accepted(worker, smtp):
    """kill -9 of the pool child after 3 of a 10-message chunk were accepted (the 4th unanswered).

    The chunk's transaction dies with the process; the task is redelivered and all 10 go out
    again. 0 lost; exactly 3 duplicated, recognisable by their Message-ID: the window SMTP cannot
    close (the server said 250, the COMMIT never happened)."""
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    child_with_plan(due, email_only=True)
    child_with_plan(due, email_only=True)
    smtp.handler.stall_at = 4

    services.sweep()
    wait_for(smtp.handler.stalled.is_set, what="the fourth message")
    pid = worker.pool_child()
    os.kill(pid, signal.SIGKILL)

    wait_for(all_settled, what="delivery after the kill")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    result = figures(smtp)
    assert result == {"emails": 10, "lost": 0, "duplicated": 3, "strangers": 0, "logs": 10}
    doubled = {m for m, n in smtp.handler.counts().items() if n == 2}
    first_three = [a.message_id for a in smtp.handler.accepted[:3]]
    assert doubled == set(first_three)
    assert set(DeliveryLog.objects.filter(message_id__in=doubled).values_list("worker_pid", flat=True)) != {pid}
    assert smtp.handler.refused[0][1] == "lost-in-flight"


@needs_ctl
@pytest.mark.serial  # restarts a service every test process shares
def test_redis_restarted_mid_run_loses_no_reminder_and_sends_none_twice(worker, smtp, settings):
    """Redis (no persistence) restarted while the worker is mid-chunk: the queued tasks are gone.
    The chunk in flight commits (the database is fine); the beat's sweep re-enqueues the rest once
    their enqueue_at passes. 0 lost, 0 duplicated."""
    settings.REMINDER_BATCH_SIZE = 5  # three delivery tasks
    settings.REMINDER_REQUEUE_AFTER_SECONDS = 1  # the lost-task safety net, sped up
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    for _ in range(3):
        child_with_plan(due, email_only=True)
    smtp.handler.stall_at = 2

    services.sweep()
    wait_for(smtp.handler.stalled.is_set, what="the worker mid-chunk")
    ctl("redis-restart")
    smtp.handler.release()

    beat_until(all_settled, what="every reminder sent after the Redis restart")
    wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    assert figures(smtp) == {"emails": 15, "lost": 0, "duplicated": 0, "strangers": 0, "logs": 15}


@needs_ctl
@pytest.mark.serial  # restarts a service every test process shares
def test_postgres_restarted_mid_run_resends_only_what_the_server_had_accepted(worker, smtp, settings):
    """PostgreSQL restarted while a 5-message chunk is mid-send (1 accepted, the 2nd unanswered).
    The chunk's transaction is gone, but the worker only learns it at COMMIT, after handing the whole
    chunk to the mail server (a liveness query before each email would narrow this, at one query per
    message); the task retries once the database is back. 0 lost; exactly 5 duplicated: the chunk,
    every copy recognisable by its Message-ID."""
    # The fixture's worker stops before the data is made: a task it ran while the second child was
    # being written deadlocked with that transaction once (run 10 of 20, issue 13).
    worker.stop()
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    child_with_plan(due, email_only=True)
    child_with_plan(due, email_only=True)
    smtp.handler.stall_at = 2
    worker = type(worker)(worker.log_path.parent, smtp.port, REMINDER_DELIVERY_CHUNK=5)

    services.sweep()
    wait_for(smtp.handler.stalled.is_set, what="the worker mid-chunk")
    ctl("pg-restart")
    connection.close()  # this test's own connection died with the server
    smtp.handler.release()

    try:
        wait_for(all_settled, what="every reminder sent after the PostgreSQL restart")
        wait_for(queue_empty_and_workers_idle, what="the worker to drain its queue")
    finally:
        worker.stop()
    assert figures(smtp) == {"emails": 10, "lost": 0, "duplicated": 5, "strangers": 0, "logs": 10}
    assert set(smtp.handler.counts()) == {message_id(r) for r in Reminder.objects.filter(channel="email")}


def test_two_beats_at_once_create_and_send_each_reminder_once(start_worker, smtp, tmp_path):
    """Two sweeping processes (two beats), each sweeping three times from the same instant, and two
    workers delivering in chunks of 2: each reminder exists once, each email is accepted once, each
    portal notification written once."""
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    for _ in range(4):
        child_with_plan(due)  # parents: email + portal; clinicians: portal
    start_worker(REMINDER_DELIVERY_CHUNK=2)
    start_worker(REMINDER_DELIVERY_CHUNK=2)
    go = tmp_path / "go"
    script = (
        "import pathlib, time, django; django.setup()\n"
        "from patients.reminders import services\n"
        f"go = pathlib.Path({str(go)!r})\n"
        "while not go.exists(): time.sleep(0.005)  # the starting line of both beats\n"
        "for _ in range(3): services.sweep()\n"
    )
    env = process_env(0, REMINDER_BATCH_SIZE=3)
    beats = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env) for _ in range(2)]
    go.write_text("go")
    assert [b.wait(timeout=60) for b in beats] == [0, 0]

    wait_for(all_settled, what="every reminder delivered")
    wait_for(queue_empty_and_workers_idle, what="the workers to drain their queues")
    email = Reminder.objects.filter(channel="email").count()
    portal = Reminder.objects.filter(channel="portal").count()
    assert (email, portal) == (4 * ITEMS_PER_CHILD, 2 * 4 * ITEMS_PER_CHILD)
    assert figures(smtp) == {"emails": email, "lost": 0, "duplicated": 0, "strangers": 0, "logs": email}
    assert Notification.objects.filter(kind="follow_up_reminder").count() == portal
    assert DeliveryLog.objects.count() == Reminder.objects.count()
