"""Blood counts (WBC, ANC, haemoglobin, platelets) over time, each with its reference band."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from . import linechart

# Which recorded test names stand for which count (lab names are free text; compared case-insensitively).
COUNT_NAMES = {
    "wbc": ("wbc", "white cell count", "white blood cells", "white blood cell count", "leukocytes"),
    "anc": ("anc", "absolute neutrophil count", "neutrophils"),
    "hb": ("hb", "hgb", "haemoglobin", "hemoglobin"),
    "plt": ("plt", "platelets", "platelet count"),
}
# Paediatric reference bands used when a result carries no parsable range of its own (units as below).
DEFAULT_BANDS = {"wbc": (4.5, 13.5), "anc": (1.5, 8.0), "hb": (11.0, 15.5), "plt": (150.0, 450.0)}
DEFAULT_UNITS = {"wbc": "×10⁹/L", "anc": "×10⁹/L", "hb": "g/dL", "plt": "×10⁹/L"}
_NUMBER = re.compile(r"^\s*[<>≤≥]?\s*(\d+(?:[.,]\d+)?)\s*$")
_RANGE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*[-–—]\s*(\d+(?:[.,]\d+)?)\s*$")


def count_key(test_name: str) -> str | None:
    name = test_name.strip().lower()
    return next((key for key, names in COUNT_NAMES.items() if name in names), None)


def parse_value(text: str) -> float | None:
    """A recorded value as a number ("0.4", "1,2", "<0.1"), or None when it is not one."""
    match = _NUMBER.match(text or "")
    return float(match.group(1).replace(",", ".")) if match else None


def parse_range(text: str) -> tuple[float, float] | None:
    match = _RANGE.match(text or "")
    if not match:
        return None
    low, high = (float(g.replace(",", ".")) for g in match.groups())
    return (low, high) if low < high else None


@dataclass
class CountSeries:
    key: str
    unit: str = ""
    band: tuple[float, float] | None = None
    points: list[tuple[date, float]] = field(default_factory=list)


def series_from_rows(rows) -> list[CountSeries]:
    """(day, test name, value, unit, reference range) rows → one series per count, in COUNT_NAMES order.

    The band is the latest parsable reference range recorded with the results, else the default band;
    values that are not numbers are left out.
    """
    found: dict[str, CountSeries] = {}
    for day, name, value, unit, reference in sorted(rows, key=lambda r: r[0]):
        key, number = count_key(name), parse_value(value)
        if key is None or number is None:
            continue
        series = found.setdefault(key, CountSeries(key, unit or DEFAULT_UNITS[key], DEFAULT_BANDS[key]))
        series.points.append((day, number))
        series.band = parse_range(reference) or series.band
        series.unit = unit or series.unit
    return [found[key] for key in COUNT_NAMES if key in found]


def draw(series: CountSeries, **kwargs) -> str:
    return linechart.draw(series.points, unit=series.unit, band=series.band, id_prefix=f"count-{series.key}", **kwargs)
