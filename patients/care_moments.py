"""Where a child is in their care, as plain keys: what education pages are matched against.

The key vocabulary here is shared by the clinical record (phases, procedures, risk group), the
late-effects rule sets (screening keys) and the education pages' relevance tags; change it in
one place. care_moments_for() gathers a child's current moments from the record.
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


def care_moments_for(patient) -> CareMoments:
    """The child's current moments. The clinical record and the care plan contribute their parts."""
    stages = set()
    if patient.status == "on_therapy":
        stages.add("diagnosis")  # refined by the clinical record: only around the diagnosis date
    if patient.status in ("off_therapy", "ltfu"):
        stages.add("end_of_therapy" if patient.status == "off_therapy" else "survivorship")
    if patient.status == "relapsed":
        stages.add("relapse")
    return CareMoments(stages=frozenset(stages))
