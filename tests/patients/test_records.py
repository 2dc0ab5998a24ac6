"""Patient core pages and API: access, validation, and stale edits refused (409) instead of overwritten."""

import pytest
from django.urls import reverse

from patients.models import Patient
from portal.care.models import AuditEvent

pytestmark = pytest.mark.django_db


NEW_CHILD = {
    "given_name": "A",
    "family_name": "B",
    "date_of_birth": "2020-01-01",
    "sex": "female",
    "preferred_language": "en",
    "status": "on_therapy",
}


def form_data(patient, **overrides):
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "preferred_language": patient.preferred_language,
        "status": patient.status,
        "version": patient.version,
    }
    data.update(overrides)
    return data


def test_record_page_shows_the_child(clinician_client, patient):
    response = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    assert patient.mrn in response.content.decode()


def test_family_is_sent_to_the_family_page_for_own_child_only(family_client, patient, other_patient):
    own = family_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk}))
    assert own.status_code == 302
    assert own["Location"] == reverse("patients:family_child", kwargs={"patient_id": patient.pk})
    other = family_client.get(reverse("patients:detail", kwargs={"patient_id": other_patient.pk}))
    assert other.status_code == 404


def test_stale_web_edit_is_refused_with_409_and_a_clear_message(clinician_client, patient):
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    mine = form_data(patient, given_name="Mine")
    theirs = form_data(patient, given_name="Theirs")
    assert clinician_client.post(url, theirs).status_code == 302
    response = clinician_client.post(url, mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    assert "Load the current version of the record" in html
    patient.refresh_from_db()
    assert (patient.given_name, patient.version) == ("Theirs", 2)
    assert AuditEvent.objects.filter(action="conflict", patient=patient).exists()


def test_web_edit_without_version_is_refused(clinician_client, patient):
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    data = form_data(patient, given_name="X")
    del data["version"]
    assert clinician_client.post(url, data).status_code == 409
    patient.refresh_from_db()
    assert patient.given_name != "X"


def test_web_edit_bad_input_gets_field_errors_and_saves_nothing(clinician_client, patient, other_patient):
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    response = clinician_client.post(url, form_data(patient, mrn=other_patient.mrn, date_of_birth="2999-01-01"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "mrn" in errors and "date_of_birth" in errors
    patient.refresh_from_db()
    assert patient.version == 1


def test_edit_page_get_carries_the_version(clinician_client, patient):
    response = clinician_client.get(reverse("patients:edit", kwargs={"patient_id": patient.pk}))
    assert response.context["form"]["version"].value() == 1


def test_api_patch_stale_version_is_409(clinician_client, patient):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    first = clinician_client.patch(url, {"given_name": "First", "version": 1}, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = clinician_client.patch(url, {"given_name": "Stale", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert "Someone else changed this record" in stale.json()["detail"]
    patient.refresh_from_db()
    assert patient.given_name == "First"


def test_api_patch_requires_version_and_validates(clinician_client, patient, other_patient):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    missing = clinician_client.patch(url, {"given_name": "X"}, content_type="application/json")
    assert missing.status_code == 400 and "version" in missing.json()
    dup = clinician_client.patch(url, {"mrn": other_patient.mrn, "version": 1}, content_type="application/json")
    assert dup.status_code == 400 and "mrn" in dup.json()
    future = clinician_client.patch(url, {"date_of_birth": "2999-01-01", "version": 1}, content_type="application/json")
    assert future.status_code == 400 and "date_of_birth" in future.json()
    patient.refresh_from_db()
    assert patient.version == 1


def test_api_family_cannot_patch_or_create(family_client, patient):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    patched = family_client.patch(url, {"status": "relapsed", "version": 1}, content_type="application/json")
    assert patched.status_code == 404
    created = family_client.post(
        reverse("api-patient-list"),
        {"mrn": "F-1", "given_name": "A", "family_name": "B", "date_of_birth": "2020-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 403
    assert not Patient.objects.filter(mrn="F-1").exists()


def test_api_list_is_scoped(clinician_client, patient, other_patient):
    results = clinician_client.get(reverse("api-patient-list")).json()["results"]
    assert [r["mrn"] for r in results] == [patient.mrn]


def test_create_duplicate_mrn_is_a_field_error(clinician_client, patient):
    response = clinician_client.post(
        reverse("patients:create"),
        {**NEW_CHILD, "mrn": patient.mrn},
    )
    assert response.status_code == 400
    assert "mrn" in response.context["form"].errors
    assert Patient.objects.count() == 1


def test_editors_and_families_get_no_worklist(editor_client, family_client):
    assert editor_client.get(reverse("patients:list")).status_code == 403
    assert family_client.get(reverse("patients:list")).status_code == 403


def stored_mrns():
    return sorted(Patient.objects.values_list("mrn", flat=True))


def test_web_form_stores_the_canonical_mrn_and_refuses_a_case_twin(clinician_client, patient):
    created = clinician_client.post(reverse("patients:create"), {**NEW_CHILD, "mrn": "  ab-12c "})
    assert created.status_code == 302
    assert "AB-12C" in stored_mrns()
    twin = clinician_client.post(reverse("patients:create"), {**NEW_CHILD, "mrn": patient.mrn.lower()})
    assert twin.status_code == 400
    assert twin.context["form"].errors["mrn"] == ["Patient with this MRN already exists."]
    assert len(stored_mrns()) == 2


def test_web_edit_normalises_the_mrn(clinician_client, patient):
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    assert clinician_client.post(url, form_data(patient, mrn=" x-99 ")).status_code == 302
    patient.refresh_from_db()
    assert patient.mrn == "X-99"


def test_api_create_and_patch_store_the_canonical_mrn(clinician_client):
    created = clinician_client.post(
        reverse("api-patient-list"), {**NEW_CHILD, "mrn": " q-7a "}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["mrn"] == "Q-7A"
    url = reverse("api-patient-detail", kwargs={"patient_id": created.json()["id"]})
    patched = clinician_client.patch(url, {"mrn": "q-7b", "version": 1}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["mrn"] == "Q-7B"
    assert "Q-7A" not in stored_mrns() and "Q-7B" in stored_mrns()


def test_api_patch_to_a_case_twin_is_a_400(clinician_client, patient, other_patient):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    twin = clinician_client.patch(
        url, {"mrn": other_patient.mrn.lower(), "version": 1}, content_type="application/json"
    )
    assert twin.status_code == 400 and "mrn" in twin.json()


def test_services_normalise_and_refuse_a_twin_as_a_field_error(clinician, patient):
    from django.core.exceptions import ValidationError

    from patients import services

    child = services.create_patient(clinician, {**NEW_CHILD, "mrn": " s-1 "})
    assert child.mrn == "S-1"
    with pytest.raises(ValidationError) as refused:
        services.create_patient(clinician, {**NEW_CHILD, "mrn": "s-1"})
    assert list(refused.value.message_dict) == ["mrn"]
    services.update_patient(clinician, child, {"mrn": "s-2 "}, child.version)
    assert Patient.objects.get(pk=child.pk).mrn == "S-2"


def test_model_save_bulk_create_and_lookups_use_the_canonical_mrn(db):
    from tests.factories import PatientFactory

    saved = PatientFactory(mrn=" m-1 ")
    Patient.objects.bulk_create([PatientFactory.build(mrn="m-2")])
    assert saved.mrn == "M-1"
    assert stored_mrns() == ["M-1", "M-2"]
    assert Patient.objects.get(mrn="m-2 ").mrn == "M-2"


def test_demo_seeding_stores_canonical_mrns(db, monkeypatch):
    from portal.services import demo_data

    monkeypatch.setattr(demo_data, "FAMILY_CHILD_MRN", " d0000000 ")
    demo_data.seed(patients=1)
    assert stored_mrns() == ["D0000000", "D0000001"]
