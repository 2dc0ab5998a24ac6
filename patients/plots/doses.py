"""Cumulative anthracycline (doxorubicin-equivalent) and cyclophosphamide-equivalent dose over time,
with the late-effects rule thresholds drawn as lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from patients.exposures.calculate import per_dose_mg_m2

from . import linechart
from .linechart import Threshold


@dataclass(frozen=True)
class DoseGiven:
    day: date
    factor: float  # doxorubicin- or cyclophosphamide-equivalence of the drug
    dose: float | None
    unit: str
    doses: int
    bsa_m2: float | None
    weight_kg: float | None


def running_totals(given: list[DoseGiven]) -> list[tuple[date, float]]:
    """(day, cumulative mg/m² after that day), one point per day with a dose; unconvertible doses are left out
    (the exposure calculation warns about them)."""
    totals: dict[date, float] = {}
    for g in sorted(given, key=lambda g: g.day):
        per_dose = per_dose_mg_m2(g.dose, g.unit, g.bsa_m2, g.weight_kg)
        if per_dose is not None:
            totals[g.day] = totals.get(g.day, 0.0) + per_dose * g.doses * g.factor
    running, points = 0.0, []
    for day in sorted(totals):
        running += totals[day]
        points.append((day, round(running, 1)))
    return points


def draw(points: list[tuple[date, float]], *, key: str, thresholds: tuple[Threshold, ...], **kwargs) -> str:
    return linechart.draw(points, unit="mg/m²", thresholds=thresholds, steps=True, id_prefix=f"dose-{key}", **kwargs)
