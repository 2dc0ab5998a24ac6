"""Unit arithmetic for the clinical record, pure Python (no Django): white counts and body surface area."""

from __future__ import annotations

import math

WBC_UNITS = {
    # unit code -> factor to cells per microlitre
    "per_ul": 1.0,  # /µL (= /mm³)
    "e9_per_l": 1000.0,  # ×10⁹/L: 1 ×10⁹/L = 1,000 /µL
}


def wbc_to_per_ul(value: float, unit: str) -> float:
    """A white count in the unit it was reported in, as cells per µL (the stored, normalised unit)."""
    if unit not in WBC_UNITS:
        raise ValueError(f"unknown white-count unit {unit!r}")
    return float(value) * WBC_UNITS[unit]


def wbc_from_per_ul(per_ul: float, unit: str) -> float:
    return float(per_ul) / WBC_UNITS[unit]


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m² by Mosteller (N Engl J Med 1987;317:1098): sqrt(height cm × weight kg / 3600)."""
    if height_cm <= 0 or weight_kg <= 0:
        raise ValueError("height and weight must be positive")
    return round(math.sqrt(height_cm * weight_kg / 3600.0), 3)
