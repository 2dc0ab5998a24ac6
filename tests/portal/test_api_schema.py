"""The OpenAPI document generates, validates, and has no naming warnings (clients are built from it)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/patients/{patient_id}/timeline/" in text
    assert "/api/patients/{patient_id}/follow-ups/" in text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_not_served_to_anonymous_callers(client, path):
    response = client.get(path)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code in (401, 403)
    assert b"/api/patients/" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_served_to_a_signed_in_clinician(clinician_client, path):
    response = clinician_client.get(path)
    assert response.status_code == 200
