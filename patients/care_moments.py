"""A child's current care moments, read from the record: what education pages are matched against.

The key vocabulary itself is the pure module patients/care_keys.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from patients.care_keys import (
    DIAGNOSIS_STAGE_DAYS,
    PHASE_KEYS,
    PROCEDURE_WINDOW_AHEAD_DAYS,
    PROCEDURE_WINDOW_PAST_DAYS,
    RISK_KEY_BY_GROUP,
    CareMoments,
)
from patients.clinical.selectors import current_phase, latest_confirmed_risk, phases_of
from patients.late_effects.selectors import open_screening_keys
from patients.models import Diagnosis, TimelineEntry
from portal.care.access import NARROWEST_FAMILY_VIEW, family_entry_q, family_view, is_family_user


def _procedure_keys(patient, today, view) -> set[str]:
    """Procedures from the entries a family with `view` may see (the access policy's family rule):
    the moments steer a family's education pages, so they must not hint at anything the family
    cannot see on the timeline."""
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

    Procedures and screening items count only when a family may see them (portal.care.access's family
    rule): for a family `user` through their own view of the child (nothing at all without an
    allowed link); for anyone else (a clinician's preview, no user) through the narrowest family
    view, so the moments never steer a family's pages with an unreleased or confidential entry.
    """
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
