"""Automatic sign-out: idle timeout per audience (staff 15 min, families 30 min) and absolute lifetime."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.care.models import AuditAction, AuditEvent
from tests.portal.accounts.sign_in_helpers import is_signed_in

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/notifications/"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def signed_in_now(client_fixture):
    """Fixtures sign in at fixture time; start the clock from a first request made under the frozen clock."""
    assert client_fixture.get(STAFF_PAGE).status_code == 200
    return client_fixture


@override_settings(SESSION_IDLE_TIMEOUT_STAFF=timedelta(minutes=15))
def test_staff_signed_out_after_15_idle_minutes(clock, clinician, clinician_client):
    client = signed_in_now(clinician_client)
    for _ in range(3):  # activity keeps the session alive
        clock.shift(timedelta(minutes=14))
        assert client.get(STAFF_PAGE).status_code == 200
    clock.shift(timedelta(minutes=15, seconds=1))
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response.url == f"{reverse('portal:login')}?next=%2Fnotifications%2F"
    assert not is_signed_in(client)
    event = AuditEvent.objects.get(action=AuditAction.TIMEOUT)
    assert (event.user, event.detail) == (clinician, "idle")
    assert not AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()  # recorded as a timeout only
    assert "period of inactivity" in client.get(response.url).content.decode()


@override_settings(SESSION_IDLE_TIMEOUT_FAMILY=timedelta(minutes=30))
def test_families_get_30_idle_minutes(clock, family_user, family_client):
    client = signed_in_now(family_client)
    clock.shift(timedelta(minutes=29))
    assert client.get(STAFF_PAGE).status_code == 200  # past the staff limit, within the family one
    clock.shift(timedelta(minutes=30, seconds=1))
    assert client.get(STAFF_PAGE).status_code == 302
    assert AuditEvent.objects.get(action=AuditAction.TIMEOUT).user == family_user


@override_settings(SESSION_ABSOLUTE_LIFETIME=timedelta(hours=12))
def test_absolute_lifetime_ends_even_an_active_session(clock, clinician_client):
    client = signed_in_now(clinician_client)
    for _ in range(11 * 6):  # a request every 10 minutes for 11 hours
        clock.shift(timedelta(minutes=10))
        assert client.get(STAFF_PAGE).status_code == 200
    clock.shift(timedelta(minutes=61))
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert AuditEvent.objects.get(action=AuditAction.TIMEOUT).detail == "lifetime"
    assert "sessions end after a few hours" in client.get(response.url).content.decode()


def test_api_gets_401_json_on_timeout(clock, clinician_client):
    client = signed_in_now(clinician_client)
    assert client.get("/api/patients/").status_code == 200
    clock.shift(timedelta(minutes=16))
    response = client.get("/api/patients/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"  # the API's one error shape
    assert response.json()["detail"] == "Your session has expired. Please sign in again."
    assert response.json()["status"] == 401
    assert AuditEvent.objects.filter(action=AuditAction.TIMEOUT).count() == 1


def _session_writes(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(STAFF_PAGE).status_code == 200
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


@override_settings(SESSION_IDLE_TIMEOUT_STAFF=timedelta(minutes=15))
def test_activity_is_written_to_the_session_at_most_every_30_seconds(clock, clinician_client):
    client = signed_in_now(clinician_client)
    clock.shift(timedelta(seconds=10))
    assert _session_writes(client) == 0  # a click seconds after the last one: no UPDATE of the session row
    clock.shift(timedelta(seconds=25))
    assert _session_writes(client) == 1  # 35 s after the last write: the idle clock moves on
    clock.shift(timedelta(minutes=14, seconds=50))
    assert client.get(STAFF_PAGE).status_code == 200  # idle 14:50 since that write: still signed in
