"""care_moments_for: phase from actual dates, latest confirmed risk, recent/upcoming procedures."""

from datetime import date, timedelta

import pytest

from patients.care_moments import care_moments_for
from patients.clinical import services
from patients.models import RiskAssessment
from tests.patients.factories import add_entry, marker

pytestmark = pytest.mark.django_db


def test_moments_from_the_record(clinician, patient):
    today = date.today()
    services.save_diagnosis(
        clinician,
        patient,
        {
            "diagnosed_on": today - timedelta(days=100),
            "lineage": "B",
            "wbc_value": 5000,
            "wbc_unit": "per_ul",
            "cns_status": "CNS1",
            "genetics_complete": True,
            "genetic_markers": [marker("ETV6_RUNX1")],
        },
    )
    services.save_phase(
        clinician,
        patient,
        {"key": "induction", "actual_start": today - timedelta(days=100), "actual_end": today - timedelta(days=72)},
    )
    services.save_phase(clinician, patient, {"key": "consolidation", "actual_start": today - timedelta(days=71)})
    add_entry(clinician, patient, "lumbar_puncture", today + timedelta(days=-3), visibility="released")
    add_entry(clinician, patient, "bone_marrow", today - timedelta(days=60), visibility="released")  # too old
    add_entry(clinician, patient, "transfusion", today, {"product": "red_cells"})  # not released
    add_entry(clinician, patient, "appointment", today + timedelta(days=5), visibility="released")
    add_entry(
        clinician,
        patient,
        "procedure",
        today - timedelta(days=1),
        subtype="central_line_removed",
        visibility="released",
    )
    moments = care_moments_for(patient)
    assert moments.phase == "consolidation"
    assert moments.risk is None  # computed but not confirmed yet
    assert moments.procedures == {"lumbar_puncture", "central_line"}
    assert "diagnosis" not in moments.stages  # 100 days after diagnosis
    assessment = RiskAssessment.objects.first()
    services.decide_risk(clinician, patient, assessment.pk, decision="overridden", group="high", reason="review")
    assert care_moments_for(patient).risk == "risk_high"
