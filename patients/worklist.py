"""The clinician's worklist: the children on my care teams, one row each, in one query per page.

Every column is an annotation (a correlated subquery) on the care-team queryset of the access
policy, so a page costs the same whatever the number of children, phases, results or questions:
current phase and its start, the latest risk assessment, the next and overdue follow-ups, results
recorded since my last look (my latest VIEW of the record in the audit trail: the trail is already
the truth about who opened what, so no second "last seen" table to keep in step), the family's open
questions and my unread notifications about the child.

Paging fetches one row more than a page instead of COUNT(*): "next" exists when that row does.

Search (patients/patient_search.py) forgives a typo on PostgreSQL and is ordered by relevance.

It sits above education in the layers because the family's questions live there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from education.models import FamilyQuestion
from patients import patient_search
from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.models import EntryKind, Patient, RecordStamp, RiskAssessment, TimelineEntry, TreatmentPhase
from patients.models.risk import GROUP_CHOICES
from patients.models.timeline import PHASE_LABELS
from portal.care.access import care_team_patients
from portal.care.models import (
    AuditAction,
    AuditEvent,
    CareTeamChild,
    CareTeamMember,
    CareTeamMembership,
    Notification,
    RecordViewCount,
)

PAGE_SIZE = 25
# Timeline kinds that are results a clinician reviews.
RESULT_KINDS = (EntryKind.LAB, EntryKind.MRD, EntryKind.BONE_MARROW, EntryKind.IMAGING, EntryKind.LUMBAR_PUNCTURE)
_NEVER = datetime(1900, 1, 1, tzinfo=UTC)

# ?sort= keys (a leading "-" reverses) and the columns they order by; anything else is ignored.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("family_name", "given_name"),
    "mrn": ("mrn",),
    "status": ("status",),
    "phase": ("phase_key",),
    "day": ("-phase_start",),  # day of phase ascending = the latest start first
    "risk": ("risk_group",),
    "next": ("next_due",),
    "overdue": ("overdue",),
    "results": ("new_results",),
    "questions": ("open_questions",),
    "notifications": ("unread",),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class WorklistQuery:
    """What the worklist form asked for (validated by patients.forms.WorklistForm)."""

    text: str = ""
    status: str = ""
    phase: str = ""
    overdue: bool = False
    questions: bool = False
    sort: str = ""
    page: int = 1


@dataclass(frozen=True)
class WorklistRow:
    patient: Patient
    phase_name: str
    phase_day: int | None
    risk_group: str
    risk_provisional: bool
    next_due: date | None
    overdue: int
    new_results: int
    open_questions: int
    unread: int


@dataclass
class WorklistPage:
    rows: list[WorklistRow]
    number: int
    has_next: bool
    sort: str  # the key in force, with its "-" if reversed
    start_index: int = 0
    end_index: int = 0
    patients: list[Patient] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT over rows of one child (`patient=OuterRef("pk")` already applied)."""
    counted = queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _my_children(user) -> QuerySet[Patient]:
    """The access policy's care-team children, driven from the clinician's own seats.

    care_team_patients() alone is a filter over every child in the hospital (EXISTS per row), which
    grows with the hospital; the `pk IN (my memberships UNION my teams' children)` in front lets
    PostgreSQL start from the few hundred ids of this clinician (index lookups) and leaves the policy
    to decide on those only, so the page costs the same at 1,000 or 100,000 children.
    """
    return care_team_patients(user).filter(pk__in=_my_seats(user))


_SOMEONE = SimpleNamespace(pk=-424242)  # no user has a negative id


@functools.cache
def _seats_sql(vendor: str) -> tuple[str, tuple]:
    """My seats compiled once per process (for a stand-in user, whose id the caller swaps for the
    real one): the kept worklist asks for them on every request, and compiling the UNION costs more
    than running it."""
    return _my_seats(_SOMEONE, every=True).query.sql_with_params()


def _my_seats(user, *, every: bool = False) -> QuerySet:
    """Ids of the children of my active memberships and of my teams (a superset the policy narrows).

    `every` (UNION ALL) keeps a child seated twice (by a team and by name) twice: the kept
    worklist's key allows it and skips hashing every seat to drop the doubles. Not for `pk IN`:
    there PostgreSQL then guessed 200 distinct seats whatever their number and drove a search from
    every seat (58 ms at 12,414 children) instead of from the trigram index."""
    # By id: the request's user is a lazy object, and a query holding it copies it on every clone.
    own = CareTeamMembership.objects.filter(clinician_id=user.pk, active=True).values("patient_id")
    teams = CareTeamMember.objects.filter(clinician_id=user.pk).values("team")
    return own.union(CareTeamChild.objects.filter(team__in=teams).values("patient_id"), all=every)


def worklist_state(user) -> WorklistState:
    """What a kept worklist page (patients.page_cache) depends on beyond its query, in one statement.

    - my children: how many, and the highest and the sum of their change stamps. Stamps are drawn from
      one rising counter and move on any change to a child, its care team or teams
      (patients.models.stamps), so a child added, removed or changed moves the count or the sum. The
      highest alone would miss a change whose stamp was drawn before another child's but committed
      after it (the highest is then still the other child's);
    - my record views (the "new results since my last look" column): their count, kept by a trigger
      on the audit trail (portal.care.models.RecordViewCount), one primary-key read. It commits
      with the view's audit row, so a page built after that commit sees the new count;
    - my notifications: the unread count and the newest id (the "unread" column).
    The day itself (overdue, day of phase) is part of every page-cache key.
    """
    seats, params = _seats_sql(connection.vendor)
    params = [user.pk if p == _SOMEONE.pk else p for p in params]
    stamps, views, notes = (m._meta.db_table for m in (RecordStamp, RecordViewCount, Notification))
    # MATERIALIZED: my seats first, by their clinician indexes. Inlined (PostgreSQL inlines a CTE used
    # once), the plan chosen at 12,414 children grew with the hospital: p95 1.38x from 1,265 children
    # after the audit bench's partitions, against 0.88x kept apart (benchmarks/test_worklist.py).
    fence_cte = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    # Table names from the models; every value is a parameter.
    sql = (
        f"WITH mine AS {fence_cte}({seats}) SELECT "  # noqa: S608
        "count(*), max(m.stamp), sum(m.stamp), "
        f"(SELECT views FROM {views} WHERE user_id = %s), "
        f"(SELECT count(*) FROM {notes} WHERE user_id = %s AND read_at IS NULL), "
        f"(SELECT max(id) FROM {notes} WHERE user_id = %s) "
        # One pass over my children: a probe of the stamp's primary key per child of mine, never a
        # scan of every child's stamp. OFFSET 0 keeps PostgreSQL from pulling the subquery up, which
        # would copy the probe into each aggregate.
        f"FROM (SELECT (SELECT s.stamp FROM {stamps} s WHERE s.patient_id = mine.patient_id) AS stamp "
        f"FROM mine{' OFFSET 0' if connection.vendor == 'postgresql' else ''}) m"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, user.pk, user.pk, user.pk])
        return WorklistState(*cursor.fetchone())


class WorklistState(NamedTuple):
    children: int
    highest_stamp: int | None
    stamp_sum: int | None
    record_views: int | None
    unread: int
    last_notification: int | None


def _column_expressions(user, today: date) -> dict:
    """Every worklist column as an expression (a correlated subquery) on a child, in an order where
    a column comes after those it reads (new_results reads last_look)."""
    child = OuterRef("pk")
    running = TreatmentPhase.objects.filter(patient=child, actual_start__lte=today).filter(
        Q(actual_end__isnull=True) | Q(actual_end__gte=today)
    )
    running = running.order_by("-actual_start", "-id")
    latest_risk = RiskAssessment.objects.filter(patient=child).order_by("-created_at", "-id")
    latest_risk = latest_risk.annotate(effective=Coalesce(NullIf("decided_group", Value("")), "group"))
    open_items = FollowUpItem.objects.filter(patient=child, status=FollowUpStatus.OPEN)
    last_view = AuditEvent.objects.filter(user=user, patient=child, action=AuditAction.VIEW, object_type="patient")
    new_results = TimelineEntry.objects.filter(
        patient=child, kind__in=RESULT_KINDS, created_at__gt=Coalesce(OuterRef("last_look"), Value(_NEVER))
    ).exclude(created_by=user)
    return {
        "phase_key": Subquery(running.values("key")[:1]),
        "phase_custom": Subquery(running.values("custom_name")[:1]),
        "phase_start": Subquery(running.values("actual_start")[:1]),
        "risk_group": Subquery(latest_risk.values("effective")[:1]),
        "risk_provisional": Subquery(latest_risk.values("provisional")[:1]),
        "risk_decided": Subquery(latest_risk.values("decided_group")[:1]),
        "next_due": Subquery(open_items.filter(due_on__gte=today).order_by("due_on").values("due_on")[:1]),
        "overdue": _count(open_items.filter(due_on__lt=today)),
        "last_look": Subquery(last_view.order_by("-at").values("at")[:1]),
        "new_results": _count(new_results),
        "open_questions": _count(FamilyQuestion.objects.filter(patient=child, answered_at__isnull=True)),
        "unread": _count(Notification.objects.filter(user=user, patient=child, read_at__isnull=True)),
    }


# Columns that read another column (annotated together).
_READS = {"new_results": ("last_look",)}


def _ordering(sort: str, ranked: bool) -> tuple[str, list]:
    """(the sort key in force, order_by arguments); an unknown key falls back to the default."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        if ranked:
            return "", [F("relevance").desc(), "family_name", "given_name", "id"]
        sort, key = DEFAULT_SORT, DEFAULT_SORT
    reverse = sort.startswith("-")
    order = []
    for column in SORTS[key]:
        descending = column.startswith("-") != reverse
        expression = F(column.removeprefix("-"))
        order.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
    return sort, [*order, "family_name", "given_name", "id"]


def _row(patient: Patient, today: date) -> WorklistRow:
    if patient.phase_key:
        name = patient.phase_custom if patient.phase_key == "custom" and patient.phase_custom else ""
        phase_name = name or str(PHASE_LABELS.get(patient.phase_key, patient.phase_key))
    else:
        phase_name = ""
    labels = dict(GROUP_CHOICES)
    return WorklistRow(
        patient=patient,
        phase_name=phase_name,
        phase_day=(today - patient.phase_start).days + 1 if patient.phase_start else None,
        risk_group=labels.get(patient.risk_group, patient.risk_group or ""),
        risk_provisional=bool(patient.risk_provisional) and not patient.risk_decided,
        next_due=patient.next_due,
        overdue=patient.overdue,
        new_results=patient.new_results,
        open_questions=patient.open_questions,
        unread=patient.unread,
    )


def _columns_asked(query: WorklistQuery) -> set[str]:
    """The columns the query filters or sorts by (with those they read)."""
    asked = {name for name, wanted in (("phase_key", query.phase), ("overdue", query.overdue)) if wanted}
    if query.questions:
        asked.add("open_questions")
    asked |= {column.removeprefix("-") for column in SORTS.get(query.sort.removeprefix("-"), ())}
    for column in list(asked):
        asked.update(_READS.get(column, ()))
    return asked


def worklist_page(user, query: WorklistQuery, *, page_size: int = PAGE_SIZE, today: date | None = None):
    """One page of the worklist. The caller audits the children shown (patients.selectors.audit_listed).

    One statement in two steps: the page's children are chosen first, computing only the columns
    the query filters or sorts by (none for a search ranked by relevance or the default order),
    then every column is computed for those 26 children only. In one step PostgreSQL computed the
    columns it estimated cheap for every matching child before sorting: 10 subqueries for each of
    1,242 children matching a common surname.
    """
    today = today or timezone.localdate()
    columns = _column_expressions(user, today)
    asked = _columns_asked(query)
    text = (query.text or "").replace("\x00", "").strip()
    # A search starts from the trigram indexes and the policy narrows what they find; my seats in
    # front (`pk IN`, deduplicated and hashed) would only add work that grows with my children.
    mine = care_team_patients(user) if text else _my_children(user)
    queryset = mine.annotate(**{name: e for name, e in columns.items() if name in asked})
    if query.status:
        queryset = queryset.filter(status=query.status)
    if query.phase:
        queryset = queryset.filter(phase_key=query.phase)
    if query.overdue:
        queryset = queryset.filter(overdue__gt=0)
    if query.questions:
        queryset = queryset.filter(open_questions__gt=0)
    queryset, ranked = patient_search.filter_by_words(queryset, text)
    sort, order = _ordering(query.sort, ranked)
    number = max(1, query.page)
    start = (number - 1) * page_size
    chosen = queryset.order_by(*order).values("pk")[start : start + page_size + 1]
    window = Patient.objects.filter(pk__in=chosen).annotate(**columns)
    if ranked:
        window = window.annotate(relevance=patient_search.relevance(text))
    with patient_search.typo_tolerance(ranked):
        patients = list(window.order_by(*order))
    has_next = len(patients) > page_size
    patients = patients[:page_size]
    return WorklistPage(
        rows=[_row(p, today) for p in patients],
        number=number,
        has_next=has_next,
        sort=sort,
        start_index=start + 1 if patients else 0,
        end_index=start + len(patients),
        patients=patients,
    )
