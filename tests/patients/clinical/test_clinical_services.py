"""Services: field errors and nothing saved on bad input; risk history; confirm/override; versions."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from patients.clinical import services
from patients.models import ChemoAdministration, Diagnosis, RiskAssessment, RiskSchemeConfig, TimelineEntry
from portal.care.models import AuditEvent
from portal.concurrency import StaleEdit
from tests.patients.factories import add_chemo, add_entry, marker

pytestmark = pytest.mark.django_db


def diagnose(user, patient, **overrides):
    data = {
        "diagnosed_on": patient.date_of_birth + timedelta(days=int(4 * 365.25)),
        "lineage": "B",
        "wbc_value": 12,
        "wbc_unit": "e9_per_l",
        "cns_status": "CNS1",
        "genetics_complete": True,
        "genetic_markers": [marker("ETV6_RUNX1")],
    }
    data.update(overrides)
    return services.save_diagnosis(user, patient, data)


@pytest.mark.parametrize(
    ("detail", "data", "field"),
    [
        ({"drug": "doxorubicin", "dose": -5}, {}, "dose"),
        ({"drug": "unobtainium", "dose": 5}, {}, "drug"),
        ({"drug": "doxorubicin", "dose": 5}, {"occurred_on": date(1990, 1, 1)}, "occurred_on"),
        ({"drug": "doxorubicin", "dose": 5, "dose_unit": "mg"}, {}, "bsa_m2"),
        ({"drug": "doxorubicin", "dose": 5, "route": "nasal"}, {}, "route"),
    ],
)
def test_bad_chemo_gives_field_errors_and_saves_nothing(clinician, patient, detail, data, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.save_entry(clinician, patient, {"occurred_on": date.today(), **data}, detail, kind="chemo")
    assert field in exc.value.message_dict
    assert not TimelineEntry.objects.exists() and not ChemoAdministration.objects.exists()
    assert AuditEvent.objects.count() == before


def test_all_errors_reported_together(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        services.save_entry(
            clinician, patient, {"occurred_on": date(1990, 1, 1)}, {"drug": "nope", "dose": -1}, kind="chemo"
        )
    assert {"occurred_on", "drug", "dose"} <= set(exc.value.message_dict)


def test_wbc_stored_per_ul(clinician, patient):
    diagnosis = diagnose(clinician, patient, wbc_value=50, wbc_unit="e9_per_l")
    assert diagnosis.wbc_per_ul == 50_000
    assert diagnosis.wbc_e9_per_l == 50
    assert diagnosis.age_at_diagnosis_years == pytest.approx(4.0, abs=0.01)


def test_diagnosis_before_birth_is_a_field_error(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        diagnose(clinician, patient, diagnosed_on=patient.date_of_birth - timedelta(days=1))
    assert "diagnosed_on" in exc.value.message_dict
    assert not Diagnosis.objects.exists()


def test_each_change_of_inputs_stores_a_new_assessment(clinician, patient):
    diagnosis = diagnose(clinician, patient)
    first = RiskAssessment.objects.get()
    assert (first.scheme, first.group, first.provisional) == ("cog_aall08b1", "low", True)
    assert "day-8 MRD" in first.missing and first.created_by == clinician
    # Saving without a change of inputs adds nothing.
    services.save_diagnosis(clinician, patient, {"notes": "reviewed"}, diagnosis.version)
    assert RiskAssessment.objects.count() == 1
    for timepoint, value in (("day8", 0.001), ("day29", 0.002)):
        add_entry(
            clinician,
            patient,
            "mrd",
            diagnosis.diagnosed_on + timedelta(days=7),
            {"timepoint": timepoint, "sample": "blood", "method": "flow", "value_pct": value},
        )
    latest = RiskAssessment.objects.first()
    assert RiskAssessment.objects.count() == 3
    assert (latest.group, latest.provisional) == ("low", False)
    assert latest.inputs["inputs"]["mrd"]["day29"]["value_pct"] == 0.002
    assert latest.inputs["settings"]["wbc_cutoff_per_ul"] == 50_000


def test_a_pending_result_cannot_be_confirmed_and_never_reaches_the_family(clinician, patient):
    from patients.care_moments import care_moments_for
    from patients.clinical.selectors import latest_confirmed_risk
    from patients.models.risk import Decision

    diagnose(clinician, patient)  # COG, favourable genetics, no MRD yet: pending, low to high
    assessment = RiskAssessment.objects.get()
    assert assessment.provisional and assessment.group == "low"
    assert assessment.headline.startswith("pending: low to high; waiting for day-8 MRD")
    assert str(assessment) == f"COG AALL08B1: {assessment.headline}"
    with pytest.raises(ValidationError) as exc:
        services.decide_risk(clinician, patient, assessment.pk, decision="confirmed")
    assert "decision" in exc.value.message_dict
    assessment.refresh_from_db()
    assert assessment.decision == ""
    # A row confirmed before the refusal existed still counts as no decision for the family.
    RiskAssessment.objects.filter(pk=assessment.pk).update(decision=Decision.CONFIRMED, decided_group="low")
    assert latest_confirmed_risk(patient) is None
    assert care_moments_for(patient).risk is None
    # An explicit clinician decision with a reason is what the family's pages may use.
    RiskAssessment.objects.filter(pk=assessment.pk).update(decision=Decision.PENDING, decided_group="")
    services.decide_risk(clinician, patient, assessment.pk, decision="overridden", group="average", reason="review")
    assert care_moments_for(patient).risk == "risk_standard"


def test_active_config_chooses_scheme(clinician, patient):
    RiskSchemeConfig.objects.update(active=False)
    RiskSchemeConfig.objects.create(name="St. Jude", scheme="stjude_total16", active=True)
    diagnose(clinician, patient)
    assert RiskAssessment.objects.get().scheme == "stjude_total16"


def test_confirm_and_override_both_kept(clinician, patient):
    diagnose(clinician, patient)
    assessment = RiskAssessment.objects.get()
    with pytest.raises(ValidationError) as exc:
        services.decide_risk(clinician, patient, assessment.pk, decision="overridden", group="high", reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_risk(clinician, patient, assessment.pk, decision="overridden", group="galactic", reason="x")
    assert "group" in exc.value.message_dict
    services.decide_risk(clinician, patient, assessment.pk, decision="overridden", group="high", reason="CNS2 tap")
    assessment.refresh_from_db()
    assert (assessment.group, assessment.decided_group, assessment.effective_group) == ("low", "high", "high")
    assert assessment.decision_reason == "CNS2 tap" and assessment.decided_by == clinician


def test_stale_diagnosis_edit_refused(clinician, patient):
    diagnosis = diagnose(clinician, patient)
    services.save_diagnosis(clinician, patient, {"notes": "first"}, diagnosis.version)
    with pytest.raises(StaleEdit):
        services.save_diagnosis(clinician, patient, {"notes": "second"}, 1)
    assert Diagnosis.objects.get().notes == "first"


def test_other_childs_team_cannot_write(outsider_clinician, patient):
    with pytest.raises(Http404):
        add_chemo(outsider_clinician, patient, date.today(), "doxorubicin", 10)
    assert not TimelineEntry.objects.exists()


def test_mrd_needs_value_or_sensitivity(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        add_entry(clinician, patient, "mrd", date.today(), {"timepoint": "day29", "sample": "marrow", "method": "flow"})
    assert "value_pct" in exc.value.message_dict


def test_milestone_needs_a_subtype_and_appointments_may_be_future(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        add_entry(clinician, patient, "milestone", date.today())
    assert "subtype" in exc.value.message_dict
    with pytest.raises(ValidationError):
        add_entry(clinician, patient, "lab", date.today() + timedelta(days=3), {"test_name": "ANC", "value": "1.2"})
    add_entry(clinician, patient, "appointment", date.today() + timedelta(days=3), title="Clinic")


def test_traumatic_tap_counts_decide_cns_status_for_risk(clinician, patient):
    diagnose(
        clinician,
        patient,
        wbc_value=100_000,
        wbc_unit="per_ul",
        cns_status="TLP_BLASTS",
        csf_wbc_per_ul=80,
        csf_rbc_per_ul=1000,
        blood_rbc_per_ul=3_000_000,
    )
    diagnosis = Diagnosis.objects.get()
    assert diagnosis.effective_cns_status == "CNS3"  # 0.08 > 2 × (100,000 / 3,000,000)
    assessment = RiskAssessment.objects.get()
    assert assessment.inputs["inputs"]["cns_status"] == "CNS3"
    assert "CNS3: at least high risk" in assessment.reasons


@pytest.mark.parametrize(("dna_index", "hyperdiploid"), [("1.16", True), ("1.15", False)])
def test_dna_index_counts_as_high_hyperdiploidy_at_the_set_cut_off(clinician, patient, dna_index, hyperdiploid):
    diagnose(clinician, patient, genetic_markers=[], dna_index=dna_index)
    genetics = RiskAssessment.objects.get().inputs["inputs"]["genetics"]
    assert (["HIGH_HYPERDIPLOIDY", "favourable"] in genetics) is hyperdiploid


@pytest.mark.parametrize(
    ("scheme", "age_years", "dna_index", "group"),
    [
        # MRD negative, no other marker: each scheme just under and at the DNA index cut-off (1.16).
        ("nci_rome", 4, "1.15", "standard"),  # genetics are no NCI/Rome criterion
        ("nci_rome", 4, "1.16", "standard"),
        ("cog_aall08b1", 4, "1.15", "average"),  # NCI SR, neutral genetics
        ("cog_aall08b1", 4, "1.16", "low"),  # NCI SR, favourable genetics
        ("stjude_total16", 12, "1.15", "standard"),  # NCI HR without a low marker
        ("stjude_total16", 12, "1.16", "low"),  # DNA index ≥ 1.16 makes it provisionally low
    ],
)
def test_dna_index_cut_off_in_each_scheme(clinician, patient, scheme, age_years, dna_index, group):
    import dataclasses

    from patients.clinical.risk_inputs import build_inputs
    from patients.risk import SCHEMES, Mrd, evaluate

    RiskSchemeConfig.objects.update(active=False)
    config = RiskSchemeConfig.objects.create(name=scheme, scheme=scheme, active=True)
    patient.date_of_birth = date(2008, 1, 15)
    patient.save()
    diagnosis = diagnose(
        clinician, patient, genetic_markers=[], dna_index=dna_index, diagnosed_on=date(2008 + age_years, 3, 15)
    )
    negative = tuple((tp, Mrd(value_pct=0.001)) for tp in SCHEMES[scheme].mrd_timepoints)
    inputs = dataclasses.replace(build_inputs(patient, diagnosis, config), mrd=negative)
    result = evaluate(scheme, inputs, config.to_engine())
    assert (result.group, result.provisional) == (group, False)


def test_diagnosed_on_the_tenth_birthday_is_ten_by_the_calendar(clinician, patient):
    """Born 2012-03-01, diagnosed 2022-03-01: 10 years 0 months (days / 365.25 gave 9.9986), so NCI high risk."""
    from patients.ages import Age
    from patients.clinical.risk_inputs import build_inputs

    RiskSchemeConfig.objects.update(active=False)
    RiskSchemeConfig.objects.create(name="NCI", scheme="nci_rome", active=True)
    patient.date_of_birth = date(2012, 3, 1)
    patient.save()
    diagnosis = diagnose(clinician, patient, diagnosed_on=date(2022, 3, 1), genetic_markers=[])
    assert diagnosis.age_at_diagnosis == Age(10, 0)
    assert diagnosis.age_at_diagnosis_years == 10.0
    inputs = build_inputs(patient, diagnosis, RiskSchemeConfig.objects.get(active=True))
    assert inputs.age == Age(10, 0)
    assessment = RiskAssessment.objects.filter(patient=patient).order_by("-id").first()
    assert assessment.group == "high"
    assert "age 10 years 0 months is 10 years or older" in assessment.reasons
    assert assessment.inputs["inputs"]["age"] == {"years": 10, "months": 0}
