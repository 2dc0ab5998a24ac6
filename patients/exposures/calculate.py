"""Cumulative exposures from a child's treatment, pure Python (no Django).

The store (store.py) turns the timeline or a manual treatment summary into the plain facts below,
with the active ExposureRules (versioned data: anthracycline factors, high-dose thresholds), and
calls summarise() / manual_summary(). Doses are per m² of body surface area.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from patients.ages import age_on

from .summary import ExposureSummary

TRANSFUSION_HCV_CUTOFF = date(1993, 1, 1)  # US blood supply screened for hepatitis C from 1992 (COG LTFU)
TRANSFUSION_HBV_CUTOFF = date(1972, 1, 1)  # ... for hepatitis B from 1972
CRANIAL_SITES = frozenset({"cranial", "craniospinal"})
HEART_SITES = frozenset({"chest", "mediastinum", "whole_lung", "tbi"})


@dataclass(frozen=True)
class ExposureRules:
    """One version of the exposure rules (see models.ExposureRuleSet; IGHG 2023 by default)."""

    version: str
    anthracycline_factors: dict  # drug code -> doxorubicin-equivalence factor
    high_dose_methotrexate_mg_m2: float = 1000.0
    high_dose_cytarabine_mg_m2: float = 1000.0
    steroid_course_min_days: int = 28
    # Cyclophosphamide-equivalent dose (models.CedFormula; Green et al. 2014 by default).
    ced_version: str = ""
    ced_factors: dict = dataclasses.field(default_factory=dict)  # alkylator drug code -> CED factor


@dataclass(frozen=True)
class ChemoGiven:
    drug_code: str
    drug_class: str  # anthracycline, alkylator, antimetabolite, vinca, corticosteroid, asparaginase, other
    given_on: date
    until: date | None = None  # last day of a daily course (steroids); None for a single day
    dose: float | None = None
    dose_unit: str = "mg_m2"  # mg_m2, g_m2, mg, mg_kg, units_m2, units
    doses: int = 1  # administrations this entry stands for
    route: str = "iv"
    bsa_m2: float | None = None
    weight_kg: float | None = None


@dataclass(frozen=True)
class RadiationGiven:
    site: str
    total_gy: float
    started_on: date


@dataclass(frozen=True)
class TransfusionGiven:
    product: str  # red_cells, platelets, plasma, other
    given_on: date
    units: int = 1


@dataclass(frozen=True)
class TreatmentFacts:
    date_of_birth: date
    chemo: tuple[ChemoGiven, ...] = ()
    intrathecal_drugs: tuple[str, ...] = ()  # drug codes given at lumbar punctures
    radiation: tuple[RadiationGiven, ...] = ()
    transfusions: tuple[TransfusionGiven, ...] = ()
    hsct: bool = False
    predisposition_syndromes: tuple[str, ...] = ()
    therapy_start: date | None = None
    therapy_end: date | None = None


def per_dose_mg_m2(dose: float | None, unit: str, bsa_m2: float | None, weight_kg: float | None) -> float | None:
    """One administration in mg/m²; None when the unit cannot be converted (units, or no BSA)."""
    if dose is None:
        return None
    if unit == "mg_m2":
        return dose
    if unit == "g_m2":
        return dose * 1000.0
    if unit == "mg" and bsa_m2:
        return dose / bsa_m2
    if unit == "mg_kg" and bsa_m2 and weight_kg:
        return dose * weight_kg / bsa_m2
    return None


def _long_steroid_courses(courses: Iterable[ChemoGiven], min_days: int) -> int:
    return long_steroid_spans(((c.given_on, c.until or c.given_on) for c in courses), min_days)


def long_steroid_spans(spans: Iterable[tuple[date, date]], min_days: int) -> int:
    """Continuous corticosteroid spans (overlapping or back-to-back courses merged) of at least min_days."""
    spans = sorted(spans)
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and (start - merged[-1][1]).days <= 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return sum(1 for start, end in merged if (end - start).days + 1 >= min_days)


def _years(born: date, on: date) -> float | None:
    """The calendar age on a day as years + months / 12 (see patients.ages); None before birth."""
    return None if on < born else age_on(born, on).in_years


def ced(doses_mg_m2: Iterable[tuple[str, float]], rules: ExposureRules) -> tuple[float, list[str]]:
    """Cyclophosphamide-equivalent dose (mg/m²) of (alkylator code, cumulative mg/m²) pairs, and warnings.

    Green DM et al., Pediatr Blood Cancer 2014;61:53-67: each agent's cumulative dose times its factor
    (cyclophosphamide 1, ifosfamide 0.244, ..., busulfan 8.823), summed.
    """
    total, warnings = 0.0, []
    for code, mg_m2 in doses_mg_m2:
        if not mg_m2:
            continue
        factor = rules.ced_factors.get(code)
        if factor is None:
            warnings.append(
                f"no cyclophosphamide-equivalence factor for {code} in CED formula {rules.ced_version or '—'}"
            )
        else:
            total += mg_m2 * factor
    return round(total, 1), warnings


def summarise(facts: TreatmentFacts, rules: ExposureRules) -> tuple[ExposureSummary, list[str]]:
    """The ExposureSummary of a recorded timeline, and warnings about doses that could not be counted."""
    warnings: list[str] = []
    dox_eq = cyclo = 0.0
    classes = set()
    alkylators: list[tuple[str, float]] = []
    hd_mtx = hd_ara_c = intrathecal = any_mtx = thiopurine = False
    for c in facts.chemo:
        classes.add(c.drug_class)
        one = per_dose_mg_m2(c.dose, c.dose_unit, c.bsa_m2, c.weight_kg)
        total = one * c.doses if one is not None else None
        if c.route == "intrathecal":
            intrathecal = True
        if c.drug_code == "methotrexate":
            any_mtx = True
            if c.route == "iv" and one is not None and one >= rules.high_dose_methotrexate_mg_m2:
                hd_mtx = True
        if c.drug_code == "cytarabine" and c.route == "iv" and one is not None:
            hd_ara_c = hd_ara_c or one >= rules.high_dose_cytarabine_mg_m2
        if c.drug_code in ("mercaptopurine", "thioguanine"):
            thiopurine = True
        if c.drug_class == "anthracycline" and c.route != "intrathecal":
            factor = rules.anthracycline_factors.get(c.drug_code)
            if factor is None:
                warnings.append(f"no doxorubicin-equivalence factor for {c.drug_code} in rules {rules.version}")
            elif total is None:
                warnings.append(f"{c.drug_code} on {c.given_on}: dose not convertible to mg/m²")
            else:
                dox_eq += total * factor
        if c.drug_class == "alkylator" and c.route != "intrathecal":
            if total is None:
                warnings.append(f"{c.drug_code} on {c.given_on}: dose not convertible to mg/m²")
            else:
                alkylators.append((c.drug_code, total))
                if c.drug_code == "cyclophosphamide":
                    cyclo += total
    if facts.intrathecal_drugs:
        intrathecal = True
        any_mtx = any_mtx or "methotrexate" in facts.intrathecal_drugs
    cranial = [r for r in facts.radiation if r.site in CRANIAL_SITES]
    tbi = [r for r in facts.radiation if r.site == "tbi"]
    all_dates = [t.given_on for t in facts.transfusions]
    ced_mg_m2, ced_warnings = ced(alkylators, rules)
    warnings += ced_warnings
    summary = ExposureSummary(
        anthracycline_dox_eq_mg_m2=round(dox_eq, 1),
        cyclophosphamide_mg_m2=round(cyclo, 1),
        ced_mg_m2=ced_mg_m2,
        any_alkylator="alkylator" in classes,
        any_corticosteroid="corticosteroid" in classes,
        corticosteroid_long_courses=_long_steroid_courses(
            (c for c in facts.chemo if c.drug_class == "corticosteroid"), rules.steroid_course_min_days
        ),
        any_vinca_alkaloid="vinca" in classes,
        any_methotrexate=any_mtx,
        high_dose_methotrexate=hd_mtx,
        high_dose_cytarabine=hd_ara_c,
        any_thiopurine=thiopurine,
        intrathecal_chemotherapy=intrathecal,
        any_asparaginase="asparaginase" in classes,
        cranial_radiation_gy=round(sum(r.total_gy for r in cranial), 2),
        cranial_radiation_age_years=_years(facts.date_of_birth, min(r.started_on for r in cranial))
        if cranial
        else None,
        heart_radiation_gy=round(sum(r.total_gy for r in facts.radiation if r.site in HEART_SITES), 2),
        tbi=bool(tbi),
        tbi_gy=round(sum(r.total_gy for r in tbi), 2),
        hsct=facts.hsct,
        red_cell_transfusions=sum(t.units for t in facts.transfusions if t.product == "red_cells"),
        transfusion_before_1993=any(d < TRANSFUSION_HCV_CUTOFF for d in all_dates),
        transfusion_before_1972=any(d < TRANSFUSION_HBV_CUTOFF for d in all_dates),
        predisposition_syndromes=tuple(sorted(facts.predisposition_syndromes)),
        therapy_start=facts.therapy_start,
        therapy_end=facts.therapy_end,
        source="timeline",
    )
    return summary, warnings


def manual_summary(
    anthracyclines_mg_m2: dict, rules: ExposureRules, alkylators_mg_m2: dict | None = None, **fields
) -> tuple[ExposureSummary, list[str]]:
    """An ExposureSummary from a treatment summary written elsewhere: cumulative doses per drug plus flags.

    `alkylators_mg_m2` (drug code -> cumulative mg/m²) gives the CED; cyclophosphamide among them is
    also the summary's cyclophosphamide_mg_m2.
    """
    alkylators_mg_m2 = alkylators_mg_m2 or {}
    fields["ced_mg_m2"], warnings = ced(alkylators_mg_m2.items(), rules)
    fields["cyclophosphamide_mg_m2"] = float(alkylators_mg_m2.get("cyclophosphamide", 0.0))
    fields["any_alkylator"] = fields.get("any_alkylator", False) or any(v > 0 for v in alkylators_mg_m2.values())
    dox_eq = 0.0
    for code, total in anthracyclines_mg_m2.items():
        if not total:
            continue
        factor = rules.anthracycline_factors.get(code)
        if factor is None:
            warnings.append(f"no doxorubicin-equivalence factor for {code} in rules {rules.version}")
        else:
            dox_eq += total * factor
    fields["anthracycline_dox_eq_mg_m2"] = round(dox_eq, 1)
    fields["source"] = "manual"
    fields["predisposition_syndromes"] = tuple(sorted(fields.get("predisposition_syndromes", ())))
    return ExposureSummary(**fields), warnings


def combine(first: ExposureSummary, second: ExposureSummary) -> ExposureSummary:
    """Two summaries of one child (e.g. first treatment elsewhere, relapse treatment here) added up."""
    values = {}
    for f in dataclasses.fields(ExposureSummary):
        a, b = getattr(first, f.name), getattr(second, f.name)
        if f.name == "therapy_start":
            values[f.name] = min((d for d in (a, b) if d), default=None)
        elif f.name == "therapy_end":
            values[f.name] = max((d for d in (a, b) if d), default=None)
        elif f.name == "cranial_radiation_age_years":
            values[f.name] = min((v for v in (a, b) if v is not None), default=None)
        elif f.name == "predisposition_syndromes":
            values[f.name] = tuple(sorted(set(a) | set(b)))
        elif f.name == "source":
            values[f.name] = "manual" if "manual" in (a, b) else "timeline"
        elif isinstance(a, bool):
            values[f.name] = a or b
        else:
            values[f.name] = a + b
    return ExposureSummary(**values)


__all__ = [
    "ChemoGiven",
    "ExposureRules",
    "RadiationGiven",
    "TransfusionGiven",
    "TreatmentFacts",
    "ced",
    "combine",
    "manual_summary",
    "per_dose_mg_m2",
    "summarise",
]
