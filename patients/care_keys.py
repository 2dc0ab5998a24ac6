"""Where a child is in their care, as plain keys: the vocabulary education pages are matched on.

Pure Python, no Django: the clinical record (phase choices), the late-effects rule sets (screening
keys, checked when a rule set is loaded) and the education pages' relevance tags all use these
keys, so they are defined once here. patients/care_moments.py gathers a child's current moments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PHASE_KEYS = (
    "induction",
    "consolidation",
    "interim_maintenance",
    "delayed_intensification",
    "maintenance",
)
RISK_KEYS = ("risk_low", "risk_standard", "risk_high", "risk_very_high")
PROCEDURE_KEYS = ("lumbar_puncture", "bone_marrow", "central_line", "transfusion", "radiation", "transplant")
STAGE_KEYS = ("diagnosis", "end_of_therapy", "survivorship", "relapse")
# Screening keys used by the late-effects rule sets (patients/late_effects/rulesets/*.yaml).
SCREENING_KEYS = (
    "cardiac_echo",
    "cardiac_ecg",
    "cardiac_history",
    "osteonecrosis_history",
    "bone_density_dxa",
    "neurocognitive",
    "peripheral_neuropathy",
    "liver_function",
    "iron_overload_ferritin",
    "male_fertility",
    "female_ovarian",
    "urinary_tract",
    "cataract",
    "cns_tumour",
    "growth_endocrine",
    "hepatitis_screen",
    "genetic_counselling",
    "survivorship_visit",
)
ALL_KEYS = PHASE_KEYS + RISK_KEYS + PROCEDURE_KEYS + STAGE_KEYS + SCREENING_KEYS


@dataclass(frozen=True)
class CareMoments:
    phase: str | None = None  # one of PHASE_KEYS, or None
    risk: str | None = None  # one of RISK_KEYS
    stages: frozenset[str] = field(default_factory=frozenset)  # STAGE_KEYS that apply now
    procedures: frozenset[str] = field(default_factory=frozenset)  # recent or upcoming, PROCEDURE_KEYS
    screening: frozenset[str] = field(default_factory=frozenset)  # open follow-up items, SCREENING_KEYS

    @property
    def keys(self) -> frozenset[str]:
        found = set(self.stages) | set(self.procedures) | set(self.screening)
        found.update(k for k in (self.phase, self.risk) if k)
        return frozenset(found)


# How far back / ahead a procedure counts as "recent or upcoming", and how long after diagnosis the
# "diagnosis" stage lasts. Page-matching windows (what education to suggest), not clinical rules.
PROCEDURE_WINDOW_PAST_DAYS = 14
PROCEDURE_WINDOW_AHEAD_DAYS = 30
DIAGNOSIS_STAGE_DAYS = 60
RISK_KEY_BY_GROUP = {
    "low": "risk_low",
    "standard": "risk_standard",
    "average": "risk_standard",
    "high": "risk_high",
    "very_high": "risk_very_high",
}
