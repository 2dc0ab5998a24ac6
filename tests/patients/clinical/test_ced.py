"""Cyclophosphamide-equivalent dose (Green DM et al., Pediatr Blood Cancer 2014;61:53-67): hand-worked
values per agent, from the timeline and from a treatment summary, on the exposures page, in rules."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from patients.clinical import services
from patients.clinical.exposure_store import active_rules, load_exposure_summary
from patients.exposures.calculate import ChemoGiven, ExposureRules, TreatmentFacts, manual_summary, summarise
from patients.exposures.summary import ExposureSummary
from patients.late_effects.engine import PatientFacts, compute_plan
from patients.late_effects.schema import RuleSetError, parse_ruleset
from patients.models import CedFormula, Drug, ExposureRecord
from tests.patients.factories import add_chemo

pytestmark = pytest.mark.django_db

START = date(2024, 3, 4)
GREEN_2014 = {
    "cyclophosphamide": 1.0,
    "ifosfamide": 0.244,
    "procarbazine": 0.857,
    "chlorambucil": 14.286,
    "carmustine": 15.0,
    "lomustine": 16.0,
    "melphalan": 40.0,
    "thiotepa": 50.0,
    "mechlorethamine": 100.0,
    "busulfan": 8.823,
}

# (agent, cumulative mg/m², CED worked by hand)
HAND_WORKED = [
    ("cyclophosphamide", 2000, 2000.0),  # 2,000 × 1
    ("ifosfamide", 9000, 2196.0),  # 9,000 × 0.244
    ("procarbazine", 4200, 3599.4),  # 4,200 × 0.857
    ("chlorambucil", 70, 1000.0),  # 70 × 14.286 = 1,000.02
    ("carmustine", 300, 4500.0),  # 300 × 15
    ("lomustine", 110, 1760.0),  # 110 × 16
    ("melphalan", 140, 5600.0),  # 140 × 40
    ("thiotepa", 300, 15000.0),  # 300 × 50
    ("mechlorethamine", 36, 3600.0),  # 36 × 100 (e.g. MOPP 6 mg/m² × 6)
    ("busulfan", 480, 4235.0),  # 480 × 8.823 = 4,235.04
]


def rules() -> ExposureRules:
    return ExposureRules(version="test", anthracycline_factors={}, ced_version="Green-2014", ced_factors=GREEN_2014)


def test_the_shipped_formula_is_green_2014_and_active():
    formula = CedFormula.objects.get(active=True)
    assert formula.version == "Green-2014" and "Pediatr Blood Cancer 2014" in formula.source
    loaded = active_rules()
    assert loaded.ced_version == "Green-2014"
    assert loaded.ced_factors == pytest.approx(GREEN_2014)
    for code in GREEN_2014:  # every agent is in the drug vocabulary as an alkylating agent
        assert Drug.objects.get(code=code).drug_class == "alkylator"


@pytest.mark.parametrize(("code", "mg_m2", "expected"), HAND_WORKED)
def test_ced_of_each_agent_from_the_timeline_facts(code, mg_m2, expected):
    chemo = (ChemoGiven(code, "alkylator", START, dose=mg_m2 / 2, doses=2),)
    summary, warnings = summarise(TreatmentFacts(date_of_birth=date(2015, 1, 1), chemo=chemo), rules())
    assert summary.ced_mg_m2 == pytest.approx(expected, abs=0.05)
    assert warnings == []


@pytest.mark.parametrize(("code", "mg_m2", "expected"), HAND_WORKED)
def test_ced_of_each_agent_from_a_treatment_summary(code, mg_m2, expected):
    summary, _ = manual_summary({}, rules(), {code: mg_m2})
    assert summary.ced_mg_m2 == pytest.approx(expected, abs=0.05)
    assert summary.any_alkylator
    assert summary.cyclophosphamide_mg_m2 == (mg_m2 if code == "cyclophosphamide" else 0)


def test_all_agents_add_up_and_an_agent_without_factor_is_named():
    doses = {code: mg for code, mg, _ in HAND_WORKED}
    summary, warnings = manual_summary({}, rules(), doses)
    assert summary.ced_mg_m2 == pytest.approx(sum(e for _, _, e in HAND_WORKED), abs=0.2)  # 42,490.4
    without_busulfan = ExposureRules("test", {}, ced_version="v", ced_factors={"cyclophosphamide": 1.0})
    summary, warnings = manual_summary({}, without_busulfan, {"busulfan": 480, "cyclophosphamide": 1000})
    assert summary.ced_mg_m2 == 1000
    assert warnings == ["no cyclophosphamide-equivalence factor for busulfan in CED formula v"]


@pytest.fixture
def child(clinician, patient):
    return patient


def test_timeline_and_manual_summary_both_feed_the_stored_ced(clinician, child):
    """Timeline: cyclophosphamide 1,000 mg/m² × 2 + ifosfamide 1,800 mg/m² × 5 = 2,000 + 9,000 × 0.244
    = 4,196. Summary from another centre: melphalan 140 mg/m² × 40 = 5,600. Together 9,796 mg/m²."""
    add_chemo(clinician, child, START, "cyclophosphamide", 1000, doses=2)
    add_chemo(clinician, child, START + timedelta(days=30), "ifosfamide", 1800, doses=5)
    assert load_exposure_summary(child).ced_mg_m2 == pytest.approx(4196.0)
    services.save_manual_summary(clinician, child, {"melphalan_mg_m2": 140, "treating_centre": "Elsewhere"})
    summary = load_exposure_summary(child)
    assert summary.ced_mg_m2 == pytest.approx(9796.0)
    assert summary.cyclophosphamide_mg_m2 == pytest.approx(2000.0)
    record = ExposureRecord.objects.get(patient=child)
    assert record.ced_version == "Green-2014" and record.ced_mg_m2 == pytest.approx(9796.0)


def test_api_reports_ced_and_its_formula(clinician_client, clinician, child):
    add_chemo(clinician, child, START, "ifosfamide", 2000, doses=5)  # 10,000 × 0.244
    body = clinician_client.get(reverse("api-exposures", kwargs={"patient_id": child.pk})).json()
    assert body["ced_mg_m2"] == pytest.approx(2440.0)
    assert body["ced_version"] == "Green-2014"


def test_exposures_page_shows_ced_with_its_formula_version(clinician_client, clinician, child):
    add_chemo(clinician, child, START, "cyclophosphamide", 1000, doses=2)
    add_chemo(clinician, child, START + timedelta(days=30), "ifosfamide", 1800, doses=5)
    html = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": child.pk})).content.decode()
    assert "cyclophosphamide-equivalent dose, CED" in html
    assert "4196 mg/m²" in html.replace("\u202f", "").replace(",", "")
    assert "formula Green-2014" in html


CED_RULESET = """
format: 1
name: CED test rules
version: "1"
source: test only
rules:
  - id: ced-high
    late_effect: Test effect of a high alkylator dose
    source: {guideline: Test guideline, year: 2024, version: "1"}
    pcsp_recommendation: []
    criteria: {field: ced_mg_m2, op: ">=", value: 4000}
    screening:
      - key: male_fertility
        what: Test screening
        why: Test reason.
        start: {from: end_of_therapy, years: 2}
        once: true
"""


def _plan(ced_mg_m2: float):
    ruleset = parse_ruleset(CED_RULESET)
    end = date(2022, 6, 1)
    summary = ExposureSummary(ced_mg_m2=ced_mg_m2, any_alkylator=True, therapy_end=end)
    facts = PatientFacts(exposures=summary.as_dict(), sex="male", date_of_birth=date(2008, 1, 1), therapy_end=end)
    return compute_plan(ruleset, facts).items


@pytest.mark.parametrize(("ced", "applies"), [(4000, True), (3999.9, False), (12000, True), (0, False)])
def test_a_rule_on_ced_applies_on_its_side_of_the_threshold(ced, applies):
    items = _plan(ced)
    assert bool(items) is applies
    if applies:
        assert items[0].rule_ids == ("ced-high",)
        assert any("ced_mg_m2 = " in reason and "(>= 4000)" in reason for reason in items[0].reasons)


def test_the_schema_knows_ced_and_refuses_a_misspelt_field():
    parse_ruleset(CED_RULESET)  # accepted
    with pytest.raises(RuleSetError):
        parse_ruleset(CED_RULESET.replace("field: ced_mg_m2", "field: ced_mg"))


def test_the_ced_of_a_recorded_child_reaches_the_rule(clinician, child):
    add_chemo(clinician, child, START, "cyclophosphamide", 1000, doses=2)
    add_chemo(clinician, child, START + timedelta(days=30), "ifosfamide", 1800, doses=5)  # CED 4,196
    ruleset = parse_ruleset(CED_RULESET)
    end = date(2022, 6, 1)
    exposures = load_exposure_summary(child).as_dict()
    facts = PatientFacts(exposures=exposures, sex="male", date_of_birth=child.date_of_birth, therapy_end=end)
    assert [i.rule_ids for i in compute_plan(ruleset, facts).items] == [("ced-high",)]
