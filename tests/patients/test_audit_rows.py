"""Every read and write of the patient core record lands in the audit trail, with who, what, why and where."""

import pytest
from django.urls import reverse

from portal.care.models import AuditEvent
from tests.factories import CareTeamMembershipFactory, PatientFactory

pytestmark = pytest.mark.django_db

WHERE = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "ward-pc/7.1"}


def only_event(**filters) -> AuditEvent:
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


def assert_where(event, path):
    assert (event.ip_address, event.user_agent, event.path) == ("10.1.2.3", "ward-pc/7.1", path)


def test_viewing_the_record_page(clinician_client, clinician, patient):
    url = reverse("patients:detail", kwargs={"patient_id": patient.pk})
    assert clinician_client.get(url, **WHERE).status_code == 200
    event = only_event(action="view")
    assert (event.user, event.patient, event.object_type, event.object_id, event.purpose) == (
        clinician,
        patient,
        "patient",
        str(patient.pk),
        "normal",
    )
    assert_where(event, url)


def test_list_page_records_one_row_per_child_shown(clinician_client, clinician, patient, other_patient):
    second = PatientFactory()
    CareTeamMembershipFactory(patient=second, clinician=clinician)
    url = reverse("patients:list")
    clinician_client.get(url, **WHERE)
    rows = AuditEvent.objects.filter(action="list")
    assert {e.patient for e in rows} == {patient, second}
    assert all(e.user == clinician and e.ip_address == "10.1.2.3" for e in rows)


def test_api_retrieve_and_list(clinician_client, clinician, patient):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    assert clinician_client.get(url, **WHERE).status_code == 200
    event = only_event(action="view")
    assert (event.user, event.patient, event.object_type, event.object_id) == (
        clinician,
        patient,
        "patient",
        str(patient.pk),
    )
    assert_where(event, url)
    list_url = reverse("api-patient-list")
    assert clinician_client.get(list_url, **WHERE).status_code == 200
    listed = only_event(action="list")
    assert (listed.patient, listed.object_id) == (patient, str(patient.pk))
    assert_where(listed, list_url)


def test_editing_records_changed_field_names_only(clinician_client, clinician, patient):
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    data = {
        "mrn": patient.mrn,
        "given_name": "Renamed",
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "preferred_language": "en",
        "status": "relapsed",
        "version": patient.version,
    }
    assert clinician_client.post(url, data, **WHERE).status_code == 302
    event = only_event(action="update")
    assert (event.user, event.patient, event.object_type, event.purpose) == (clinician, patient, "patient", "normal")
    assert set(event.detail.split(",")) == {"given_name", "status"}
    assert "Renamed" not in event.detail
    assert_where(event, url)


def test_creating(clinician_client, clinician):
    url = reverse("patients:create")
    data = {
        "mrn": "NEW-0001",
        "given_name": "Ines",
        "family_name": "Arroyo",
        "date_of_birth": "2019-03-04",
        "sex": "female",
        "preferred_language": "es",
        "status": "on_therapy",
    }
    assert clinician_client.post(url, data, **WHERE).status_code == 302
    event = only_event(action="create")
    assert (event.user, event.patient.mrn, event.object_type, event.object_id) == (
        clinician,
        "NEW-0001",
        "patient",
        str(event.patient.pk),
    )
    assert_where(event, url)


def test_api_create(clinician_client, clinician):
    response = clinician_client.post(
        reverse("api-patient-list"),
        {"mrn": "API-1", "given_name": "A", "family_name": "B", "date_of_birth": "2020-01-01"},
        content_type="application/json",
        **WHERE,
    )
    assert response.status_code == 201
    event = only_event(action="create")
    assert (event.user, event.patient.mrn) == (clinician, "API-1")


@pytest.mark.parametrize("name", ["patients:detail", "patients:edit", "api-patient-detail"])
def test_denied_access_is_recorded(outsider_client, outsider_clinician, patient, name):
    url = reverse(name, kwargs={"patient_id": patient.pk})
    assert outsider_client.get(url, **WHERE).status_code == 404
    event = only_event(action="denied")
    assert (event.user, event.patient, event.object_type, event.object_id) == (
        outsider_clinician,
        patient,
        "patient",
        str(patient.pk),
    )
    assert_where(event, url)
    assert not AuditEvent.objects.filter(action="view").exists()


def test_family_denied_for_another_child(family_client, family_user, other_patient):
    url = reverse("patients:family_child", kwargs={"patient_id": other_patient.pk})
    assert family_client.get(url, **WHERE).status_code == 404
    event = only_event(action="denied")
    assert (event.user, event.patient) == (family_user, other_patient)
