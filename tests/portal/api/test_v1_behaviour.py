"""What a client of /api/v1/ relies on: problem details, ETag / If-Match, cursor pages, filters,
throttling, and the deprecated /api/patients/… aliases (same data, old shapes, sunset headers)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from patients.models import TimelineEntry
from patients.models.risk import ALL_GROUPS
from tests.patients.factories import add_chemo, add_entry

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def v1(patient, rest: str = "") -> str:
    return f"/api/v1/patients/{patient.pk}/{rest}"


def test_a_bad_write_is_a_problem_with_field_messages(clinician_client, patient):
    response = clinician_client.post(
        v1(patient, "timeline/"),
        {"kind": "chemo", "occurred_on": "1990-01-01", "detail": {"drug": "unobtainium", "dose": "-5"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:allcare:problem:invalid" and body["status"] == 400 and body["title"]
    assert set(body["errors"]) == {"dose", "drug", "occurred_on"}, body
    assert all(isinstance(m, list) and m for m in body["errors"].values())
    assert not TimelineEntry.objects.exists()


def test_etag_and_if_match(clinician_client, clinician, patient):
    entry = add_chemo(clinician, patient, date.today(), "doxorubicin", 25)
    url = v1(patient, f"timeline/{entry.pk}/")
    loaded = clinician_client.get(url)
    assert loaded["ETag"] == '"1"'

    stale = clinician_client.patch(url, {"title": "x"}, content_type="application/json", headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale["Content-Type"] == PROBLEM
    assert stale.json()["type"] == "urn:allcare:problem:precondition_failed"
    entry.refresh_from_db()
    assert entry.version == 1 and entry.title != "x"

    ok = clinician_client.patch(
        url, {"title": "First dose"}, content_type="application/json", headers={"If-Match": '"1"'}
    )
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    # Without If-Match the body's version still guards the write (409 when stale).
    conflict = clinician_client.patch(url, {"title": "y", "version": 1}, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["type"] == "urn:allcare:problem:conflict"


def test_if_match_guards_a_delete(clinician_client, clinician, patient):
    entry = add_entry(clinician, patient, "note", date.today(), notes="n")
    url = v1(patient, f"timeline/{entry.pk}/")
    assert clinician_client.delete(url, headers={"If-Match": '"2"'}).status_code == 412
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert clinician_client.delete(url, headers={"If-Match": '"1"'}).status_code == 204


def test_cursor_pages_filters_and_ordering(clinician_client, clinician, patient):
    for day in range(1, 6):
        add_entry(clinician, patient, "note", date(2024, 1, day), notes=f"n{day}")
    add_entry(
        clinician,
        patient,
        "mrd",
        date(2024, 2, 1),
        {"timepoint": "day8", "sample": "blood", "method": "flow", "value_pct": 0.01},
    )
    first = clinician_client.get(v1(patient, "timeline/"), {"page_size": 2, "ordering": "occurred_on"}).json()
    assert "count" not in first and [e["occurred_on"] for e in first["results"]] == ["2024-01-01", "2024-01-02"]
    second = clinician_client.get(first["next"]).json()
    assert [e["occurred_on"] for e in second["results"]] == ["2024-01-03", "2024-01-04"]
    mrd = clinician_client.get(v1(patient, "timeline/"), {"kind": "mrd"}).json()["results"]
    assert [e["kind"] for e in mrd] == ["mrd"] and float(mrd[0]["detail"]["value_pct"]) == 0.01
    # A phase id of no phase (or of another child) is no error: the answer tells nothing about ids.
    none = clinician_client.get(v1(patient, "timeline/"), {"phase": 987_654_321})
    assert none.status_code == 200 and none.json()["results"] == []
    bad = clinician_client.get(v1(patient, "timeline/"), {"kind": "nonsense"})
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]


@override_settings(API_RATE_USER="3/minute")
def test_too_many_requests_is_a_429_problem(clinician_client, patient):
    statuses = [clinician_client.get(v1(patient, "phases/")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = clinician_client.get(v1(patient, "phases/"))
    assert limited["Content-Type"] == PROBLEM and "Retry-After" in limited


def test_old_paths_are_deprecated_aliases_with_their_old_shapes(clinician_client, clinician, patient):
    add_entry(clinician, patient, "note", date.today(), notes="n")
    old = clinician_client.get(f"/api/patients/{patient.pk}/timeline/")
    assert old.status_code == 200 and old.json()["count"] == 1  # page-number pages, as before
    assert old["Deprecation"].startswith("@") and old["Sunset"].endswith("GMT")
    assert old["Link"] == f'</api/v1/patients/{patient.pk}/timeline/>; rel="successor-version"'
    new = clinician_client.get(v1(patient, "timeline/"))
    assert "Deprecation" not in new and new.json()["results"][0]["id"] == old.json()["results"][0]["id"]
    stale = clinician_client.patch(f"/api/patients/{patient.pk}/", {"version": 99}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"  # the old error body


def test_the_schema_marks_the_old_paths_deprecated_and_documents_problems(clinician_client):
    schema = clinician_client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    old = schema["paths"]["/api/patients/{patient_id}/timeline/"]["get"]
    new = schema["paths"]["/api/v1/patients/{patient_id}/timeline/"]["get"]
    assert old["deprecated"] is True and "deprecated" not in new
    assert new["responses"]["404"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    patch = schema["paths"]["/api/v1/patients/{patient_id}/timeline/{entry_id}/"]["patch"]
    assert {"409", "412", "415"} <= set(patch["responses"])
    risk = schema["components"]["schemas"]["RiskAssessment"]["properties"]
    assert risk["decided_by"]["nullable"] is True
    components = schema["components"]["schemas"]
    assert components["Diagnosis"]["properties"]["effective_cns_status"]["nullable"] is True
    # A stored assessment may have no group yet: "" is in the documented values, beside every group.
    group = {ref["$ref"].rsplit("/", 1)[1] for ref in risk["group"]["oneOf"]}
    assert group == {"RiskGroupEnum", "BlankEnum"} and components["BlankEnum"]["enum"] == [""]
    assert set(ALL_GROUPS) <= set(components["RiskGroupEnum"]["enum"])
    # The timeline answers `detail`, so the schema must not call it write-only.
    assert "writeOnly" not in components["TimelineEntry"]["properties"]["detail"]
