"""Unit arithmetic for the clinical record, pure Python (no Django): white counts and body surface area."""

from __future__ import annotations

import math
from decimal import Decimal

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


# --- MRD wording: one formatter for the record, the plots, the family pages and the risk reasons ---

MRD_NOT_DETECTED = "not detected (< {pct}%)"


def percent_text(value) -> str:
    """A percentage without trailing zeros or exponent: 0.01 → "0.01", 1.50 → "1.5"."""
    return f"{Decimal(str(value)).normalize():f}"


def mrd_text(value_pct, negative_below_pct, *, not_detected: str = MRD_NOT_DETECTED) -> str:
    """ "0.02%" for a measured level, "not detected (< 0.01%)" for a negative result at its sensitivity.

    `not_detected` is the (translated) wording with a {pct} slot; the engines pass the English one.
    """
    if value_pct is not None:
        return f"{percent_text(value_pct)}%"
    return not_detected.format(pct=percent_text(negative_below_pct))
