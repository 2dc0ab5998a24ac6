"""Each scheme at each age cut-off, diagnosed the day before and on the birthday (shared/domain.md §2, §6).

Otherwise standard inputs: B-lineage, white count 10,000/µL, CNS1, neutral genetics (complete),
MRD negative at every timepoint. Expected groups from the scheme definitions:
- NCI/Rome: infant (<1) very high; 1 to <10 standard; 10 or older high (no 13-year cut-off).
- COG AALL08B1: infant very high; NCI standard risk, neutral genetics, day-29 MRD negative, day-8
  MRD < 1 % → average; NCI high risk (≥10) with day-29 MRD negative → high; NCI high risk aged 13
  or older → very high.
- St. Jude Total XVI: NCI standard-risk B-ALL with MRD negative → low; infants (excluded from low)
  and NCI high-risk B-ALL without a favourable marker → standard.
"""

import re
from datetime import date, timedelta

import pytest

from patients.ages import age_on
from patients.risk import SCHEMES, Mrd, RiskInputs, SchemeConfig, evaluate

NEG = Mrd(value_pct=0.001)
STANDARD_MRD = tuple(sorted({tp: NEG for scheme in SCHEMES.values() for tp in scheme.mrd_timepoints}.items()))

# Children born so that some birthdays fall where days / 365.25 comes out short, on 29 Feb and on a 31st.
BIRTHS = [date(2012, 3, 1), date(2010, 1, 1), date(2021, 5, 1), date(2012, 2, 29), date(2011, 8, 31)]

# (scheme, cut-off in years, group the day before the birthday, group on the birthday)
EXPECTED = [
    ("nci_rome", 1, "very_high", "standard"),
    ("nci_rome", 10, "standard", "high"),
    ("nci_rome", 13, "high", "high"),
    ("cog_aall08b1", 1, "very_high", "average"),
    ("cog_aall08b1", 10, "average", "high"),
    ("cog_aall08b1", 13, "high", "very_high"),
    ("stjude_total16", 1, "standard", "low"),
    ("stjude_total16", 10, "low", "standard"),
    ("stjude_total16", 13, "standard", "standard"),
]


def test_every_scheme_is_covered():
    assert {scheme for scheme, *_ in EXPECTED} == set(SCHEMES)


def birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 Feb in a non-leap year: the birthday is 1 Mar
        return date(born.year + years, 3, 1)


def inputs(born: date, diagnosed: date) -> RiskInputs:
    return RiskInputs(
        age_years=age_on(born, diagnosed),
        lineage="B",
        wbc_per_ul=10_000,
        cns_status="CNS1",
        genetics=(),
        mrd=STANDARD_MRD,
    )


@pytest.mark.parametrize("born", BIRTHS, ids=str)
@pytest.mark.parametrize(("scheme", "years", "before", "on"), EXPECTED)
def test_scheme_at_birthday_cutoff(scheme, years, before, on, born):
    day = birthday(born, years)
    day_before = evaluate(scheme, inputs(born, day - timedelta(days=1)))
    on_the_day = evaluate(scheme, inputs(born, day))
    assert not day_before.provisional and not on_the_day.provisional
    assert (day_before.group, on_the_day.group) == (before, on)


@pytest.mark.parametrize(
    ("scheme", "before", "on"),
    [("nci_rome", "standard", "high"), ("cog_aall08b1", "average", "high"), ("stjude_total16", "low", "standard")],
)
def test_tenth_birthday_where_365_25_arithmetic_fails(scheme, before, on):
    born, day = date(2012, 3, 1), date(2022, 3, 1)
    assert (day - born).days / 365.25 < 10  # the old exact_age_years put this child at 9.9986
    assert evaluate(scheme, inputs(born, day - timedelta(days=1))).group == before
    assert evaluate(scheme, inputs(born, day)).group == on


def test_reasons_show_the_age_in_years_and_months():
    born = date(2012, 3, 1)
    ten = evaluate("nci_rome", inputs(born, date(2022, 3, 1)))
    assert "age 10 years 0 months is 10 years or older" in ten.reasons
    nine = evaluate("nci_rome", inputs(born, date(2022, 2, 28)))
    assert "age 9 years 11 months is within 1 to <10 years" in nine.reasons
    infant = evaluate("nci_rome", inputs(born, date(2013, 2, 28)))
    assert "infant: age 11 months is under 1 year" in infant.reasons
    thirteen = evaluate("cog_aall08b1", inputs(date(2010, 1, 1), date(2023, 1, 1)))
    assert "NCI high risk aged 13 years or older (age 13 years 0 months)" in thirteen.reasons
    assert not any(re.search(r"\d\.\d+ years", r) for r in (*ten.reasons, *nine.reasons, *thirteen.reasons))


# A centre's own cut-offs (RiskSchemeConfig), including a fractional one, applied on the calendar.
CENTRE = SchemeConfig(sr_age_min_years=1.5, sr_age_max_years=9.0, very_high_age_years=12.0)


def months_after(born: date, months: int) -> date:
    """The day `months` whole months after birth, or the 1st of the next month when that day does not exist."""
    index = born.month - 1 + months
    year, month = born.year + index // 12, index % 12 + 1
    try:
        return date(year, month, born.day)
    except ValueError:
        return date(year + month // 12, month % 12 + 1, 1)


@pytest.mark.parametrize("born", BIRTHS, ids=str)
@pytest.mark.parametrize(
    ("scheme", "months", "before", "on"),
    [
        ("nci_rome", 18, "very_high", "standard"),
        ("nci_rome", 9 * 12, "standard", "high"),
        ("cog_aall08b1", 18, "very_high", "average"),
        ("cog_aall08b1", 9 * 12, "average", "high"),
        ("cog_aall08b1", 12 * 12, "high", "very_high"),
        ("stjude_total16", 18, "standard", "low"),
        ("stjude_total16", 9 * 12, "low", "standard"),
    ],
)
def test_configured_cutoffs(scheme, months, before, on, born):
    day = months_after(born, months)
    assert evaluate(scheme, inputs(born, day - timedelta(days=1)), CENTRE).group == before
    assert evaluate(scheme, inputs(born, day), CENTRE).group == on


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_missing_age_still_spans_every_age_band(scheme):
    """With the age unknown, the engine tries a calendar age in each band: a provisional result."""
    result = evaluate(scheme, RiskInputs(lineage="B", wbc_per_ul=10_000, cns_status="CNS1", mrd=STANDARD_MRD))
    assert result.provisional and "age at diagnosis" in result.missing
