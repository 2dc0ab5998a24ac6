"""/api/v1/patients/{id}/mrd/: the MRD results alone, filtered by timepoint, ordered by date, and
read through the timeline's policy (families: released results only; other children: 404, audited)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.care.models import AuditAction, AuditEvent, CareTeamMembership
from tests.patients.factories import add_entry

pytestmark = pytest.mark.django_db


def _mrd(user, patient, on, timepoint, value, **data):
    detail = {"timepoint": timepoint, "sample": "marrow", "method": "flow", "value_pct": value}
    return add_entry(user, patient, "mrd", on, detail, **data)


@pytest.fixture
def results(clinician, patient):
    add_entry(clinician, patient, "note", date(2024, 1, 2), notes="not an MRD result")
    return [
        _mrd(clinician, patient, date(2024, 1, 8), "day8", 0.5, visibility="released"),
        _mrd(clinician, patient, date(2024, 1, 29), "day29", 0.001),
    ]


def test_a_clinician_lists_only_mrd_results_filtered_and_ordered(clinician_client, patient, results):
    url = f"/api/v1/patients/{patient.pk}/mrd/"
    body = clinician_client.get(url, {"ordering": "occurred_on"}).json()
    assert [e["id"] for e in body["results"]] == [r.pk for r in results]
    assert body["results"][0]["detail"]["timepoint"] == "day8"
    newest_first = clinician_client.get(url).json()["results"]
    assert [e["id"] for e in newest_first] == [results[1].pk, results[0].pk]
    day29 = clinician_client.get(url, {"timepoint": "day29"}).json()["results"]
    assert [e["id"] for e in day29] == [results[1].pk]
    assert clinician_client.get(url, {"timepoint": "day999"}).status_code == 400
    one = clinician_client.get(f"{url}{results[1].pk}/")
    assert one.status_code == 200 and float(one.json()["detail"]["value_pct"]) == 0.001
    assert AuditEvent.objects.filter(patient=patient, action=AuditAction.LIST, object_type="timelineentry").exists()


def test_a_non_mrd_entry_is_not_found_under_mrd(clinician_client, clinician, patient, results):
    note = add_entry(clinician, patient, "note", date(2024, 3, 1), notes="n")
    assert clinician_client.get(f"/api/v1/patients/{patient.pk}/mrd/{note.pk}/").status_code == 404


def test_a_family_sees_released_results_only(family_client, patient, results):
    url = f"/api/v1/patients/{patient.pk}/mrd/"
    listed = family_client.get(url).json()["results"]
    assert [e["id"] for e in listed] == [results[0].pk]
    assert "detail" not in listed[0] and listed[0]["summary"]
    assert family_client.get(f"{url}{results[1].pk}/").status_code == 404
    assert AuditEvent.objects.filter(patient=patient, action=AuditAction.DENIED, object_id=str(results[1].pk)).exists()


def test_another_childs_family_gets_404_and_it_is_recorded(family_client, other_patient):
    their_clinician = CareTeamMembership.objects.get(patient=other_patient).clinician
    entry = _mrd(their_clinician, other_patient, date(2024, 1, 8), "day8", 0.5, visibility="released")
    before = AuditEvent.objects.filter(patient=other_patient).count()
    assert family_client.get(f"/api/v1/patients/{other_patient.pk}/mrd/").status_code == 404
    assert family_client.get(f"/api/v1/patients/{other_patient.pk}/mrd/{entry.pk}/").status_code == 404
    assert AuditEvent.objects.filter(patient=other_patient).count() > before
