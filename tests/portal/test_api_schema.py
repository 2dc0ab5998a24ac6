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
