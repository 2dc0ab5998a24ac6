"""Age arithmetic, pure Python: used by the access policy (proxy rules) and the clinical engines."""

from datetime import date


def age_in_years(born: date, on: date) -> int:
    """Completed years of age on a date (a birthday counts from its own day; 29 Feb → 1 Mar)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def exact_age_years(born: date, on: date) -> float:
    """Age as a fraction of years (365.25-day years), for clinical cut-offs such as 0.99 or 9.99."""
    return (on - born).days / 365.25
