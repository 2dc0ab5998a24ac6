"""Heart radiation (IGHG cardiomyopathy guideline, Armenian et al. 2015, as the Survivorship Passport
encodes it): >= 35 Gy alone, or >= 15 Gy with >= 100 mg/m² doxorubicin-equivalent, is high cardiac
risk; 15 to < 35 Gy alone is moderate. Survivors at high risk who can become pregnant are also
offered an echocardiogram before or early in pregnancy. Hand-worked cases on both sides of each cut."""

from datetime import date

import pytest
from django.urls import reverse

from patients.exposures.summary import ExposureSummary
from patients.late_effects import services, wording
from patients.late_effects.engine import PatientFacts, compute_plan, occurrences
from patients.late_effects.models import FollowUpItem
from patients.late_effects.schema import DEFAULT_RULESET_PATH, read_ruleset
from tests.patients.late_effects.factories import load_default_ruleset

RULESET, _ = read_ruleset(DEFAULT_RULESET_PATH)
BORN = date(2008, 5, 20)
END = date(2020, 1, 15)  # therapy ends at 11; LTFU entry 2022-01-15


def cardiac(heart_gy: float, dox_eq: float, sex: str = "female"):
    summary = ExposureSummary(anthracycline_dox_eq_mg_m2=dox_eq, heart_radiation_gy=heart_gy, therapy_end=END)
    facts = PatientFacts(exposures=summary.as_dict(), sex=sex, date_of_birth=BORN, therapy_end=END)
    return {i.slot: i for i in compute_plan(RULESET, facts).items if i.key.startswith("cardiac")}


def rules(items) -> set[str]:
    return {r for item in items.values() for r in item.rule_ids}


@pytest.mark.parametrize(
    ("heart_gy", "dox_eq", "expected"),
    [
        (35, 0, {"cardio-high"}),  # 3.1: radiation alone, at the cut
        (34.9, 0, {"cardio-standard"}),  # just below: moderate (46.1), not high
        (15, 0, {"cardio-standard"}),  # 46.1 lower edge
        (14.9, 0, set()),  # below 15 Gy and no anthracycline: no cardiac follow-up
        (15, 100, {"cardio-high"}),  # 3.3: both at their cuts
        (14.9, 100, {"cardio-standard"}),  # radiation just short: anthracycline alone is moderate (46.2)
        (15, 99.9, {"cardio-standard", "cardio-low"}),  # anthracycline just short: radiation alone is moderate
        (40, 50, {"cardio-high", "cardio-low"}),  # 35 Gy or more is high whatever the anthracycline dose
    ],
)
def test_heart_radiation_thresholds(heart_gy, dox_eq, expected):
    assert rules(cardiac(heart_gy, dox_eq)) == expected


def test_35_gy_alone_gets_the_high_risk_series():
    items = cardiac(35, 0, sex="male")
    echo = items["cardiac_echo"]
    assert echo.rule_ids == ("cardio-high",)
    assert occurrences(echo, BORN, date(2026, 12, 31)) == [date(2022, 1, 15), date(2024, 1, 15), date(2026, 1, 15)]
    assert items["cardiac_ecg:entry"].first_due == date(2022, 1, 15)
    assert items["cardiac_ecg:adult"].first_due == date(2026, 5, 20)  # 18th birthday
    assert any("heart_radiation_gy = 35 (>= 35)" in r for r in echo.reasons)
    assert "Armenian" in echo.sources[0] and "2015" in echo.sources[0]


def test_moderate_radiation_alone_gets_echo_every_5_years():
    echo = cardiac(20, 0)["cardiac_echo"]
    assert echo.rule_ids == ("cardio-standard",)
    assert occurrences(echo, BORN, date(2032, 12, 31)) == [date(2022, 1, 15), date(2027, 1, 15), date(2032, 1, 15)]
    assert "pregnancy" not in echo.what  # the pregnancy scan is for high cardiac risk only


@pytest.mark.parametrize("sex", ["female", "intersex", "unknown"])
def test_high_risk_survivor_who_can_become_pregnant_is_offered_a_pregnancy_echo(sex):
    echo = cardiac(15, 100, sex=sex)["cardiac_echo"]
    assert echo.schedule["also_at"] == ["pregnancy"]
    assert "pregnancy" in echo.what and "first trimester" in echo.what
    assert f"cardio-high: sex = {sex}" in echo.reasons
    assert echo.schedule["phases"] == [{"every_months": 24, "until_age": None}]  # the 2-yearly series stays


def test_male_survivor_at_high_risk_has_no_pregnancy_scan():
    echo = cardiac(36, 0, sex="male")["cardiac_echo"]
    assert "also_at" not in echo.schedule
    assert "pregnancy" not in echo.what and "pregnancy" not in echo.why
    assert "cardio-high: sex = male" in echo.reasons  # the item chosen for this sex says so


def test_pregnancy_wording_for_families_has_plain_spanish():
    screening = next(s for s in RULESET["rules"][0]["screening"] if s.get("also_at") == ["pregnancy"])
    for text in (screening["what_plain"], screening["why"]):
        spanish = wording.localise(text, "es")
        assert spanish != text and "embarazo" in spanish


@pytest.mark.django_db
def test_care_team_and_family_see_the_pregnancy_echo(patient, clinician, clinician_client, family_client):
    load_default_ruleset()
    patient.sex, patient.date_of_birth = "female", date(2013, 5, 20)  # a minor: the parent's view applies
    patient.save()
    summary = ExposureSummary(heart_radiation_gy=36, therapy_start=date(2018, 1, 1), therapy_end=END)
    services.recompute_care_plan(patient, summary)
    services.release_plan(clinician, patient)
    item = FollowUpItem.objects.get(patient=patient, slot="cardiac_echo", status="open")
    assert item.schedule["also_at"] == ["pregnancy"]

    team = clinician_client.get(reverse("patients:care_plan", kwargs={"patient_id": patient.pk})).content.decode()
    assert "also one before a planned pregnancy or in its first trimester" in team
    assert "IGHG cardiomyopathy surveillance guideline, version 2015 (2015)" in team  # the source, on the item
    assert "Survivorship Passport recommendation 3" in team

    family = family_client.get(reverse("patients:family_follow_ups", kwargs={"patient_id": patient.pk}))
    html = family.content.decode()
    assert "Heart ultrasound, and one more before or early in any pregnancy" in html
    assert "first trimester" not in html  # the clinical wording stays with the care team
