"""Reads of the clinical record, each through portal.care.access and recorded in the audit trail.

Every function takes a child already resolved by get_patient_or_404 (which audited the page view)
and narrows entries with visible_entries(); list reads are recorded once per list, not per row.
Page data does not grow with a child's history: the record reads the latest entries and aggregates
computed in SQL (ClinicalRecord), the timelines are keyset-paged (TimelinePage), newest first.
`timeline()` and `family_timeline()` return every visible entry, for exports and checks, not pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from patients.ages import Age, age_on
from patients.clinical.exposure_store import load_exposure_summary
from patients.models import (
    ChemoAdministration,
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
from portal.care.access import record_patient_event, record_patient_events, visible_entries
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


# The detail relations a page needs for each kind (entries_queryset joins all of them).
_KIND_RELATIONS = {
    EntryKind.CHEMO: ("chemo__drug",),
    EntryKind.LUMBAR_PUNCTURE: ("lumbar_puncture",),
    EntryKind.MRD: ("mrd",),
    EntryKind.LAB: ("lab",),
    EntryKind.RADIATION: ("radiation",),
    EntryKind.TRANSFUSION: ("transfusion",),
    EntryKind.ADVERSE_EVENT: ("adverse_event",),
}


def load_entries(rows: list[tuple[int, str]]) -> list[TimelineEntry]:
    """(id, kind) rows, in page order → those entries with only their kinds' details joined, same order.

    A page reads its (id, kind) rows first (an index scan) and then this one query: joining all
    eight detail tables to every page costs PostgreSQL more planning than the page's rows cost to
    read, whatever kinds the page holds. The ids come from a query already narrowed by visible_entries.
    """
    if not rows:
        return []
    related = sorted({name for _pk, kind in rows for name in _KIND_RELATIONS.get(kind, ())})
    qs = TimelineEntry.objects.select_related("phase", *related).filter(pk__in=[pk for pk, _kind in rows])
    if EntryKind.LUMBAR_PUNCTURE in {kind for _pk, kind in rows}:
        qs = qs.prefetch_related("lumbar_puncture__it_drugs")
    by_pk = {entry.pk: entry for entry in qs}
    return [by_pk[pk] for pk, _kind in rows if pk in by_pk]


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


RISK_HISTORY_LIMIT = 20


def risk_history(patient: Patient, limit: int = RISK_HISTORY_LIMIT) -> list[RiskAssessment]:
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


# --- keyset pages of the timeline -------------------------------------------------------------------


def encode_cursor(entry: TimelineEntry) -> str:
    """A page boundary: the entry's date and id ("2024-03-01.1234"), safe in a query string."""
    return f"{entry.occurred_on.isoformat()}.{entry.pk}"


def decode_cursor(value: str | None) -> tuple[date, int] | None:
    """The (occurred_on, id) of a cursor, or None for a missing or malformed one (the first page)."""
    if not value:
        return None
    day, _, pk = str(value).partition(".")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@dataclass
class TimelinePage:
    """One page of a timeline, newest first.

    `entries` are TimelineEntry rows with their kind's detail joined in; `older` / `newer` are the
    cursors for the neighbouring pages (None when there is none), passed back as ?before= / ?after=.
    """

    entries: list[TimelineEntry]
    older: str | None
    newer: str | None
    size: int


def page_size() -> int:
    return int(getattr(settings, "TIMELINE_PAGE_SIZE", 50))


def _keyset_page(qs: QuerySet, *, before: str | None, after: str | None, size: int) -> TimelinePage:
    """Newest first by (occurred_on, id); one query whatever the history's length (index patient, date, id)."""
    size = max(1, int(size))
    newer_bound, older_bound = decode_cursor(after), decode_cursor(before)
    if newer_bound is not None:  # the page just newer than `after`: read upwards, then show newest first
        day, pk = newer_bound
        rows = list(
            qs.filter(Q(occurred_on__gt=day) | Q(occurred_on=day, id__gt=pk))
            .order_by("occurred_on", "id")
            .values_list("pk", "kind")[: size + 1]
        )
        more_newer = len(rows) > size
        entries = load_entries(rows[:size][::-1])
        return TimelinePage(
            entries=entries,
            older=encode_cursor(entries[-1]) if entries else None,
            newer=encode_cursor(entries[0]) if entries and more_newer else None,
            size=size,
        )
    if older_bound is not None:
        day, pk = older_bound
        qs = qs.filter(Q(occurred_on__lt=day) | Q(occurred_on=day, id__lt=pk))
    rows = list(qs.order_by("-occurred_on", "-id").values_list("pk", "kind")[: size + 1])
    entries = load_entries(rows[:size])
    return TimelinePage(
        entries=entries,
        older=encode_cursor(entries[-1]) if len(rows) > size else None,
        newer=encode_cursor(entries[0]) if entries and older_bound is not None else None,
        size=size,
    )


def timeline_page(
    user,
    patient: Patient,
    *,
    kind: str | None = None,
    before: str | None = None,
    after: str | None = None,
    size: int | None = None,
    audit: bool = True,
) -> TimelinePage:
    """A page of the entries this user may see (families: released, confidential per the child's age).

    Recorded as a timeline read unless `audit` is False: the page then records timeline_page_events()
    itself, on every request, whether its HTML was built now or kept (patients.page_cache).
    """
    qs = visible_entries(user, patient, TimelineEntry.objects.all())
    if kind:
        qs = qs.filter(kind=kind)
    page = _keyset_page(qs, before=before, after=after, size=size or page_size())
    if audit:
        record_patient_event(user, AuditAction.LIST, patient=patient, object_type="timelineentry")
    return page


def timeline_page_events(patient: Patient) -> list[dict]:
    """The audit rows of one view of a timeline page: the page view and the timeline read (one INSERT)."""
    return record_page_events(patient)


def page_cursors(before: str | None, after: str | None) -> tuple:
    """The decoded cursors of a timeline request (None where absent or not a cursor), for a page-cache key."""
    return decode_cursor(before), decode_cursor(after)


def family_timeline_page(
    user,
    patient: Patient,
    *,
    before: str | None = None,
    after: str | None = None,
    size: int | None = None,
    audit: bool = True,
) -> TimelinePage:
    """The family's page of released entries, newest first, paged like the clinician's timeline."""
    return timeline_page(user, patient, before=before, after=after, size=size, audit=audit)


@dataclass(frozen=True)
class ReleasedKind:
    kind: str
    count: int
    first: date
    last: date


def family_summary_rows(user, patient: Patient) -> list[ReleasedKind]:
    """What the family's summary sheet counts: released entries only (visible_entries), per kind, in one
    query. Cumulative doses are not here: they are computed from every entry, shared or not."""
    rows = (
        visible_entries(user, patient, TimelineEntry.objects.filter(patient=patient))
        .values("kind")
        .annotate(n=Count("id"), first=Min("occurred_on"), last=Max("occurred_on"))
        .order_by("kind")
    )
    return [ReleasedKind(r["kind"], r["n"], r["first"], r["last"]) for r in rows]


# --- the record page --------------------------------------------------------------------------------


@dataclass
class ClinicalRecord:
    """Everything on the clinician's record page; its size does not depend on the length of the history.

    `entries` are the latest `RECORD_LATEST_ENTRIES` entries (newest first); `entry_count` and
    `counts_by_kind` ({kind: n}) are counted in SQL; `mrd` the latest MRD results (oldest first,
    at most `RECORD_MRD_RESULTS`), `last_mrd` the newest, `mrd_count` how many there are.
    """

    diagnosis: Diagnosis | None
    plan: TreatmentPlan | None
    phases: list[TreatmentPhase]
    current_phase: TreatmentPhase | None
    risk: list[RiskAssessment]
    latest_decision: RiskAssessment | None
    entries: list[TimelineEntry]
    exposures: ExposureRecord | None
    manual: ManualTreatmentSummary | None
    entry_count: int = 0
    counts_by_kind: dict[str, int] = field(default_factory=dict)
    mrd: list[TimelineEntry] = field(default_factory=list)
    mrd_count: int = 0

    @property
    def last_mrd(self) -> TimelineEntry | None:
        return self.mrd[-1] if self.mrd else None

    @property
    def more_entries(self) -> bool:
        return self.entry_count > len(self.entries)

    @property
    def risk_changes(self) -> list[RiskAssessment]:
        """The assessments (newest first) where the result or its decision changed from the one before.

        Recomputing after every edit repeats identical provisional rows; the page lists only changes
        and keeps the full history behind a "show all".
        """
        return risk_changes(self.risk)


def _risk_state(a: RiskAssessment) -> tuple:
    return (a.scheme, a.group, a.provisional, tuple(a.possible_groups or ()), a.decision, a.decided_group)


def risk_changes(history: list[RiskAssessment]) -> list[RiskAssessment]:
    """`history` newest first → the rows whose state differs from the next older row (the oldest always counts)."""
    changes = []
    for index, assessment in enumerate(history):
        older = history[index + 1] if index + 1 < len(history) else None
        if older is None or _risk_state(older) != _risk_state(assessment):
            changes.append(assessment)
    return changes


@dataclass
class RecordBanner:
    """The record at a glance. No allergy or alert fields exist in the record, so none are shown."""

    name: str
    age: Age
    diagnosis: Diagnosis | None
    risk: RiskAssessment | None
    phase: TreatmentPhase | None
    next_appointment: tuple[date, str] | None  # (day, title)


def record_banner(patient: Patient, record: ClinicalRecord, next_appointment) -> RecordBanner:
    """The banner from the record already read; the next appointment comes with the plots' series
    (patients.clinical.plot_series), so the banner costs no query of its own."""
    today = timezone.localdate()
    return RecordBanner(
        name=patient.display_name,
        age=age_on(patient.date_of_birth, max(today, patient.date_of_birth)),
        diagnosis=record.diagnosis,
        risk=record.risk[0] if record.risk else None,
        phase=record.current_phase,
        next_appointment=next_appointment,
    )


def _one_of(patient: Patient | None, name: str):
    """A reverse one-to-one loaded by select_related, or None when the child has none."""
    try:
        return getattr(patient, name) if patient is not None else None
    except ObjectDoesNotExist:
        return None


def _counts_by_kind(qs: QuerySet) -> dict[str, int]:
    return {row["kind"]: row["n"] for row in qs.order_by().values("kind").annotate(n=Count("id"))}


def _latest_decision(patient: Patient, risk: list[RiskAssessment], decided: list[RiskAssessment]):
    """The newest decided assessment; a history shorter than its limit and none decided has none (no query)."""
    if decided:
        return max(decided, key=lambda a: (a.decided_at, a.pk))
    if len(risk) < RISK_HISTORY_LIMIT:
        return None
    return latest_confirmed_risk(patient)


def record_page_events(patient: Patient) -> list[dict]:
    """The audit rows of one view of the record page: the page view and the timeline read (one INSERT)."""
    return [{"action": AuditAction.VIEW, "obj": patient}, {"action": AuditAction.LIST, "object_type": "timelineentry"}]


def clinical_record(user, patient: Patient, *, record_view: bool = False, audit: bool = True) -> ClinicalRecord:
    """Everything on the clinician's record page, in a fixed number of queries.

    The timeline read is recorded as one list row; with `record_view` the page view row is written
    in the same INSERT (the page then resolves the child with patient_for_page(audit=False)). With
    `audit=False` the caller records record_page_events() itself (the record page does, on every
    request, whether its HTML was built now or kept: patients.page_cache).
    """
    phases = phases_of(patient)
    risk = risk_history(patient)
    decided = [a for a in risk if a.decision]
    visible = visible_entries(user, patient, TimelineEntry.objects.all())
    latest = int(getattr(settings, "RECORD_LATEST_ENTRIES", 15))
    entries = load_entries(list(visible.order_by("-occurred_on", "-id").values_list("pk", "kind")[:latest]))
    counts = _counts_by_kind(visible)
    mrd_limit = int(getattr(settings, "RECORD_MRD_RESULTS", 20))
    mrd = list(
        visible_entries(user, patient, TimelineEntry.objects.select_related("mrd"))
        .filter(kind=EntryKind.MRD)
        .order_by("-occurred_on", "-id")[:mrd_limit]
    )[::-1]
    # The child's one-of records (diagnosis, plan, exposures, manual summary) in one query.
    one_of = (
        Patient.objects.filter(pk=patient.pk)
        .select_related("diagnosis", "treatment_plan", "exposure_record", "manual_summary")
        .prefetch_related("diagnosis__genetic_markers", "diagnosis__predisposition_syndromes")
        .first()
    )
    if audit:
        events = record_page_events(patient) if record_view else record_page_events(patient)[1:]
        record_patient_events(user, patient, events)
    return ClinicalRecord(
        diagnosis=_one_of(one_of, "diagnosis"),
        plan=_one_of(one_of, "treatment_plan"),
        phases=phases,
        current_phase=current_phase(phases),
        risk=risk,
        latest_decision=_latest_decision(patient, risk, decided),
        entries=entries,
        exposures=_one_of(one_of, "exposure_record"),
        manual=_one_of(one_of, "manual_summary"),
        entry_count=sum(counts.values()),
        counts_by_kind=counts,
        mrd=mrd,
        mrd_count=counts.get(EntryKind.MRD, 0),
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
    agents: list[dict] = field(default_factory=list)


def agent_totals(user, patient: Patient) -> list[dict]:
    """Every agent's cumulative dose by route and unit as recorded (dose × number of doses), in one query.

    Rows: drug (name), route, unit, total, administrations, first, last; by drug name, then route.
    Intrathecal doses are flat (mg) and stay apart from systemic ones, as a survivorship clinic reads them.
    """
    entries = visible_entries(user, patient, TimelineEntry.objects.filter(kind=EntryKind.CHEMO))
    total = ExpressionWrapper(F("dose") * F("doses"), output_field=DecimalField(max_digits=14, decimal_places=3))
    rows = (
        ChemoAdministration.objects.filter(entry__in=entries)
        .values("drug__name", "route", "dose_unit")
        .annotate(
            total=Sum(total),
            administrations=Sum("doses"),
            first=Min("entry__occurred_on"),
            last=Max("entry__occurred_on"),
        )
        .order_by("drug__name", "route", "dose_unit")
    )
    routes = dict(ChemoAdministration._meta.get_field("route").choices)
    units = dict(ChemoAdministration._meta.get_field("dose_unit").choices)
    return [
        {
            **row,
            "drug": row["drug__name"],
            "route_label": routes.get(row["route"], row["route"]),
            "unit": units.get(row["dose_unit"], row["dose_unit"]),
        }
        for row in rows
    ]


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
        agents=agent_totals(user, patient),
    )


def upcoming_appointments(user, patient: Patient, *, today: date, limit: int | None = None) -> list[TimelineEntry]:
    """Appointments on or after `today` this user may see (families: released), soonest first; one query."""
    qs = visible_entries(user, patient, TimelineEntry.objects.filter(kind=EntryKind.APPOINTMENT))
    qs = qs.filter(occurred_on__gte=today).order_by("occurred_on", "id")
    return list(qs[:limit] if limit else qs)


def family_timeline(user, patient: Patient) -> list[TimelineEntry]:
    """Released entries only (visible_entries applies the family rules), oldest first for a story."""
    entries = list(visible_entries(user, patient, entries_queryset()).order_by("occurred_on", "id"))
    record_patient_event(user, AuditAction.LIST, patient=patient, object_type="timelineentry")
    return entries
