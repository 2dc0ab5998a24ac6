from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from patients.late_effects import services as plan_services
from patients.reminders import services, tasks
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

END_OF_THERAPY = date(2019, 9, 1)


@pytest.fixture
def plan(clinician, family_user, patient):
    """`patient` (born 2010) with the released care plan of a high anthracycline dose ending END_OF_THERAPY."""
    patient.date_of_birth = date(2010, 3, 1)
    patient.save()
    load_default_ruleset()
    noon = timezone.make_aware(datetime.combine(END_OF_THERAPY, time(12, 0)))
    with time_machine.travel(noon, tick=False):
        plan_services.recompute_care_plan(patient, high_anthracycline_summary(END_OF_THERAPY))
        plan_services.release_plan(clinician, patient)
    return patient


@pytest.fixture
def swept(monkeypatch, django_capture_on_commit_callbacks):
    """Run services.sweep() and answer the ids it handed to the delivery task once its transactions committed."""

    def run(**kwargs) -> list[int]:
        published: list[int] = []
        monkeypatch.setattr(tasks.deliver_reminders, "delay", lambda ids: published.extend(ids))
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep(**kwargs)
        return published

    return run


@pytest.fixture
def smtp():
    """The SMTP test server (tests/patients/reminders/smtp_server.py): its handler counts and injects faults."""
    from tests.patients.reminders.smtp_server import SmtpServer

    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def start_worker(tmp_path, smtp):
    """start_worker(**env) starts a real Celery worker sending through `smtp`; all are stopped at the end."""
    from tests.patients.reminders.pipeline import Worker, purge_queue

    purge_queue()  # tasks left by earlier tests (other modules publish to the same Redis)
    workers = []

    def start(**env):
        workers.append(Worker(tmp_path, smtp.port, **env))
        return workers[-1]

    yield start
    for w in workers:
        w.stop()
    purge_queue()


@pytest.fixture
def worker(start_worker):
    return start_worker()
