"""Real processes for the pipeline tests: Celery workers on the real Redis and the test database,
sending through the SMTP test server (smtp_server.py), and the helpers to await them.

Every wait polls the awaited condition (database, SMTP server, broker) with a deadline; nothing
sleeps for a fixed time.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from patients.late_effects import services as plan_services
from patients.late_effects.engine import add_months
from patients.reminders.models import Reminder, ReminderPreference, ReminderStatus
from portal.care.access import years_before
from portal.celery import app
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.late_effects.factories import high_anthracycline_summary

REPO = Path(__file__).resolve().parents[3]
ITEMS_PER_CHILD = 5  # echo, entry ECG, cardiac history, neurocognitive, neuropathy share the LTFU-entry date
_names = itertools.count(1)


def wait_for(condition, *, timeout: float = 45, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling interval of the deadline loop


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(smtp_port: int, **extra) -> dict:
    """The environment of a worker or sweeping process: the test database, this time zone, the SMTP server."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.patients.reminders.worker_settings",
        "DATABASE_URL": database_url(),
        "TIME_ZONE": settings.TIME_ZONE,
        "REMINDER_TEST_SMTP_PORT": str(smtp_port),
        "REMINDER_RETRY_BASE_SECONDS": "1",
        "PYTHONPATH": str(REPO),
        **{k: str(v) for k, v in extra.items()},
    }


class Worker:
    """`celery -A portal worker`, prefork with one child, in its own process group."""

    def __init__(self, log_dir: Path, smtp_port: int, **env):
        self.name = f"reminders-test-{os.getpid()}-{next(_names)}"
        self.log_path = log_dir / f"{self.name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115
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
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{self.name}@%h",
            ],
            cwd=REPO,
            env=process_env(smtp_port, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._pong, timeout=90, what="the Celery worker to answer ping")

    def _pong(self):
        if self.proc.poll() is not None:
            raise AssertionError("worker exited: " + self.log_path.read_text()[-3000:])
        replies = app.control.ping(timeout=0.5)
        return any(next(iter(r)).startswith(self.name + "@") for r in replies)

    def pool_child(self) -> int:
        """The pid of the prefork child (the process that runs the tasks)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def purge_queue() -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("celery", "unacked", "unacked_index")


def queue_empty_and_workers_idle() -> bool:
    """Nothing queued in Redis and nothing running or reserved on any worker."""
    try:
        with app.connection_for_write() as conn:
            if conn.default_channel.client.llen("celery"):
                return False
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = inspect.active() or {}, inspect.reserved() or {}
    except (OSError, RedisConnectionError):  # a pooled connection from before a Redis restart
        app._pool = None  # a new pool on next use (celery.app.base.Celery.pool)
        app.amqp._producer_pool = None
        return False
    return not any(active.values()) and not any(reserved.values())


def child_with_plan(due: date, *, email_only: bool = False):
    """A child of 8 whose LTFU-entry items (ITEMS_PER_CHILD) all fall on `due`, with a parent and a clinician.

    The age is taken from today, so the parent's access (full under 12, none from 18) does not
    change with the date the suite runs on. No quiet hours: messages may go out at any hour.
    """
    today = timezone.localdate()
    child = PatientFactory(date_of_birth=years_before(today, 8))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    if email_only:
        ReminderPreference.objects.create(user=parent, portal=False, quiet_start=None, quiet_end=None)
        ReminderPreference.objects.create(user=clinician, email=False, portal=False)
    plan_services.recompute_care_plan(child, high_anthracycline_summary(add_months(due, -24)))
    plan_services.release_plan(clinician, child)
    return child, parent


def all_settled() -> bool:
    rows = Reminder.objects.all()
    return rows.exists() and not rows.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.FAILED]).exists()


def sent_message_ids() -> list[str]:
    from patients.reminders.models import DeliveryLog

    return list(DeliveryLog.objects.filter(channel="email").values_list("message_id", flat=True))
