"""/healthz reports the database and the broker, answering 503 when either is down (real dead ports)."""

import socket

import pytest
from django.db import connections
from django.urls import reverse

from portal.views import health

pytestmark = pytest.mark.django_db


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


@pytest.fixture
def dead_database(monkeypatch):
    """A real connection object of the same backend, pointed at a port where nothing listens."""
    real = connections["default"]
    settings_dict = {**real.settings_dict, "HOST": "127.0.0.1", "PORT": dead_port()}
    if real.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-dir/portal.sqlite3"
    wrapper = type(real)(settings_dict, alias="healthz-dead")
    assert wrapper.vendor == real.vendor
    monkeypatch.setattr(health, "connection", wrapper)
    yield
    wrapper.close()


@pytest.fixture
def dead_broker(monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://127.0.0.1:{dead_port()}/0")
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)


def test_healthy(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert response["Cache-Control"].startswith("max-age=0")


def test_database_down_is_503(client, dead_database):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["broker"] == "ok"


def test_broker_down_is_503(client, dead_broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def test_both_down(client, dead_database, dead_broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() | {"broker_transport": None} == {
        "status": "unavailable",
        "database": "down",
        "broker": "down",
        "broker_transport": None,
    }


def test_no_sign_in_needed_and_no_credentials_leak(client):
    body = client.get(reverse("healthz")).content.decode()
    assert "@" not in body and "password" not in body.lower()


def test_post_not_allowed(client):
    assert client.post(reverse("healthz")).status_code == 405
