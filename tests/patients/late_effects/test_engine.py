"""Table tests for the pure late-effects engine against the shipped default rule set."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.exposures.summary import ExposureSummary
from patients.late_effects.engine import PatientFacts, add_months, compute_plan, next_due, occurrences
from patients.late_effects.schema import DEFAULT_RULESET_PATH, read_ruleset

RULESET, _ = read_ruleset(DEFAULT_RULESET_PATH)


def plan(summary: ExposureSummary, sex: str, born: date):
    facts = PatientFacts(exposures=summary.as_dict(), sex=sex, date_of_birth=born, therapy_end=summary.therapy_end)
    return {item.slot: item for item in compute_plan(RULESET, facts).items}


GIRL_BORN = date(2010, 3, 1)  # diagnosed at 7 on 2017-03-01, therapy ends 2019-09-01


def test_girl_300_dox_eq_gets_echo_every_2_years_and_two_ecgs():
    # daunorubicin 250 mg/m² ×0.6 = 150 + doxorubicin 150 = 300 mg/m² doxorubicin-equivalent
    summary = ExposureSummary(
        anthracycline_dox_eq_mg_m2=250 * 0.6 + 150, therapy_start=date(2017, 3, 1), therapy_end=date(2019, 9, 1)
    )
    items = plan(summary, "female", GIRL_BORN)
    echo = items["cardiac_echo"]
    assert echo.first_due == date(2021, 9, 1)  # 2 years after therapy
    assert occurrences(echo, GIRL_BORN, date(2027, 12, 31)) == [
        date(2021, 9, 1),
        date(2023, 9, 1),
        date(2025, 9, 1),
        date(2027, 9, 1),
    ]
    assert items["cardiac_ecg:entry"].first_due == date(2021, 9, 1)  # entry into LTFU
    assert not items["cardiac_ecg:entry"].recurring
    assert items["cardiac_ecg:adult"].first_due == date(2028, 3, 1)  # 18th birthday
    assert echo.rule_ids == ("cardio-high",)
    assert any("anthracycline_dox_eq_mg_m2 = 300 (>= 250)" in r for r in echo.reasons)
    assert "IGHG" in echo.sources[0]


def test_boy_150_dox_eq_gets_echo_every_5_years_and_one_ecg():
    born = date(2012, 6, 15)
    summary = ExposureSummary(anthracycline_dox_eq_mg_m2=150, therapy_end=date(2020, 1, 10))
    items = plan(summary, "male", born)
    echo = items["cardiac_echo"]
    assert echo.rule_ids == ("cardio-standard",)
    assert occurrences(echo, born, date(2032, 1, 31)) == [date(2022, 1, 10), date(2027, 1, 10), date(2032, 1, 10)]
    assert items["cardiac_ecg:entry"].first_due == date(2022, 1, 10)
    assert "cardiac_ecg:adult" not in items


@pytest.mark.parametrize(
    ("dose", "heart_gy", "rule"),
    [
        (0, 0, None),
        (50, 0, "cardio-low"),
        (99.9, 0, "cardio-low"),
        (100, 0, "cardio-standard"),
        (249.9, 0, "cardio-standard"),
        (250, 0, "cardio-high"),
        (100, 15, "cardio-high"),
        (99, 14.9, "cardio-low"),  # heart radiation below 15 Gy adds nothing (see test_heart_radiation)
    ],
)
def test_anthracycline_thresholds(dose, heart_gy, rule):
    summary = ExposureSummary(
        anthracycline_dox_eq_mg_m2=dose, heart_radiation_gy=heart_gy, therapy_end=date(2020, 1, 1)
    )
    items = plan(summary, "female", date(2010, 1, 1))
    cardiac = {r for i in items.values() if i.key.startswith("cardiac") for r in i.rule_ids}
    assert cardiac == ({rule} if rule else set())


@pytest.mark.parametrize(
    ("sex", "expected", "absent"),
    [
        ("female", {"female_ovarian"}, {"male_fertility"}),
        ("male", {"male_fertility"}, {"female_ovarian"}),
        ("unknown", {"male_fertility", "female_ovarian"}, set()),
    ],
)
def test_cyclophosphamide_by_sex(sex, expected, absent):
    born = date(2011, 5, 1)
    summary = ExposureSummary(cyclophosphamide_mg_m2=1000, any_alkylator=True, therapy_end=date(2019, 5, 1))
    items = plan(summary, sex, born)
    assert expected <= set(items)
    assert not absent & set(items)
    assert "urinary_tract" in items  # both sexes
    if "male_fertility" in items:
        assert items["male_fertility"].first_due == date(2027, 5, 1)  # after puberty (16)
        assert any("sex = " in r for r in items["male_fertility"].reasons)
    if "female_ovarian" in items:
        ovarian = items["female_ovarian"]
        # yearly from a year after therapy, while pre/peri-pubertal (stops at 16)
        assert occurrences(ovarian, born, date(2040, 1, 1))[-1] < date(2027, 5, 1)


def test_intrathecal_chemotherapy_neurocognitive_interval_depends_on_age():
    born = date(2008, 1, 1)
    summary = ExposureSummary(intrathecal_chemotherapy=True, therapy_end=date(2013, 1, 1))
    item = plan(summary, "male", born)["neurocognitive"]
    assert any("intrathecal_chemotherapy = true" in r for r in item.reasons)
    dates = occurrences(item, born, date(2036, 12, 31))
    # every 2 years from LTFU entry (2015) while under 18 (the interval follows the age at the last
    # screening: 17 in 2025 → next in 2 years), then every 5 years
    assert dates == [
        date(2015, 1, 1),
        date(2017, 1, 1),
        date(2019, 1, 1),
        date(2021, 1, 1),
        date(2023, 1, 1),
        date(2025, 1, 1),
        date(2027, 1, 1),
        date(2032, 1, 1),
    ]


def test_no_end_of_therapy_means_no_plan_with_a_note():
    facts = PatientFacts(ExposureSummary(anthracycline_dox_eq_mg_m2=300).as_dict(), "female", date(2015, 1, 1), None)
    result = compute_plan(RULESET, facts)
    assert result.items == ()
    assert "end-of-therapy" in result.notes[0]


def test_everyone_gets_a_yearly_survivorship_visit_and_nothing_unexposed():
    items = plan(ExposureSummary(therapy_end=date(2020, 2, 29)), "female", date(2012, 1, 1))
    assert set(items) == {"survivorship_visit"}
    assert items["survivorship_visit"].first_due == date(2021, 2, 28)  # leap day clamps


def test_several_rules_asking_for_one_screening_merge_their_reasons():
    summary = ExposureSummary(any_corticosteroid=True, any_methotrexate=True, therapy_end=date(2020, 1, 1))
    item = plan(summary, "male", date(2005, 1, 1))["bone_density_dxa"]
    assert len([r for r in item.reasons if r.startswith("bone-density")]) == 2


@settings(max_examples=60, deadline=None)
@given(
    dose=st.floats(min_value=0, max_value=600, allow_nan=False),
    it=st.booleans(),
    cyclo=st.floats(min_value=0, max_value=5000, allow_nan=False),
    sex=st.sampled_from(["female", "male", "intersex", "unknown"]),
    born=st.dates(min_value=date(1990, 1, 1), max_value=date(2020, 1, 1)),
    years_of_therapy=st.integers(min_value=1, max_value=6),
)
def test_plan_properties(dose, it, cyclo, sex, born, years_of_therapy):
    end = add_months(born, 12 * years_of_therapy + 24)
    summary = ExposureSummary(
        anthracycline_dox_eq_mg_m2=dose, intrathecal_chemotherapy=it, cyclophosphamide_mg_m2=cyclo, therapy_end=end
    )
    facts = PatientFacts(summary.as_dict(), sex, born, end)
    first = compute_plan(RULESET, facts)
    assert first == compute_plan(RULESET, facts)  # deterministic
    for item in first.items:
        assert item.first_due >= end  # nothing before therapy ends
        assert item.reasons and item.sources
        if item.recurring:
            following = next_due(item.schedule, born, item.first_due)
            assert following is None or following > item.first_due


def _one_rule_set(criteria: dict, source) -> dict:
    rule = {
        "id": "ifosfamide-bladder",
        "late_effect": "Bladder problems",
        "source": source,
        "pcsp_recommendation": [27],
        "criteria": criteria,
        "screening": [
            {
                "key": "urinary_tract",
                "what": "Urine history",
                "why": "Ifosfamide.",
                "start": {"from": "ltfu_entry"},
                "once": True,
            }
        ],
    }
    return {"rules": [rule]}


def test_a_rule_on_a_code_list_the_record_lacks_is_not_applied_and_says_so():
    rules = _one_rule_set(
        {"field": "drugs_received", "op": "contains", "value": "ifosfamide"},
        {"guideline": "Test guideline", "year": 2020, "version": "1.0", "citation": "Someone 2020"},
    )
    base = ExposureSummary(therapy_end=date(2020, 1, 1)).as_dict()
    without = PatientFacts(exposures=base, sex="male", date_of_birth=date(2012, 1, 1), therapy_end=date(2020, 1, 1))
    result = compute_plan(rules, without)
    assert result.items == ()
    assert result.notes == ("Rule ifosfamide-bladder was not applied: the record does not supply drugs_received.",)

    supplied = PatientFacts(
        exposures={**base, "drugs_received": ["ifosfamide"]},
        sex="male",
        date_of_birth=date(2012, 1, 1),
        therapy_end=date(2020, 1, 1),
    )
    (item,) = compute_plan(rules, supplied).items
    assert item.sources == (
        "Test guideline, version 1.0 (2020); Someone 2020; Survivorship Passport recommendation 27",
    )


def test_a_stored_rule_set_with_a_plain_text_source_still_computes():
    rules = _one_rule_set({"field": "cyclophosphamide_mg_m2", "op": ">", "value": 0}, "An older citation")
    summary = ExposureSummary(cyclophosphamide_mg_m2=1000, therapy_end=date(2020, 1, 1))
    facts = PatientFacts(
        exposures=summary.as_dict(), sex="male", date_of_birth=date(2012, 1, 1), therapy_end=date(2020, 1, 1)
    )
    (item,) = compute_plan(rules, facts).items
    assert item.sources == ("An older citation; Survivorship Passport recommendation 27",)
