"""Clinical record API: field errors (400, nothing saved), 409 on stale edits, 404 for other children."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from patients.models import Diagnosis, RiskAssessment, TimelineEntry
from portal.care.models import AuditEvent
from tests.conftest import forget_kept_pages
from tests.patients.factories import add_chemo, add_entry

pytestmark = pytest.mark.django_db


def url(name, patient, **kw):
    return reverse(name, kwargs={"patient_id": patient.pk, **kw})


def chemo_payload(**detail):
    return {
        "kind": "chemo",
        "occurred_on": date.today().isoformat(),
        "detail": {"drug": "doxorubicin", "dose": "25", "dose_unit": "mg_m2", "route": "iv", **detail},
    }


def test_create_and_read_entry(clinician_client, patient):
    response = clinician_client.post(
        url("api-timeline-list", patient),
        chemo_payload(height_cm="110", weight_kg="19"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["detail"]["drug"] == "doxorubicin" and body["detail"]["bsa_m2"] == "0.762"
    listing = clinician_client.get(url("api-timeline-list", patient)).json()
    assert listing["count"] == 1
    exposures = clinician_client.get(url("api-exposures", patient)).json()
    assert exposures["anthracycline_dox_eq_mg_m2"] == 25 and exposures["rules_version"] == "IGHG-2023"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (chemo_payload(dose="-5"), "dose"),
        (chemo_payload(drug="unobtainium"), "drug"),
        ({**chemo_payload(), "occurred_on": "1990-01-01"}, "occurred_on"),
    ],
)
def test_bad_input_is_400_with_field_errors(clinician_client, patient, payload, field):
    response = clinician_client.post(url("api-timeline-list", patient), payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TimelineEntry.objects.exists()


def test_stale_entry_edit_is_409(clinician_client, clinician, patient):
    entry = add_chemo(clinician, patient, date.today(), "doxorubicin", 25)
    detail = url("api-timeline-detail", patient, entry_id=entry.pk)
    ok = clinician_client.patch(detail, {"version": 1, "detail": {"dose": "30"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["detail"]["dose"] == "30.000"
    stale = clinician_client.patch(detail, {"version": 1, "detail": {"dose": "35"}}, content_type="application/json")
    assert stale.status_code == 409
    missing = clinician_client.patch(detail, {"title": "x"}, content_type="application/json")
    assert missing.status_code == 400 and "version" in missing.json()


def test_diagnosis_put_then_risk_and_decision(clinician_client, patient):
    payload = {
        "diagnosed_on": (patient.date_of_birth + timedelta(days=2000)).isoformat(),
        "lineage": "B",
        "wbc_value": "50",
        "wbc_unit": "e9_per_l",
        "cns_status": "CNS1",
        "genetic_markers": ["ETV6_RUNX1"],
        "genetics_complete": True,
    }
    created = clinician_client.put(url("api-diagnosis", patient), payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["wbc_per_ul"] == 50_000
    risk = clinician_client.get(url("api-risk-list", patient)).json()["results"]
    assert risk[0]["group"] == "high" and risk[0]["provisional"]  # WBC exactly 50,000 → NCI high risk
    assert risk[0]["headline"].startswith("pending: high to very high; waiting for")
    decision = clinician_client.post(
        url("api-risk-decision", patient, assessment_id=risk[0]["id"]),
        {"decision": "overridden", "group": "low", "reason": ""},
        content_type="application/json",
    )
    assert decision.status_code == 400 and "reason" in decision.json()
    confirmed = clinician_client.post(
        url("api-risk-decision", patient, assessment_id=risk[0]["id"]),
        {"decision": "confirmed"},
        content_type="application/json",
    )
    # A pending result's group is only the lowest still possible: it cannot be confirmed ...
    assert confirmed.status_code == 400 and "decision" in confirmed.json()
    # ... but a clinician may set a group explicitly, with a reason.
    overridden = clinician_client.post(
        url("api-risk-decision", patient, assessment_id=risk[0]["id"]),
        {"decision": "overridden", "group": "high", "reason": "treat as high until day-29 MRD"},
        content_type="application/json",
    )
    assert overridden.status_code == 200 and overridden.json()["decided_group"] == "high"
    bad = clinician_client.put(
        url("api-diagnosis", patient),
        {**payload, "diagnosed_on": "1990-01-01", "version": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "diagnosed_on" in bad.json()
    assert Diagnosis.objects.get().diagnosed_on != date(1990, 1, 1)


def test_phase_api(clinician_client, patient):
    created = clinician_client.post(
        url("api-phase-list", patient),
        {"key": "induction", "actual_start": date.today().isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 201
    bad = clinician_client.post(
        url("api-phase-list", patient),
        {"key": "custom", "actual_start": date.today().isoformat(), "actual_end": "2000-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"actual_end", "custom_name"} <= set(bad.json())


CHILD_URLS = [
    ("api-diagnosis", {}),
    ("api-treatment-plan", {}),
    ("api-manual-summary", {}),
    ("api-exposures", {}),
    ("api-risk-list", {}),
    ("api-phase-list", {}),
    ("api-timeline-list", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), CHILD_URLS)
def test_other_children_are_404(outsider_client, family_client, patient, other_patient, name, kwargs):
    assert outsider_client.get(url(name, patient, **kwargs)).status_code == 404
    assert family_client.get(url(name, other_patient, **kwargs)).status_code == 404
    assert outsider_client.post(url(name, patient, **kwargs), {}, content_type="application/json").status_code in (
        404,
        405,
    )
    assert AuditEvent.objects.filter(action="denied").exists()


def test_entry_of_another_child_is_404(clinician_client, patient, other_patient):
    from portal.care.models import CareTeamMembership

    other = CareTeamMembership.objects.filter(patient=other_patient).first().clinician
    foreign = add_chemo(other, other_patient, date.today(), "doxorubicin", 25)
    detail = url("api-timeline-detail", patient, entry_id=foreign.pk)
    assert clinician_client.get(detail).status_code == 404
    assert clinician_client.delete(detail).status_code == 404
    assert TimelineEntry.objects.filter(pk=foreign.pk).exists()
    foreign_risk = RiskAssessment.objects.create(
        patient=other_patient, scheme="nci_rome", scheme_version="1996", source="s", inputs={}, group="high"
    )
    decision = url("api-risk-decision", patient, assessment_id=foreign_risk.pk)
    assert (
        clinician_client.post(decision, {"decision": "confirmed"}, content_type="application/json").status_code == 404
    )


def test_family_reads_released_timeline_only(family_client, clinician, patient):
    add_entry(clinician, patient, "appointment", date.today(), title="Shared", visibility="released", notes="private")
    add_entry(clinician, patient, "note", date.today(), title="Hidden")
    body = family_client.get(url("api-timeline-list", patient)).json()
    assert [e["title"] for e in body["results"]] == ["Shared"]
    assert "notes" not in body["results"][0]
    assert family_client.get(url("api-diagnosis", patient)).status_code == 404
    assert (
        family_client.post(
            url("api-timeline-list", patient), chemo_payload(), content_type="application/json"
        ).status_code
        == 404
    )


def test_timeline_api_query_count(clinician_client, clinician, patient, django_assert_max_num_queries):
    from tests.patients.factories import populate_record

    start = patient.date_of_birth + timedelta(days=1500)
    populate_record(clinician, patient, start)
    endpoint = url("api-timeline-list", patient)
    clinician_client.get(endpoint)
    forget_kept_pages()  # both counts below decide access afresh
    with django_assert_max_num_queries(30) as small:
        clinician_client.get(endpoint)
    populate_record(clinician, patient, start + timedelta(days=20), copies=2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert clinician_client.get(endpoint).json()["count"] == 48


def test_a_family_reads_no_risk_result(clinician, family_client, patient):
    """The child's own parent: no risk API, and the family pages name no group while it is pending."""
    from patients.clinical import services

    services.save_diagnosis(
        clinician,
        patient,
        {
            "diagnosed_on": date.today() - timedelta(days=10),
            "lineage": "B",
            "wbc_value": 5000,
            "wbc_unit": "per_ul",
            "cns_status": "CNS1",
            "genetics_complete": True,
        },
    )
    assessment = RiskAssessment.objects.get()
    assert assessment.provisional
    assert family_client.get(url("api-risk-list", patient)).status_code == 404
    detail = url("api-risk-detail", patient, assessment_id=assessment.pk)
    assert family_client.get(detail).status_code == 404
    for name in ("patients:family_child", "education:for_you"):
        page = family_client.get(reverse(name, kwargs={"patient_id": patient.pk}))
        assert page.status_code == 200
        text = page.content.decode()
        assert "risk group" not in text.lower() and "pending" not in text.lower()
