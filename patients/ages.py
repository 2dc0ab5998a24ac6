"""Age arithmetic, pure Python: used by the access policy (proxy rules) and the clinical engines.

Ages are calendar ages (shared/domain.md §6): the completed years and months from the date of
birth to the date in question, never days / 365.25. One function computes them, `age_on`; every
scheme, rule and display uses it.

Convention: a birthday (or monthly anniversary) that does not exist in a given month counts from
the first day of the next month. A child born on 29 February turns one year older on 1 March in
non-leap years (and on 29 February in leap years); a child born on the 31st completes a month on
the 1st of a month that has fewer days. This is the convention of the access policy's proxy-age
rules (portal/access.py `years_before`: born on or before 28 Feb N years ago is N, so 29 Feb is
not N until 1 Mar).

Cut-offs are given in years (1, 10, 13, or a centre's own, possibly fractional, e.g. 1.5). An age
reaches a cut-off of N years iff the child's Nth birthday has been reached; a fractional cut-off
is taken in whole months (rounded to the nearest month: 1.5 years = 18 months).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import floor

MONTH_SLACK = Fraction(1, 200)


def cutoff_months(years) -> int:
    """A cut-off in years as whole months (1 → 12, 1.5 → 18, 9.99 → 120)."""
    # str() first: a float or Decimal cut-off is read as written (9.99, not 9.9899999...).
    return floor(Fraction(str(years)) * 12 + Fraction(1, 2))


@dataclass(frozen=True, order=True)
class Age:
    """A calendar age: completed years, and completed months beyond them (0–11)."""

    years: int
    months: int = 0

    def __post_init__(self):
        if self.years < 0 or not 0 <= self.months <= 11:
            raise ValueError(f"not an age: {self.years} years {self.months} months")

    @classmethod
    def from_months(cls, total: int) -> Age:
        return cls(total // 12, total % 12)

    @classmethod
    def from_years(cls, value: float | int) -> Age:
        """A decimal age (e.g. one typed in by a clinician) as completed months: 9.99 → 9 years 11 months.

        For inputs given as a number rather than dates; ages from dates come from `age_on`.
        """
        if value < 0:
            raise ValueError(f"not an age: {value}")
        # str() first, so a float or Decimal is read as written; the 1/200-month slack lets a stored
        # years + months / 12 rounded to 4 places (1 month = 0.0833) come back as the same months.
        return cls.from_months(floor(Fraction(str(value)) * 12 + MONTH_SLACK))

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    @property
    def in_years(self) -> float:
        """Years as a decimal (years + months / 12), for display, storage and ordering only.

        Decide cut-offs with `reached`, not with this float.
        """
        return round(self.years + self.months / 12, 4)

    def reached(self, years: float | int) -> bool:
        """True iff this age is at or past a cut-off of `years` (the birthday has been reached)."""
        return self.total_months >= cutoff_months(years)

    def __str__(self) -> str:
        months = f"{self.months} month{'' if self.months == 1 else 's'}"
        if self.years == 0:
            return months
        return f"{self.years} year{'' if self.years == 1 else 's'} {months}"


def age_on(born: date, on: date) -> Age:
    """The calendar age on `on` of a person born on `born` (see the module docstring for 29 Feb)."""
    if on < born:
        raise ValueError(f"{on} is before the date of birth {born}")
    total = (on.year - born.year) * 12 + (on.month - born.month) - (1 if on.day < born.day else 0)
    return Age.from_months(total)


def reaches_on(born: date, years: float | int) -> date:
    """The first day on which a person born on `born` has reached `years` (their birthday, by `age_on`)."""
    index = born.month - 1 + cutoff_months(years)
    year, month = born.year + index // 12, index % 12 + 1
    try:
        return date(year, month, born.day)
    except ValueError:  # no such day that month (29 Feb, 31st): the 1st of the next month
        return date(year + month // 12, month % 12 + 1, 1)


def reached(age: Age, years: float | int) -> bool:
    """True iff `age` is at or past a cut-off of `years` (see Age.reached)."""
    return age.reached(years)


def age_in_years(born: date, on: date) -> int:
    """Completed years of age on a date (a birthday counts from its own day; 29 Feb → 1 Mar)."""
    if on < born:  # not born yet (a date of birth in the future): negative, so below every age limit
        return on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)
    return age_on(born, on).years
