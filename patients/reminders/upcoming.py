"""What comes next for a family: the answer the family home gives before anything else.

The next visits (future appointments on the timeline) and the open check-ups of the care plan,
merged by date; where the current phase sits in the whole plan; what the care team released since
the family last opened the page; and who to call (the contacts of the child's care teams). Every
read is narrowed by the access policy (visible_entries: families see released entries only), and
each part is one query whatever the length of the history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min, Q
from django.utils import timezone

from patients.clinical.selectors import (
    current_phase,
    load_entries,
    phases_of,
    upcoming_appointments,
)
from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.models import Patient, Visibility
from patients.models.timeline import EntryKind, TimelineEntry, TreatmentPhase
from portal.care.access import (
    active_family_links,
    family_entry_q,
    family_view_for_link,
    is_family_user,
    visible_entries,
)
from portal.care.models import AuditAction, AuditEvent, CareTeam

APPOINTMENT = "appointment"
FOLLOW_UP = "follow-up"
NEXT_LIMIT = 6
NEW_LIMIT = 5


@dataclass(frozen=True)
class NextItem:
    """One dated thing ahead: a clinic visit (timeline appointment) or a check-up (care-plan item)."""

    kind: str  # APPOINTMENT or FOLLOW_UP; also the .ics URL's kind, which names no health detail
    pk: int
    day: date
    item: object  # the TimelineEntry or FollowUpItem, for the page's wording


@dataclass(frozen=True)
class PhasePlace:
    """The current phase and its place in the plan ("phase 3 of 5")."""

    phase: TreatmentPhase | None
    number: int
    total: int
    phases: list[TreatmentPhase]


def open_follow_ups(user, patient: Patient, *, limit: int | None = None):
    qs = visible_entries(user, patient, FollowUpItem.objects.filter(status=FollowUpStatus.OPEN))
    qs = qs.order_by("due_on", "slot", "id")
    return list(qs[:limit] if limit else qs)


def next_items(user, patient: Patient, *, today: date, limit: int = NEXT_LIMIT) -> list[NextItem]:
    """The soonest visits and check-ups together, soonest first (two queries)."""
    rows = [
        NextItem(APPOINTMENT, e.pk, e.occurred_on, e)
        for e in upcoming_appointments(user, patient, today=today, limit=limit)
    ]
    rows += [NextItem(FOLLOW_UP, i.pk, i.due_on, i) for i in open_follow_ups(user, patient, limit=limit)]
    return sorted(rows, key=lambda r: (r.day, r.kind, r.pk))[:limit]


def phase_place(patient: Patient, *, today: date) -> PhasePlace:
    phases = phases_of(patient)
    phase = current_phase(phases, today)
    number = next((n for n, p in enumerate(phases, 1) if phase and p.pk == phase.pk), 0)
    return PhasePlace(phase=phase, number=number, total=len(phases), phases=phases)


def last_visit(user, patient: Patient, path: str, *, before: datetime) -> datetime | None:
    """When this account last opened this page before `before` (the start of this sign-in: a visit is
    a session, so the list of what is new stays put while the family moves around the site)."""
    rows = (
        AuditEvent.objects.filter(user=user, patient=patient, action=AuditAction.VIEW, path=path, at__lt=before)
        .order_by("-at", "-id")
        .values_list("at", flat=True)[:1]
    )
    return next(iter(rows), None)


def newly_released(user, patient: Patient, *, since: datetime | None, limit: int = NEW_LIMIT) -> list[TimelineEntry]:
    """Entries released since `since` (the last visit), newest release first; none on a first visit."""
    if since is None:
        return []
    qs = visible_entries(user, patient, TimelineEntry.objects.all()).filter(released_at__gt=since)
    # (id, kind) first through the (patient, released_at) index, then only those rows' details.
    return load_entries(list(qs.order_by("-released_at", "-id").values_list("pk", "kind")[:limit]))


def care_contacts(patient: Patient) -> list[CareTeam]:
    """The child's care teams that have a contact for families (set in the admin), by name."""
    has_contact = ~Q(contact_phone="") | ~Q(contact_email="")
    return list(CareTeam.objects.filter(has_contact, children__patient=patient).distinct().order_by("name"))


def next_item(user, patient: Patient, kind: str, pk: int, *, today: date) -> NextItem | None:
    """One visit or check-up this user may see, for its own .ics; None when unknown or not visible.

    A check-up that was closed (done, declined, no longer needed) still resolves, so its .ics can say
    it is cancelled under the same UID.
    """
    if kind == APPOINTMENT:
        entry = visible_entries(user, patient, TimelineEntry.objects.filter(kind=EntryKind.APPOINTMENT, pk=pk)).first()
        return NextItem(APPOINTMENT, entry.pk, entry.occurred_on, entry) if entry else None
    if kind == FOLLOW_UP:
        item = visible_entries(user, patient, FollowUpItem.objects.filter(pk=pk)).first()
        return NextItem(FOLLOW_UP, item.pk, item.due_on, item) if item else None
    return None


# --- the calendar feed's share -----------------------------------------------------------------------

FEED_PAST_DAYS = 90  # past visits, and check-ups cancelled lately, stay this long in the feed
CANCELLED = (FollowUpStatus.DECLINED, FollowUpStatus.WAIVED, FollowUpStatus.RETIRED)


def _feed_visibility(user) -> Q | None:
    """The family rule for every child the feed's owner may see, as one filter (one query for the links)."""
    if not is_family_user(user):
        return None
    links = list(active_family_links(user).select_related("patient").order_by("patient_id"))
    if not links:
        return None
    visible = Q()
    for link in links:  # builds the filter in Python; no query per child
        visible |= Q(patient_id=link.patient_id) & family_entry_q(family_view_for_link(link))
    return visible


def feed_extras(user, *, today: date) -> tuple[list[TimelineEntry], list[FollowUpItem]]:
    """Clinic visits, and check-ups closed without being done (to send as cancelled), for the feed.

    Open check-ups come from late_effects.selectors.feed_items, which also records the export.
    """
    visible = _feed_visibility(user)
    if visible is None:
        return [], []
    since = today - timedelta(days=FEED_PAST_DAYS)
    visits = TimelineEntry.objects.filter(visible, kind=EntryKind.APPOINTMENT, occurred_on__gte=since)
    recent = Q(due_on__gte=since) | Q(closed_at__date__gte=since)  # a date ahead, or closed lately
    closed = FollowUpItem.objects.filter(visible, recent, status__in=CANCELLED)
    return list(visits.order_by("occurred_on", "id")), list(closed.order_by("due_on", "slot", "id"))


def seconds_to_next_release(patient: Patient, *, now: datetime | None = None) -> int | None:
    """Seconds until the next scheduled release of one of this child's entries or check-ups, if any.

    A family's kept page (patients.page_cache) expires then, since a release that falls due moves no
    stamp: the entry was saved earlier with its release time.
    """
    now = now or timezone.now()
    soonest = [
        model.objects.filter(patient=patient, visibility=Visibility.RELEASED, released_at__gt=now).aggregate(
            at=Min("released_at")
        )["at"]
        for model in (TimelineEntry, FollowUpItem)
    ]
    pending = [at for at in soonest if at is not None]
    return math.ceil((min(pending) - now).total_seconds()) if pending else None
