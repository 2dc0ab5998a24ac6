"""The reminder pipeline end to end with a REAL Celery worker on the real Redis and the test database.

The worker is a subprocess (`celery -A portal worker`, prefork, one child) whose settings point at
pytest's test database; emails land as files in a temporary folder. Every wait polls for the
awaited condition with a deadline; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from patients.late_effects import services as plan_services
from patients.late_effects.engine import add_months
from patients.reminders import services
from patients.reminders.models import DeliveryLog, Reminder, ReminderPreference, ReminderStatus
from patients.reminders.tasks import sweep_reminders
from portal.celery import app
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset
from tests.patients.reminders.concurrency import run_together

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[3]
ITEMS_PER_CHILD = 5  # echo, entry ECG, cardiac history, neurocognitive, neuropathy share the LTFU-entry date

if not settings.CELERY_BROKER_URL.startswith("redis://"):
    pytest.skip("needs the real Redis broker (run under scripts/test-services)", allow_module_level=True)


def wait_for(condition, *, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling interval of the deadline loop


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    def __init__(self, mail_dir: Path):
        self.mail_dir = mail_dir
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.patients.reminders.worker_settings",
            "DATABASE_URL": _database_url(),
            "REMINDER_TEST_MAIL_DIR": str(mail_dir),
            "PYTHONPATH": str(REPO),
        }
        self.log = open(mail_dir.parent / "worker.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--purge",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"reminders-test-{os.getpid()}@%h",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.name = f"reminders-test-{os.getpid()}@"
        wait_for(self._pong, timeout=90, what="the Celery worker to answer ping")

    def _pong(self):
        if self.proc.poll() is not None:
            raise AssertionError("worker exited: " + (self.mail_dir.parent / "worker.log").read_text()[-3000:])
        replies = app.control.ping(timeout=0.5)
        return any(self.name in next(iter(r)) for r in replies)

    def idle(self) -> bool:
        """Nothing queued in Redis and nothing running or reserved on the worker."""
        with app.connection_for_write() as conn:
            queued = conn.default_channel.client.llen("celery")
        if queued:
            return False
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = inspect.active() or {}, inspect.reserved() or {}
        return not any(active.values()) and not any(reserved.values())

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def mail_dir(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def worker(mail_dir):
    w = Worker(mail_dir)
    yield w
    w.stop()


def emails(mail_dir: Path) -> list[Path]:
    return sorted(mail_dir.glob("*.eml"))


def child_with_plan(therapy_end: date, *, email_only: bool = False):
    """A child whose LTFU-entry items fall `ITEMS_PER_CHILD` at once, with a parent and a clinician."""
    child = PatientFactory(date_of_birth=date(2010, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    if email_only:
        ReminderPreference.objects.create(user=parent, portal=False)
        ReminderPreference.objects.create(user=clinician, email=False, portal=False)
    plan_services.recompute_care_plan(child, high_anthracycline_summary(therapy_end))
    plan_services.release_plan(clinician, child)
    return child, parent


def end_for_due(due: date) -> date:
    """The end-of-therapy date that puts the LTFU-entry items (2 years later) on `due`."""
    return add_months(due, -24)


def all_settled() -> bool:
    rows = Reminder.objects.all()
    return rows.exists() and not rows.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.FAILED]).exists()


def test_one_sweep_one_email_each_and_repeated_or_concurrent_sweeps_add_none(worker, mail_dir):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    child_with_plan(end_for_due(due))
    child_with_plan(end_for_due(due))

    sweep_reminders.delay()  # the beat's job, run by the worker
    wait_for(all_settled, what="every reminder to be delivered")
    email_rows = Reminder.objects.filter(channel="email")
    assert email_rows.count() == 2 * ITEMS_PER_CHILD
    wait_for(lambda: len(emails(mail_dir)) >= email_rows.count(), what="email files")
    assert len(emails(mail_dir)) == email_rows.count()
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
    first = (Reminder.objects.count(), DeliveryLog.objects.count())
    assert first[0] == first[1]
    body = emails(mail_dir)[0].read_text()
    assert "sign in to see it" in body and "text/calendar" in body

    # A second sweep through the worker and two concurrent in-process sweeps add nothing.
    sweep_reminders.delay()
    run_together(services.sweep, [()] * 2)
    wait_for(worker.idle, what="the worker to drain its queue")
    assert (Reminder.objects.count(), DeliveryLog.objects.count()) == first
    assert len(emails(mail_dir)) == email_rows.count()


def test_concurrent_first_sweeps_create_and_send_each_reminder_once(worker, mail_dir):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=30)
    child_with_plan(end_for_due(due), email_only=True)
    run_together(services.sweep, [()] * 3)  # the rows each creates or finds are enqueued by one of them
    wait_for(all_settled, what="delivery")
    wait_for(worker.idle, what="the worker to drain its queue")
    assert Reminder.objects.count() == ITEMS_PER_CHILD
    assert DeliveryLog.objects.count() == ITEMS_PER_CHILD
    assert len(emails(mail_dir)) == ITEMS_PER_CHILD


def test_worker_killed_mid_delivery_still_sends_exactly_once(worker, mail_dir):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=7)
    child_with_plan(end_for_due(due), email_only=True)
    (mail_dir / "block").write_text("stall the first send")

    services.sweep()
    pid = int(wait_for(lambda: (mail_dir / "started").exists() and (mail_dir / "started").read_text(), what="send"))
    assert pid != worker.proc.pid  # the pool child, holding the reminder's row lock mid-send
    os.kill(pid, signal.SIGKILL)
    (mail_dir / "block").unlink()

    # reject_on_worker_lost: the parent requeues the task; the new child finds the row still pending.
    wait_for(all_settled, what="delivery after the kill")
    wait_for(worker.idle, what="the worker to drain its queue")
    assert Reminder.objects.filter(status="sent").count() == ITEMS_PER_CHILD
    assert DeliveryLog.objects.count() == ITEMS_PER_CHILD
    assert len(emails(mail_dir)) == ITEMS_PER_CHILD
    assert len({log.worker_pid for log in DeliveryLog.objects.all()} - {pid}) >= 1
    assert not DeliveryLog.objects.filter(worker_pid=pid).exists()


def test_time_moved_forward_produces_weekly_overdue_nudges_up_to_the_cap(worker, mail_dir):
    load_default_ruleset()
    due = timezone.localdate() + timedelta(days=3)
    child_with_plan(end_for_due(due), email_only=True)
    cap = settings.REMINDER_DEFAULT_OVERDUE_CAP
    expected_emails = 0

    def sweep_on(day: date):
        # Noon of that day, but never before now: the plan was released at the real time, and a
        # sweep travelled to before the release would rightly find nothing (the test then failed
        # whenever the suite ran in the afternoon, local time).
        noon = timezone.make_aware(datetime.combine(day, dtime(12, 0)))
        with time_machine.travel(max(noon, timezone.now()), tick=False):
            services.sweep()

    sweep_on(timezone.localdate())  # lead-7
    expected_emails += ITEMS_PER_CHILD
    for week in range(1, cap + 3):
        sweep_on(due + timedelta(days=7 * week))
        sweep_on(due + timedelta(days=7 * week + 1))  # a daily sweep later that week adds nothing
        if week <= cap:
            expected_emails += ITEMS_PER_CHILD
        wait_for(all_settled, what=f"week {week} delivery")
        wait_for(lambda n=expected_emails: len(emails(mail_dir)) >= n, what="email files")
    wait_for(worker.idle, what="the worker to drain its queue")
    kinds = sorted(set(Reminder.objects.values_list("kind", flat=True)))
    assert kinds == ["lead-7"] + [f"overdue-{n}" for n in range(1, cap + 1)]
    assert Reminder.objects.filter(kind__startswith="overdue").count() == cap * ITEMS_PER_CHILD
    assert len(emails(mail_dir)) == expected_emails
    assert DeliveryLog.objects.count() == expected_emails
