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


def _procedure_keys(patient, today, view) -> set[str]:
    """Procedures from the entries a family with `view` may see (the access policy's family rule):
    the moments steer a family's education pages, so they must not hint at anything the family
    cannot see on the timeline."""
    from datetime import timedelta

    from patients.models import TimelineEntry
    from portal.access import family_entry_q

    kinds = {
        "lumbar_puncture": "lumbar_puncture",
        "bone_marrow": "bone_marrow",
        "transfusion": "transfusion",
        "radiation": "radiation",
        "transplant": "transplant",
    }
    rows = TimelineEntry.objects.filter(
        family_entry_q(view),
        patient=patient,
        occurred_on__gte=today - timedelta(days=PROCEDURE_WINDOW_PAST_DAYS),
        occurred_on__lte=today + timedelta(days=PROCEDURE_WINDOW_AHEAD_DAYS),
        kind__in=[*kinds, "procedure"],
    ).values_list("kind", "subtype")
    found = set()
    for kind, subtype in rows:
        if kind in kinds:
            found.add(kinds[kind])
        elif subtype in ("central_line_placed", "central_line_removed"):
            found.add("central_line")
    return found


def care_moments_for(patient, *, user=None) -> CareMoments:
    """The child's current moments. The clinical record and the care plan contribute their parts.

    Clinical part: the phase running today (from the phases' actual dates), the latest risk group a
    clinician confirmed or set, recent/upcoming procedures, and "diagnosis" only in the weeks after it.

    Procedures and screening items count only when a family may see them (portal.access's family
    rule): for a family `user` through their own view of the child (nothing at all without an
    allowed link); for anyone else (a clinician's preview, no user) through the narrowest family
    view, so the moments never steer a family's pages with an unreleased or confidential entry.
    """
    from django.utils import timezone

    from patients.clinical.selectors import current_phase, latest_confirmed_risk, phases_of
    from patients.late_effects.selectors import open_screening_keys
    from patients.models import Diagnosis
    from portal.access import NARROWEST_FAMILY_VIEW, family_view, is_family_user

    view = NARROWEST_FAMILY_VIEW
    if is_family_user(user):
        view = family_view(user, patient)
        if view is None:
            return CareMoments()
    today = timezone.localdate()
    stages = set()
    if patient.status == "on_therapy":
        diagnosed_on = Diagnosis.objects.filter(patient=patient).values_list("diagnosed_on", flat=True).first()
        if diagnosed_on is None or (today - diagnosed_on).days <= DIAGNOSIS_STAGE_DAYS:
            stages.add("diagnosis")
    if patient.status in ("off_therapy", "ltfu"):
        stages.add("end_of_therapy" if patient.status == "off_therapy" else "survivorship")
    if patient.status == "relapsed":
        stages.add("relapse")
    phase = current_phase(phases_of(patient), today)
    decided = latest_confirmed_risk(patient)
    return CareMoments(
        phase=phase.key if phase is not None and phase.key in PHASE_KEYS else None,
        risk=RISK_KEY_BY_GROUP.get(decided.effective_group) if decided is not None else None,
        stages=frozenset(stages),
        procedures=frozenset(_procedure_keys(patient, today, view)),
        screening=open_screening_keys(patient, view=view),
    )
