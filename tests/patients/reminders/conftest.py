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
