"""The reminder sweep: which (item, recipient, channel, kind, due date) rows exist today.

On PostgreSQL the sweep is set-based: for each range of child ids holding at most
REMINDER_SWEEP_CHUNK window items (keyset, _patient_ranges), one
`WITH … INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` statement joins the items in the
reminder window to their recipients (the active care team, and family members through the access
policy's own querysets and Q objects: family_links_allowed() and family_entry_q(), compiled by the
ORM and embedded in the INSERT), to their preferences, and to the channels, and computes the kind
and the quiet-hours delay in SQL. Every per-child table of the statement (items, family links,
care team) is restricted to the chunk's child-id range, so each is read through its patient_id
index for that range and a chunk costs the same at 10,000 children as at 250,000.
Python holds one chunk's returned ids at a time, never the items.

On SQLite (development) the same rows are built in Python, chunk by chunk, with the rules of
services.prefs_for / reminder_kind / quiet_until; tests compare both paths with the same oracle.

A created row that may go out now is enqueued at once (enqueue_at moves REMINDER_REQUEUE_AFTER_SECONDS
ahead); every other row waits for its enqueue_at (quiet hours over, or a task lost) and is picked up
by requeue_due(), which claims rows with SKIP LOCKED so two sweeps never enqueue the same row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.models import Patient, PatientStatus
from patients.reminders import rules, tasks
from patients.reminders.models import Channel, Reminder, ReminderPreference, ReminderStatus
from portal.accounts.models import Role, User
from portal.care.access import (
    NARROWEST_FAMILY_VIEW,
    FamilyView,
    care_team_seats,
    family_entry_q,
    family_links_allowed,
    family_may_see,
    family_view_for_link,
    link_sees_confidential_q,
)

logger = logging.getLogger(__name__)

# No reminders about a child who died or moved to another centre's care.
NO_REMINDERS_STATUSES = (PatientStatus.DECEASED, PatientStatus.TRANSFERRED)
DELIVERABLE = (ReminderStatus.PENDING, ReminderStatus.FAILED)


@dataclass(frozen=True)
class SweepResult:
    created: int
    enqueued: int


def window_items(today: date, lo: int | None = None, hi: int | None = None) -> QuerySet[FollowUpItem]:
    """Open items whose due date is within the reminder window, of children still followed here.

    With lo/hi, only the items of children with lo <= id < hi (one chunk of the sweep).
    """
    items = FollowUpItem.objects.filter(status=FollowUpStatus.OPEN, due_on__range=_window(today))
    followed = Patient.objects.exclude(status__in=NO_REMINDERS_STATUSES)
    if lo is not None:
        items = items.filter(patient_id__gte=lo, patient_id__lt=hi)
        followed = followed.filter(id__gte=lo, id__lt=hi)
    # A semi-join on the (ranged) children, not a join the planner would hash over the whole table.
    return items.filter(patient_id__in=followed.values("id")).order_by()


def _window(today: date) -> tuple[date, date]:
    return today - timedelta(days=7 * (rules.MAX_NUDGES + 1)), today + timedelta(days=rules.MAX_LEAD_DAYS)


def _patient_ranges(today: date) -> Iterator[tuple[int, int]]:
    """Ranges [lo, hi) of child ids holding at most REMINDER_SWEEP_CHUNK window items each (keyset).

    Chunks follow children, not items, so every table of a chunk (links, care team, items) is read
    through its patient_id index for that range only: the sweep stays linear in the population.
    A child with more items than a chunk is a chunk of its own.
    """
    step = settings.REMINDER_SWEEP_CHUNK
    candidates = FollowUpItem.objects.filter(status=FollowUpStatus.OPEN, due_on__range=_window(today))
    top = candidates.aggregate(lo=Min("patient_id"), hi=Max("patient_id"))
    lo = top["lo"]
    while lo is not None and lo <= top["hi"]:
        boundary = list(
            candidates.filter(patient_id__gte=lo)
            .order_by("patient_id")
            .values_list("patient_id", flat=True)[step : step + 1]
        )
        hi = max(boundary[0], lo + 1) if boundary else top["hi"] + 1
        yield lo, hi
        lo = hi


def publish(ids: list[int]) -> None:
    """Send batches of ids to the workers once the surrounding transaction commits."""
    if not ids:
        return
    size = settings.REMINDER_BATCH_SIZE
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]

    def send():
        for batch in batches:
            tasks.deliver_reminders.delay(batch)

    transaction.on_commit(send)


def sweep(today: date | None = None, now: datetime | None = None) -> SweepResult:
    """Create the reminders due today, enqueue those created and ready, then those due again.

    Safe to run any number of times, concurrently: inserts ignore rows that already exist and a
    row is enqueued by the sweep that claims it.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    created = enqueued = 0
    insert = _insert_chunk_postgresql if connection.vendor == "postgresql" else _insert_chunk_python
    for lo, hi in _patient_ranges(today):
        with transaction.atomic():
            n, ready = insert(today, now, lo, hi)
            publish(ready)
        created += n
        enqueued += len(ready)
    enqueued += requeue_due(now)
    logger.info("reminder sweep: %s rows created, %s enqueued", created, enqueued)
    return SweepResult(created=created, enqueued=enqueued)


def requeue_due(now: datetime) -> int:
    """Enqueue pending/failed rows whose enqueue_at has come, in chunks, each claimed with SKIP LOCKED."""
    again = now + timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status__in=DELIVERABLE, enqueue_at__lte=now)
                .order_by("id")
                .values_list("id", flat=True)[: settings.REMINDER_SWEEP_CHUNK]
            )
            if not ids:
                return total
            Reminder.objects.filter(pk__in=ids).update(enqueue_at=again)
            publish(ids)
        total += len(ids)


# --- PostgreSQL: one statement per chunk ------------------------------------------------------------


def _family_pairs(items: QuerySet[FollowUpItem], today: date, now: datetime, lo: int, hi: int) -> QuerySet:
    """(item, family member, due date) for every allowed link whose view shows the item.

    The access policy's rule, not a copy: the link must be in family_links_allowed(today) and the
    item must pass family_entry_q() for the view family_view_for_link() gives that link, i.e. the
    narrowest view, or the full one when the link includes confidential entries. Everything sits in
    one filter() so every condition is about the same FamilyLink row.
    """
    link = "patient__family_links__"
    confidential_link = link_sees_confidential_q(today, link=link, patient="patient__")
    allowed = family_links_allowed(today).filter(user__is_active=True, patient_id__gte=lo, patient_id__lt=hi)
    return items.filter(
        Q(**{f"{link}patient_id__gte": lo, f"{link}patient_id__lt": hi, f"{link}in": allowed.values("pk")})
        & family_entry_q(FamilyView(include_confidential=True), now)
        & (family_entry_q(NARROWEST_FAMILY_VIEW, now) | confidential_link)
    ).values_list("id", f"{link}user_id", "due_on")


def _care_team_pairs(items: QuerySet[FollowUpItem], lo: int, hi: int) -> tuple[str, list]:
    """(item, clinician, due date) for every clinician on the child's care team, per-child or through a
    named team, once each: the access policy's care_team_seats(), joined to the chunk's items."""
    items_sql, items_params = items.values_list("id", "patient_id", "due_on").query.sql_with_params()
    seats_sql, seats_params = care_team_seats(patient_id__gte=lo, patient_id__lt=hi).query.sql_with_params()
    sql = (
        f"SELECT i.id, s.clinician_id, i.due_on FROM ({items_sql}) AS i "  # noqa: S608 (ORM-compiled SQL)
        f"JOIN ({seats_sql}) AS s (patient_id, clinician_id) ON s.patient_id = i.patient_id"
    )
    return sql, [*items_params, *seats_params]


_INSERT = """
WITH k AS (
    SELECT %s::date AS today, %s::timestamptz AS now, %s::time AS local_t, %s::date AS local_d,
           %s::text AS tz, %s::jsonb AS default_lead, %s::int AS default_cap, %s::interval AS requeue,
           %s::int AS max_lead, %s::int AS max_nudges, %s::text AS family
),
pairs (item_id, user_id, due_on) AS (({family}) UNION ALL ({care})),
c AS (
    SELECT p.item_id, p.user_id, p.due_on,
        CASE WHEN rp.id IS NULL THEN u.role = k.family ELSE rp.email END AS on_email,
        CASE WHEN rp.id IS NULL THEN TRUE ELSE rp.portal END AS on_portal,
        COALESCE(rp.sms AND u.phone <> '', FALSE) AS on_sms,
        CASE
            WHEN p.due_on >= k.today THEN (
                SELECT 'lead-' || min(d.v)
                FROM (
                    SELECT trunc(e::numeric)::int AS v
                    FROM jsonb_array_elements_text(
                        CASE WHEN rp.id IS NULL OR jsonb_typeof(rp.lead_days) <> 'array'
                                  OR jsonb_array_length(rp.lead_days) = 0
                             THEN k.default_lead ELSE rp.lead_days END
                    ) AS e
                ) AS d
                WHERE d.v >= p.due_on - k.today AND (rp.id IS NULL OR d.v BETWEEN 0 AND k.max_lead)
            )
            WHEN (k.today - p.due_on) / 7 BETWEEN 1 AND (
                CASE WHEN rp.id IS NULL THEN k.default_cap
                     WHEN rp.overdue_nudges THEN LEAST(rp.overdue_nudge_cap, k.max_nudges)
                     ELSE 0 END
            ) THEN 'overdue-' || ((k.today - p.due_on) / 7)
        END AS kind,
        CASE
            WHEN rp.quiet_start IS NULL OR rp.quiet_end IS NULL OR rp.quiet_start = rp.quiet_end THEN k.now
            WHEN (rp.quiet_start < rp.quiet_end AND rp.quiet_start <= k.local_t AND k.local_t < rp.quiet_end)
              OR (rp.quiet_start > rp.quiet_end AND (k.local_t >= rp.quiet_start OR k.local_t < rp.quiet_end))
            THEN ((CASE WHEN k.local_t < rp.quiet_end THEN k.local_d ELSE k.local_d + 1 END) + rp.quiet_end)
                 AT TIME ZONE k.tz
            ELSE k.now
        END AS quiet_until
    FROM pairs p
    CROSS JOIN k
    JOIN {user} u ON u.id = p.user_id
    LEFT JOIN {pref} rp ON rp.user_id = p.user_id
)
INSERT INTO {reminder}
    (item_id, recipient_id, channel, kind, due_date, status, attempts, not_before, enqueue_at, last_error, created_at)
SELECT c.item_id, c.user_id, ch.channel, c.kind, c.due_on, %s, 0, ch.not_before,
       CASE WHEN ch.not_before <= k.now THEN k.now + k.requeue ELSE ch.not_before END, '', k.now
FROM c
CROSS JOIN k
CROSS JOIN LATERAL (
    VALUES (%s, c.on_email, c.quiet_until), (%s, c.on_portal, k.now), (%s, c.on_sms, c.quiet_until)
) AS ch (channel, wanted, not_before)
WHERE c.kind IS NOT NULL AND ch.wanted
ON CONFLICT (item_id, recipient_id, channel, kind, due_date) DO NOTHING
RETURNING id, not_before <= %s::timestamptz
"""


def _insert_chunk_postgresql(today: date, now: datetime, lo: int, hi: int) -> tuple[int, list[int]]:
    items = window_items(today, lo, hi)
    family_sql, family_params = _family_pairs(items, today, now, lo, hi).query.sql_with_params()
    care_sql, care_params = _care_team_pairs(items, lo, hi)
    local = timezone.localtime(now)
    constants = [
        today,
        now,
        local.time(),
        local.date(),
        str(local.tzinfo),
        json.dumps(sorted(settings.REMINDER_DEFAULT_LEAD_DAYS, reverse=True)),
        settings.REMINDER_DEFAULT_OVERDUE_CAP,
        timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS),
        rules.MAX_LEAD_DAYS,
        rules.MAX_NUDGES,
        Role.FAMILY,
    ]
    sql = _INSERT.format(
        family=family_sql,
        care=care_sql,
        user=User._meta.db_table,
        pref=ReminderPreference._meta.db_table,
        reminder=Reminder._meta.db_table,
    )
    params = [
        *constants,
        *family_params,
        *care_params,
        ReminderStatus.PENDING,
        Channel.EMAIL,
        Channel.PORTAL,
        Channel.SMS,
        now,
    ]
    with connection.cursor() as cursor:
        # The statement's estimated cost switches PostgreSQL's JIT on, and compiling it took ~170 ms
        # of ~870 ms per 20,000-item chunk; the plan is simple hash joins that gain nothing from it.
        cursor.execute("SET LOCAL jit = off")
        # No wait for the WAL flush at this chunk's commit: a crash may lose the last chunks' rows, and
        # the next sweep (idempotent, every few minutes) creates them again, and a worker handed the id
        # of a lost row finds no row and sends nothing, so nothing is lost or sent twice.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    return len(returned), [pk for pk, ready in returned if ready]


# --- SQLite: the same rows built in Python, one chunk at a time ----------------------------------------


def _recipients(items: list[FollowUpItem], today: date) -> dict[int, list]:
    """patient id → users to remind, each with the family view or None for the care team. Three queries."""
    patient_ids = {i.patient_id for i in items}
    by_patient: dict[int, list] = {pid: [] for pid in patient_ids}
    links = family_links_allowed(today).filter(patient_id__in=patient_ids, user__is_active=True)
    for link in links.select_related("user", "patient", "user__reminder_preference"):
        by_patient[link.patient_id].append((link.user, family_view_for_link(link, today)))
    seats = list(care_team_seats(patient_id__in=patient_ids))
    clinicians = User.objects.select_related("reminder_preference").in_bulk({c for _p, c in seats})
    for patient_id, clinician_id in seats:
        by_patient[patient_id].append((clinicians[clinician_id], None))
    return by_patient


def python_rows(today: date, now: datetime, lo: int, hi: int) -> list[Reminder]:
    """The rows for one range of child ids, built in Python (the SQLite path, and the rules' reference)."""
    items = list(window_items(today, lo, hi))
    recipients = _recipients(items, today)
    rows = []
    for item in items:
        for user, view in recipients.get(item.patient_id, []):
            if view is not None and not family_may_see(view, item, now):
                continue
            prefs = rules.prefs_for(user, rules.preference_of(user))
            kind = rules.reminder_kind(item.due_on, today, prefs)
            if kind is None:
                continue
            for channel in prefs.channels:
                not_before = now if channel == Channel.PORTAL else rules.quiet_until(now, prefs)
                rows.append(
                    Reminder(
                        item=item,
                        recipient=user,
                        channel=channel,
                        kind=kind,
                        due_date=item.due_on,
                        not_before=not_before,
                        enqueue_at=not_before,
                        created_at=now,
                    )
                )
    return rows


def _insert_chunk_python(today: date, now: datetime, lo: int, hi: int) -> tuple[int, list[int]]:
    """Rows for one range of child ids; created rows are enqueued by requeue_due() (enqueue_at = not_before)."""
    rows = python_rows(today, now, lo, hi)
    in_range = Reminder.objects.filter(item__patient_id__gte=lo, item__patient_id__lt=hi)
    before = in_range.count()
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return in_range.count() - before, []
