"""Responses with a child's data are never stored by a browser or proxy (issue 13.5).

Every response to a signed-in user and every API response carries `Cache-Control: no-store` and
`Pragma: no-cache`, unless the view chose its own Cache-Control.
"""

import pytest
from django.urls import reverse

from patients.reminders import feeds

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")
    assert response["Pragma"] == "no-cache"


def test_clinician_record_page_is_not_stored(clinician_client, patient):
    response = clinician_client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_clinician_worklist_is_not_stored(clinician_client):
    response = clinician_client.get("/patients/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_family_child_page_is_not_stored(family_client, patient):
    response = family_client.get(f"/family/children/{patient.pk}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_api_response_is_not_stored(clinician_client, patient):
    response = clinician_client.get(f"/api/patients/{patient.pk}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_api_refusal_to_an_anonymous_caller_is_not_stored(client):
    response = client.get("/api/patients/")
    assert response.status_code in (401, 403)
    assert_not_stored(response)


def test_error_page_to_a_signed_in_user_is_not_stored(family_client, other_patient):
    response = family_client.get(f"/family/children/{other_patient.pk}/")
    assert response.status_code == 404
    assert_not_stored(response)


def test_calendar_feed_is_not_stored(client, family_user):
    response = client.get(f"/calendar/{feeds.create_feed(family_user).token}.ics")
    assert response.status_code == 200
    assert_not_stored(response)


def test_a_view_that_sets_its_own_cache_control_keeps_it(client):
    response = client.get(reverse("healthz"))
    assert response["Cache-Control"].startswith("max-age=0")


def test_anonymous_sign_in_page_is_not_forced(client):
    response = client.get(reverse("portal:login"))
    assert response.status_code == 200
    assert response.get("Pragma") is None
