import pytest

from patients.reminders import services, tasks


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
