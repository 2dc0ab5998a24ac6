"""Calendar ages (shared/domain.md §6): completed years and months, cut-offs met on the birthday itself."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from patients.ages import Age, age_in_years, age_on, cutoff_months, reached, reaches_on
from patients.risk import SchemeConfig
from portal.care.access import years_before

DEFAULTS = SchemeConfig()
# Every birthday boundary the schemes use, plus centre cut-offs a RiskSchemeConfig may hold.
CUTOFFS = sorted(
    {1, 10, 13, DEFAULTS.sr_age_min_years, DEFAULTS.sr_age_max_years, DEFAULTS.very_high_age_years}
    | {0.5, 1.5, 9, 11, 12, 18, 21}
)

births = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
leap_day_births = st.sampled_from([date(y, 2, 29) for y in range(1992, 2032, 4)])
month_ends = st.builds(lambda y, m: date(y, m, 31), st.integers(1990, 2030), st.sampled_from([1, 3, 5, 7, 8, 10, 12]))
any_birth = st.one_of(births, leap_day_births, month_ends)


def birthday(born: date, years: int) -> date:
    """The Nth birthday, written out independently of patients.ages: 29 Feb falls on 1 Mar in non-leap years."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


@given(any_birth, st.sampled_from([c for c in CUTOFFS if float(c).is_integer()]))
def test_day_before_the_birthday_is_below_and_the_birthday_reaches_the_cutoff(born, years):
    years = int(years)
    day = birthday(born, years)
    before = age_on(born, day - timedelta(days=1))
    on = age_on(born, day)
    assert not before.reached(years) and not reached(before, years)
    assert before == Age(years - 1, 11)
    assert on.reached(years) and reached(on, years)
    assert on == Age(years, 0)
    assert reaches_on(born, years) == day


@given(any_birth, st.sampled_from(CUTOFFS))
def test_any_configured_cutoff_is_reached_on_its_day_and_not_the_day_before(born, cutoff):
    day = reaches_on(born, cutoff)
    assert not age_on(born, day - timedelta(days=1)).reached(cutoff)
    assert age_on(born, day).reached(cutoff)
    assert age_on(born, day).total_months == cutoff_months(cutoff)


@given(any_birth, st.integers(0, 40 * 366))
def test_months_never_decrease_and_step_by_at_most_one_a_day(born, offset):
    day = born + timedelta(days=offset)
    today, tomorrow = age_on(born, day), age_on(born, day + timedelta(days=1))
    assert today <= tomorrow
    assert tomorrow.total_months - today.total_months in (0, 1)
    assert 0 <= today.months <= 11


@given(any_birth, st.integers(0, 40 * 366))
def test_completed_years_agree_with_the_access_policy(born, offset):
    """The proxy-age rules (years_before, age_in_years) and age_on use the same 29 Feb convention."""
    day = born + timedelta(days=offset)
    years = age_on(born, day).years
    assert age_in_years(born, day) == years
    assert born <= years_before(day, years)
    assert born > years_before(day, years + 1)


@given(any_birth)
def test_age_on_the_day_of_birth_is_zero(born):
    assert age_on(born, born) == Age(0, 0)


@given(st.integers(0, 100 * 12))
def test_decimal_ages_round_trip_in_completed_months(total):
    age = Age.from_months(total)
    assert Age.from_years(age.in_years) == age
    assert Age.from_years(total / 12) == age


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2012, 2, 29), date(2013, 2, 28), Age(0, 11)),  # no 29 Feb in 2013: the birthday is 1 Mar
        (date(2012, 2, 29), date(2013, 3, 1), Age(1, 0)),
        (date(2012, 2, 29), date(2016, 2, 28), Age(3, 11)),
        (date(2012, 2, 29), date(2016, 2, 29), Age(4, 0)),
        (date(2015, 1, 31), date(2015, 2, 28), Age(0, 0)),  # born on the 31st: a month is complete on 1 Mar
        (date(2015, 1, 31), date(2015, 3, 1), Age(0, 1)),
        (date(2015, 1, 31), date(2015, 4, 30), Age(0, 2)),
        (date(2015, 6, 15), date(2015, 7, 14), Age(0, 0)),
        (date(2015, 6, 15), date(2015, 7, 15), Age(0, 1)),
        (date(2012, 3, 1), date(2022, 3, 1), Age(10, 0)),
        (date(2012, 3, 1), date(2022, 2, 28), Age(9, 11)),
    ],
)
def test_table(born, on, age):
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        (date(2021, 5, 1), date(2022, 5, 1), 1),
        (date(2012, 3, 1), date(2022, 3, 1), 10),
        (date(2010, 1, 1), date(2023, 1, 1), 13),
    ],
)
def test_birthdays_where_days_over_365_25_fall_short(born, on, years):
    assert (on - born).days / 365.25 < years  # the old arithmetic put these children a day short
    assert age_on(born, on).reached(years)


def test_words():
    assert str(Age(10, 0)) == "10 years 0 months"
    assert str(Age(0, 11)) == "11 months"
    assert str(Age(1, 1)) == "1 year 1 month"
    assert str(Age(0, 0)) == "0 months"


def test_no_age_before_birth():
    with pytest.raises(ValueError):
        age_on(date(2020, 1, 2), date(2020, 1, 1))
    with pytest.raises(ValueError):
        Age(1, 12)


@given(any_birth, st.integers(1, 40 * 366))
def test_age_in_years_before_birth_is_negative(born, offset):
    assume(born - timedelta(days=offset) >= date(1, 1, 1))
    assert age_in_years(born, born - timedelta(days=offset)) < 0
