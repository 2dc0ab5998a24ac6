"""Dose plausibility, pure Python (no Django): is one administration inside its drug's typical range?

The limits are data (models.DoseLimit, loaded by a data migration, edited in the admin); the clinical
service turns them into DoseRange values and calls check_dose(). A limit is stated on one basis
(per m², per kg or the whole dose) in mg or in units. The dose is compared on the basis it was
entered in when the drug has a limit there; otherwise it is converted (with the child's BSA or
weight) to a basis that has one. A dose that cannot be compared with any limit is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Entered unit -> (amount, basis, multiplier to that amount).
_UNIT_BASIS = {
    "mg_m2": ("mg", "per_m2", 1.0),
    "g_m2": ("mg", "per_m2", 1000.0),
    "mg_kg": ("mg", "per_kg", 1.0),
    "mg": ("mg", "flat", 1.0),
    "units_m2": ("units", "per_m2", 1.0),
    "units": ("units", "flat", 1.0),
}
_SYMBOL = {("mg", "per_m2"): "mg/m²", ("mg", "per_kg"): "mg/kg", ("mg", "flat"): "mg"}
_SYMBOL |= {("units", "per_m2"): "units/m²", ("units", "per_kg"): "units/kg", ("units", "flat"): "units"}


@dataclass(frozen=True)
class DoseRange:
    drug_code: str
    route: str  # "" = every route without a range of its own
    basis: str  # per_m2 | per_kg | flat
    amount: str  # mg | units
    low: float
    high: float
    source: str
    cap_mg: float | None = None  # largest whole dose of one administration, if any

    @property
    def symbol(self) -> str:
        return _SYMBOL[(self.amount, self.basis)]


@dataclass(frozen=True)
class DoseCheck:
    within: bool  # True also when no range applies (nothing to judge)
    checked: DoseRange | None = None  # the range the dose was compared with
    value: float | None = None  # the dose on that range's basis
    over_cap: bool = False  # inside the range, but the whole dose is above the range's cap (mg)
    whole_mg: float | None = None


def fmt(value: float) -> str:
    """A dose for messages: thousands separated, no trailing zeros."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _on_basis(value: float, basis: str, to: str, bsa_m2: float | None, weight_kg: float | None) -> float | None:
    """`value` (per `basis`) expressed per `to`; None when the BSA or weight needed is missing."""
    if basis == to:
        return value
    whole = {
        "flat": value,
        "per_m2": value * bsa_m2 if bsa_m2 else None,
        "per_kg": value * weight_kg if weight_kg else None,
    }[basis]
    if whole is None:
        return None
    return {
        "flat": whole,
        "per_m2": whole / bsa_m2 if bsa_m2 else None,
        "per_kg": whole / weight_kg if weight_kg else None,
    }[to]


def ranges_for(ranges: Iterable[DoseRange], drug_code: str, route: str) -> list[DoseRange]:
    """The ranges of one drug for one route: the route's own, else the ones for any route."""
    mine = [r for r in ranges if r.drug_code == drug_code]
    own = [r for r in mine if r.route == route]
    return own or [r for r in mine if not r.route]


def check_dose(
    ranges: Iterable[DoseRange],
    *,
    drug_code: str,
    route: str,
    dose: float,
    unit: str,
    bsa_m2: float | None = None,
    weight_kg: float | None = None,
) -> DoseCheck:
    """Whether one administration of `dose` `unit` lies inside the drug's typical range for the route."""
    if unit not in _UNIT_BASIS:
        return DoseCheck(True)
    amount, basis, multiplier = _UNIT_BASIS[unit]
    value = dose * multiplier
    candidates = [r for r in ranges_for(ranges, drug_code, route) if r.amount == amount]
    ordered = sorted(candidates, key=lambda r: r.basis != basis)  # the entered basis first
    for r in ordered:
        compared = _on_basis(value, basis, r.basis, bsa_m2, weight_kg)
        if compared is None:
            continue
        if not r.low <= compared <= r.high:
            return DoseCheck(False, r, compared)
        whole = _on_basis(value, basis, "flat", bsa_m2, weight_kg) if amount == "mg" else None
        if r.cap_mg is not None and whole is not None and whole > r.cap_mg + 1e-9:
            return DoseCheck(False, r, compared, over_cap=True, whole_mg=whole)
        return DoseCheck(True, r, compared)
    return DoseCheck(True)


__all__ = ["DoseCheck", "DoseRange", "check_dose", "fmt", "ranges_for"]
