"""Reads of the clinical record, each through portal.care.access and recorded in the audit trail.

Every function takes a child already resolved by get_patient_or_404 (which audited the page view)
and narrows entries with visible_entries(); list reads are recorded once per list, not per row.
Query counts do not grow with the number of entries: details come by select_related/prefetch.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from patients.clinical.exposure_store import load_exposure_summary
from patients.models import (
    Diagnosis,
    EntryKind,
    ExposureRecord,
    ManualTreatmentSummary,
    Patient,
    RiskAssessment,
    TimelineEntry,
    TreatmentPhase,
    TreatmentPlan,
)
from patients.models.risk import Decision
from portal.care.access import record_patient_event, visible_entries
from portal.care.models import AuditAction


def entries_queryset() -> QuerySet[TimelineEntry]:
    """Timeline entries with every kind's detail joined in (one query, plus one for IT drugs)."""
    return TimelineEntry.objects.select_related(
        "phase",
        "chemo__drug",
        "lumbar_puncture",
        "mrd",
        "lab",
        "radiation",
        "transfusion",
        "adverse_event",
    ).prefetch_related("lumbar_puncture__it_drugs")


def timeline(user, patient: Patient, *, kind: str | None = None) -> list[TimelineEntry]:
    """The entries this user may see (families: released, confidential per the child's age)."""
    qs = visible_entries(user, patient, entries_queryset())
    if kind:
        qs = qs.filter(kind=kind)
    entries = list(qs.order_by("-occurred_on", "-id"))
    record_patient_event(user, AuditAction.LIST, patient=patient, object_type="timelineentry")
    return entries


def entry_for(user, patient: Patient, entry_id) -> TimelineEntry | None:
    return visible_entries(user, patient, entries_queryset()).filter(pk=entry_id).first()


def diagnosis_of(patient: Patient) -> Diagnosis | None:
    return (
        Diagnosis.objects.filter(patient=patient)
        .select_related("patient")
        .prefetch_related("genetic_markers", "predisposition_syndromes")
        .first()
    )


def risk_history(patient: Patient, limit: int = 20) -> list[RiskAssessment]:
    return list(
        RiskAssessment.objects.filter(patient=patient)
        .select_related("created_by", "decided_by")
        .order_by("-created_at", "-id")[:limit]
    )


def latest_confirmed_risk(patient: Patient) -> RiskAssessment | None:
    return (
        RiskAssessment.objects.filter(patient=patient)
        .exclude(decision=Decision.PENDING)
        # A confirmed provisional result (allowed before decide_risk refused it) is no decided group.
        .exclude(provisional=True, decision=Decision.CONFIRMED)
        .order_by("-decided_at", "-id")
        .first()
    )


def phases_of(patient: Patient) -> list[TreatmentPhase]:
    return list(TreatmentPhase.objects.filter(patient=patient).order_by("planned_start", "actual_start", "id"))


def current_phase(phases: list[TreatmentPhase], today=None) -> TreatmentPhase | None:
    """The phase that has actually started and not ended, latest start first."""
    today = today or timezone.localdate()
    running = [
        p for p in phases if p.actual_start and p.actual_start <= today and (not p.actual_end or p.actual_end >= today)
    ]
    return max(running, key=lambda p: (p.actual_start, p.pk)) if running else None


@dataclass
class ClinicalRecord:
    diagnosis: Diagnosis | None
    plan: TreatmentPlan | None
    phases: list[TreatmentPhase]
    current_phase: TreatmentPhase | None
    risk: list[RiskAssessment]
    latest_decision: RiskAssessment | None
    entries: list[TimelineEntry]
    exposures: ExposureRecord | None
    manual: ManualTreatmentSummary | None

    @property
    def mrd(self) -> list[TimelineEntry]:
        """MRD results, oldest first (they are timeline entries; shown with the diagnosis too)."""
        return sorted((e for e in self.entries if e.kind == EntryKind.MRD), key=lambda e: (e.occurred_on, e.pk))


def clinical_record(user, patient: Patient) -> ClinicalRecord:
    """Everything on the clinician's record page, in a fixed number of queries."""
    phases = phases_of(patient)
    risk = risk_history(patient)
    decided = [a for a in risk if a.decision]
    return ClinicalRecord(
        diagnosis=diagnosis_of(patient),
        plan=TreatmentPlan.objects.filter(patient=patient).first(),
        phases=phases,
        current_phase=current_phase(phases),
        risk=risk,
        latest_decision=max(decided, key=lambda a: (a.decided_at, a.pk)) if decided else latest_confirmed_risk(patient),
        entries=timeline(user, patient),
        exposures=ExposureRecord.objects.filter(patient=patient).first(),
        manual=ManualTreatmentSummary.objects.filter(patient=patient).first(),
    )


@dataclass
class TreatmentSummary:
    patient: Patient
    diagnosis: Diagnosis | None
    plan: TreatmentPlan | None
    phases: list[TreatmentPhase]
    risk: RiskAssessment | None
    latest_risk: RiskAssessment | None
    exposures: object  # ExposureSummary
    exposure_record: ExposureRecord | None
    mrd: list[TimelineEntry]
    milestones: list[TimelineEntry]
    radiation: list[TimelineEntry]
    transplant: list[TimelineEntry]
    adverse_events: list[TimelineEntry]


def treatment_summary(user, patient: Patient) -> TreatmentSummary:
    """The end-of-therapy summary for a survivorship clinic (recorded as a print/export read)."""
    wanted = [EntryKind.MRD, EntryKind.MILESTONE, EntryKind.RADIATION, EntryKind.TRANSPLANT, EntryKind.ADVERSE_EVENT]
    entries = list(
        visible_entries(user, patient, entries_queryset()).filter(kind__in=wanted).order_by("occurred_on", "id")
    )
    summary = load_exposure_summary(patient)
    record_patient_event(
        user, AuditAction.PRINT, patient=patient, object_type="treatment_summary", object_id=patient.pk
    )
    return TreatmentSummary(
        patient=patient,
        diagnosis=diagnosis_of(patient),
        plan=TreatmentPlan.objects.filter(patient=patient).first(),
        phases=phases_of(patient),
        risk=latest_confirmed_risk(patient),
        latest_risk=RiskAssessment.objects.filter(patient=patient).order_by("-created_at", "-id").first(),
        exposures=summary,
        exposure_record=ExposureRecord.objects.filter(patient=patient).first(),
        mrd=[e for e in entries if e.kind == EntryKind.MRD],
        milestones=[e for e in entries if e.kind == EntryKind.MILESTONE],
        radiation=[e for e in entries if e.kind == EntryKind.RADIATION],
        transplant=[e for e in entries if e.kind == EntryKind.TRANSPLANT],
        adverse_events=[e for e in entries if e.kind == EntryKind.ADVERSE_EVENT and e.adverse_event.grade >= 3],
    )


def family_timeline(user, patient: Patient) -> list[TimelineEntry]:
    """Released entries only (visible_entries applies the family rules), oldest first for a story."""
    entries = list(visible_entries(user, patient, entries_queryset()).order_by("occurred_on", "id"))
    record_patient_event(user, AuditAction.LIST, patient=patient, object_type="timelineentry")
    return entries
