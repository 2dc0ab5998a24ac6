"""Clinician pages: record sections, timeline forms, risk decision, treatment summary; query counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from patients.models import ChemoAdministration, Diagnosis, RiskAssessment, TimelineEntry
from portal.care.models import AuditEvent
from tests.conftest import forget_kept_pages
from tests.patients.factories import add_chemo, drug, populate_record

pytestmark = pytest.mark.django_db


def start_for(patient):
    return patient.date_of_birth + timedelta(days=int(4 * 365.25))


def test_record_page_shows_every_section(clinician_client, clinician, patient):
    populate_record(clinician, patient, start_for(patient))
    page = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Diagnosis",
        "ETV6::RUNX1",
        "MRD results",
        "Day 8 · Peripheral blood · Flow cytometry",
        "Risk group",
        "COG AALL08B1",
        "Why",
        "AALL0932",
        "Induction",
        "Bone marrow test",
        "Febrile neutropenia",
        "Cumulative exposures",
        "End-of-therapy treatment summary",
    ):
        assert text in html, text
    assert "12,000/µL" in html


def test_record_page_query_count_does_not_grow(clinician_client, clinician, patient, django_assert_max_num_queries):
    populate_record(clinician, patient, start_for(patient), copies=1)
    url = reverse("patients:detail", kwargs={"patient_id": patient.pk})
    clinician_client.get(url)  # warm caches (session, content types)
    forget_kept_pages()  # both counts below build the page from the database
    with django_assert_max_num_queries(40) as small:
        clinician_client.get(url)
    populate_record(clinician, patient, start_for(patient) + timedelta(days=30), copies=4)
    assert TimelineEntry.objects.filter(patient=patient).count() == 16 * 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert clinician_client.get(url).status_code == 200


def test_timeline_page_query_count_does_not_grow(
    clinician_client, clinician, patient, django_assert_max_num_queries, settings
):
    settings.TIMELINE_PAGE_SIZE = 100  # every entry on one page: each kind's details are shown
    populate_record(clinician, patient, start_for(patient), copies=1)
    url = reverse("patients:timeline", kwargs={"patient_id": patient.pk})
    clinician_client.get(url)
    forget_kept_pages()  # both counts below build the page from the database
    with django_assert_max_num_queries(30) as small:
        clinician_client.get(url)
    populate_record(clinician, patient, start_for(patient) + timedelta(days=30), copies=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = clinician_client.get(url)
    html = page.content.decode()
    assert html.count("Febrile neutropenia") == 4
    assert "Daunorubicin" in html and "25 mg/m²" in html


def test_add_chemo_through_the_form(clinician_client, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "chemo"})
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(
        url,
        {
            "occurred_on": date.today().isoformat(),
            "drug": drug("doxorubicin").pk,
            "dose": "25",
            "dose_unit": "mg_m2",
            "doses": "1",
            "route": "iv",
            "height_cm": "110",
            "weight_kg": "19",
            "visibility": "clinician",
        },
    )
    assert response.status_code == 302
    chemo = ChemoAdministration.objects.get()
    assert str(chemo.bsa_m2) == "0.762"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"dose": "-5"}, "dose"), ({"drug": "999999"}, "drug"), ({"occurred_on": "1990-01-01"}, "occurred_on")],
)
def test_bad_chemo_form_shows_field_errors_and_saves_nothing(clinician_client, patient, change, field):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "chemo"})
    data = {
        "occurred_on": date.today().isoformat(),
        "drug": drug("doxorubicin").pk,
        "dose": "25",
        "dose_unit": "mg_m2",
        "doses": "1",
        "route": "iv",
        "visibility": "clinician",
    }
    data.update(change)
    response = clinician_client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not TimelineEntry.objects.exists()


def test_stale_entry_edit_is_a_conflict(clinician_client, clinician, patient):
    entry = add_chemo(clinician, patient, date.today(), "doxorubicin", 25)
    url = reverse("patients:entry_edit", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    form = clinician_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"drug": entry.chemo.drug_id, "occurred_on": entry.occurred_on.isoformat(), "dose": "30"})
    assert clinician_client.post(url, data).status_code == 302
    data["dose"] = "35"  # same (now stale) version
    response = clinician_client.post(url, data)
    assert response.status_code == 409
    assert ChemoAdministration.objects.get().dose == 30


def test_diagnosis_form_and_risk_decision(clinician_client, patient):
    url = reverse("patients:diagnosis_edit", kwargs={"patient_id": patient.pk})
    response = clinician_client.post(
        url,
        {
            "diagnosed_on": start_for(patient).isoformat(),
            "lineage": "B",
            "wbc_value": "60",
            "wbc_unit": "e9_per_l",
            "cns_status": "CNS1",
            "genetics_complete": "on",
        },
    )
    assert response.status_code == 302
    assert Diagnosis.objects.get().wbc_per_ul == 60_000
    assessment = RiskAssessment.objects.get()
    assert assessment.group == "high"  # NCI high risk by white count, day-29 MRD still missing
    record = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk})).content.decode()
    assert "<strong>Pending: High to Very high</strong>" in record
    assert "<strong>High</strong>" not in record  # the lowest group never heads a pending result
    assert 'value="confirmed"' not in record
    decide = reverse("patients:risk_decide", kwargs={"patient_id": patient.pk, "assessment_id": assessment.pk})
    bad = clinician_client.post(decide, {"decision": "overridden", "group": "very_high", "reason": ""})
    assert bad.status_code == 400 and bad.context["form"].errors["reason"]
    ok = clinician_client.post(decide, {"decision": "overridden", "group": "very_high", "reason": "CNS3 on review"})
    assert ok.status_code == 302
    page = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk})).content.decode()
    assert "CNS3 on review" in page and "Overridden" in page


def test_diagnosis_before_birth_form_error(clinician_client, patient):
    url = reverse("patients:diagnosis_edit", kwargs={"patient_id": patient.pk})
    response = clinician_client.post(
        url, {"diagnosed_on": "1990-01-01", "lineage": "B", "wbc_unit": "per_ul", "cns_status": "CNS1"}
    )
    assert response.status_code == 400 and response.context["form"].errors["diagnosed_on"]
    assert not Diagnosis.objects.exists()


def test_treatment_summary_page(clinician_client, clinician, patient):
    populate_record(clinician, patient, start_for(patient))
    response = clinician_client.get(reverse("patients:treatment_summary", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "End-of-therapy treatment summary" in html
    assert "15 mg/m²" in html  # daunorubicin 25 × 0.6
    assert "treatment_summary.css" in html
    assert AuditEvent.objects.filter(action="print", patient=patient).exists()


def test_manual_summary_form(clinician_client, patient):
    url = reverse("patients:manual_summary", kwargs={"patient_id": patient.pk})
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(
        url,
        {
            "treating_centre": "Elsewhere",
            "doxorubicin_mg_m2": "100",
            "daunorubicin_mg_m2": "0",
            "epirubicin_mg_m2": "0",
            "idarubicin_mg_m2": "0",
            "mitoxantrone_mg_m2": "0",
            "cyclophosphamide_mg_m2": "-1",
            "corticosteroid_long_courses": "0",
            "cranial_radiation_gy": "0",
            "heart_radiation_gy": "0",
            "tbi_gy": "0",
            "red_cell_transfusions": "0",
        },
    )
    assert response.status_code == 400 and response.context["form"].errors["cyclophosphamide_mg_m2"]


CLINICAL_URLS = [
    ("patients:diagnosis_edit", {}),
    ("patients:plan_edit", {}),
    ("patients:phase_create", {}),
    ("patients:timeline", {}),
    ("patients:entry_create", {"kind": "chemo"}),
    ("patients:manual_summary", {}),
    ("patients:treatment_summary", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), CLINICAL_URLS)
def test_other_children_and_families_get_404(outsider_client, family_client, other_patient, patient, name, kwargs):
    for client, child in ((outsider_client, patient), (family_client, other_patient), (family_client, patient)):
        url = reverse(name, kwargs={"patient_id": child.pk, **kwargs})
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code in (404, 405)
    assert AuditEvent.objects.filter(action="denied").exists()


def test_object_ids_of_another_child_are_404(clinician_client, clinician, patient, other_patient):
    from portal.care.models import CareTeamMembership

    other_clinician = CareTeamMembership.objects.filter(patient=other_patient).first().clinician
    foreign = add_chemo(other_clinician, other_patient, date.today(), "doxorubicin", 25)
    for name in ("patients:entry_edit", "patients:entry_delete"):
        url = reverse(name, kwargs={"patient_id": patient.pk, "entry_id": foreign.pk})
        assert clinician_client.post(url, {}).status_code == 404
    assert TimelineEntry.objects.filter(pk=foreign.pk).exists()
