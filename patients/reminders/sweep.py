"""The reminder sweep: which (item, recipient, channel, kind, due date) rows exist today.

On PostgreSQL the sweep is set-based: for each range of child ids holding at most
REMINDER_SWEEP_CHUNK window items (keyset, _patient_ranges), one
`WITH … INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` statement first lists the chunk's
recipients, one row per child and recipient (the active care team, and family members through the
access policy's own querysets and Q objects: family_links_allowed(), link_sees_confidential_q() and
care_team_seats(), compiled by the ORM and embedded in the INSERT), joins each once to its account and
preference row and works out its channels, quiet-hours delay, lead days and nudge cap there
(a MATERIALIZED CTE, so the planner cannot push that work back down to every item); only then does
it join the children's window items (with family_entry_q() for the full and the narrowest view as two
flags), so the per-(item, recipient) work is the visibility test and the kind. Every per-child table
of the statement (items, family links, care team) is restricted to the chunk's child-id range, so
each is read through its patient_id index for that range and a chunk costs the same at 10,000
children as at 250,000. The statement returns one row (the count and an array of the ids ready to
enqueue): Python holds one chunk's ready ids at a time, never the items.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Min, QuerySet
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
#: SQLSTATE of a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


@dataclass(frozen=True)
class SweepResult:
    created: int
    enqueued: int
    #: Chunks whose statement hit REMINDER_SWEEP_STATEMENT_TIMEOUT_MS (rolled back; the next sweep tries again).
    timed_out: int = 0


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
    transaction.on_commit(lambda: _send(ids))


def sweep(today: date | None = None, now: datetime | None = None) -> SweepResult:
    """Create the reminders due today, enqueue those created and ready, then those due again.

    Safe to run any number of times, concurrently: inserts ignore rows that already exist and a
    row is enqueued by the sweep that claims it. On PostgreSQL, outside a transaction, the chunks
    run REMINDER_SWEEP_WORKERS at a time, each on its own connection (chunks are disjoint ranges of
    children, each its own transaction), so the sweep uses as many database cores as it is given.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    workers = settings.REMINDER_SWEEP_WORKERS
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1  # a caller's transaction (a test's, a command's) is not visible to other connections
    created = enqueued = timed_out = 0
    if workers > 1:
        ranges = list(_patient_ranges(today))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reminder-sweep") as pool:
            for n, ready, late in pool.map(lambda r: _chunk_on_own_connection(today, now, *r), ranges):
                _send(ready)  # its chunk has committed
                created, enqueued, timed_out = created + n, enqueued + len(ready), timed_out + late
    else:
        for lo, hi in _patient_ranges(today):
            n, ready, late = _chunk(today, now, lo, hi, publish)
            created, enqueued, timed_out = created + n, enqueued + len(ready), timed_out + late
    enqueued += requeue_due(now)
    logger.info("reminder sweep: %s rows created, %s enqueued, %s chunks timed out", created, enqueued, timed_out)
    return SweepResult(created=created, enqueued=enqueued, timed_out=timed_out)


def _chunk(today: date, now: datetime, lo: int, hi: int, on_commit) -> tuple[int, list[int], int]:
    """One chunk in its own transaction: (rows created, ids ready to send, 1 if it timed out)."""
    insert = _insert_chunk_postgresql if connection.vendor == "postgresql" else _insert_chunk_python
    try:
        with transaction.atomic():
            n, ready = insert(today, now, lo, hi)
            on_commit(ready)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != QUERY_CANCELED:
            raise
        # A bad plan (or a locked table) fails this chunk, not the sweep: the chunk rolled back,
        # nothing of it was enqueued, and the next sweep (idempotent) tries it again.
        logger.error(
            "reminder sweep: the chunk of children [%s, %s) exceeded REMINDER_SWEEP_STATEMENT_TIMEOUT_MS (%s ms)",
            lo,
            hi,
            settings.REMINDER_SWEEP_STATEMENT_TIMEOUT_MS,
        )
        return 0, [], 1
    return n, ready, 0


def _chunk_on_own_connection(today: date, now: datetime, lo: int, hi: int) -> tuple[int, list[int], int]:
    """_chunk() in a worker thread: its own connection, closed when done; the caller sends the ids."""
    try:
        return _chunk(today, now, lo, hi, lambda ready: None)
    finally:
        connections.close_all()  # this thread's connections only


def _send(ids: list[int]) -> None:
    """Send batches of ids to the workers now (their rows are committed)."""
    size = settings.REMINDER_BATCH_SIZE
    for i in range(0, len(ids), size):
        tasks.deliver_reminders.delay(ids[i : i + size])


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


def _chunk_items(today: date, now: datetime, lo: int, hi: int) -> tuple[str, list]:
    """(item, child, due date, a family may see it with the full view, with the narrowest view) per window item.

    The two flags are the access policy's family_entry_q() for those views, compiled by the ORM: a
    family recipient gets the item when its link's view lets it (see _family_recipients)."""
    boolean = BooleanField()
    items = window_items(today, lo, hi).annotate(
        family_full=ExpressionWrapper(family_entry_q(FamilyView(include_confidential=True), now), boolean),
        family_narrow=ExpressionWrapper(family_entry_q(NARROWEST_FAMILY_VIEW, now), boolean),
    )
    return items.values_list("id", "patient_id", "due_on", "family_full", "family_narrow").query.sql_with_params()


def _family_recipients(today: date, lo: int, hi: int) -> tuple[str, list]:
    """(child, family member, the link includes confidential entries) for every allowed link of the chunk.

    The access policy's rule, not a copy: the link is in family_links_allowed(today) and its view is
    family_view_for_link()'s (the full one when link_sees_confidential_q() holds, else the narrowest).
    That the account is active is checked where _INSERT joins each recipient to its account by primary
    key (a join here was planned as a hash join over every account, per chunk)."""
    links = (
        family_links_allowed(today)
        .filter(patient_id__gte=lo, patient_id__lt=hi)  # the account's is_active: in _INSERT's join to it
        .annotate(sees_confidential=ExpressionWrapper(link_sees_confidential_q(today), BooleanField()))
        .order_by()
    )
    return links.values_list("patient_id", "user_id", "sees_confidential").query.sql_with_params()


def _care_team_recipients(lo: int, hi: int) -> tuple[str, list]:
    """(child, clinician) for every clinician on the care team of the chunk's children, per-child or through
    a named team, once each: the access policy's care_team_seats()."""
    return care_team_seats(patient_id__gte=lo, patient_id__lt=hi).query.sql_with_params()


# Recipients first (one row per child and recipient, each joined once to its account and preference
# row, where the channels, quiet hours, lead days and nudge cap are worked out), then their children's
# window items: the per-(item, recipient) work is only the visibility test and the kind.
_INSERT = """
WITH k AS (
    SELECT %s::date AS today, %s::timestamptz AS now, %s::time AS local_t, %s::date AS local_d,
           %s::text AS tz, %s::jsonb AS default_lead, %s::int AS default_cap, %s::interval AS requeue,
           %s::int AS max_lead, %s::int AS max_nudges, %s::text AS family
),
r (patient_id, user_id, is_family, sees_confidential) AS (
    SELECT f.patient_id, f.user_id, TRUE, f.sees FROM ({family}) AS f (patient_id, user_id, sees)
    UNION ALL
    SELECT s.patient_id, s.clinician_id, FALSE, TRUE FROM ({care}) AS s (patient_id, clinician_id)
),
rc AS MATERIALIZED (
    SELECT r.patient_id, r.user_id, r.is_family, r.sees_confidential,
        CASE WHEN rp.id IS NULL THEN u.role = k.family ELSE rp.email END AS on_email,
        CASE WHEN rp.id IS NULL THEN TRUE ELSE rp.portal END AS on_portal,
        COALESCE(rp.sms AND u.phone <> '', FALSE) AS on_sms,
        ARRAY(
            SELECT d.v
            FROM (
                SELECT trunc(e::numeric)::int AS v
                FROM jsonb_array_elements_text(
                    CASE WHEN rp.id IS NULL OR jsonb_typeof(rp.lead_days) <> 'array'
                              OR jsonb_array_length(rp.lead_days) = 0
                         THEN k.default_lead ELSE rp.lead_days END
                ) AS e
            ) AS d
            WHERE rp.id IS NULL OR d.v BETWEEN 0 AND k.max_lead
        ) AS lead,
        CASE WHEN rp.id IS NULL THEN k.default_cap
             WHEN rp.overdue_nudges THEN LEAST(rp.overdue_nudge_cap, k.max_nudges)
             ELSE 0 END AS nudge_cap,
        CASE
            WHEN rp.quiet_start IS NULL OR rp.quiet_end IS NULL OR rp.quiet_start = rp.quiet_end THEN k.now
            WHEN (rp.quiet_start < rp.quiet_end AND rp.quiet_start <= k.local_t AND k.local_t < rp.quiet_end)
              OR (rp.quiet_start > rp.quiet_end AND (k.local_t >= rp.quiet_start OR k.local_t < rp.quiet_end))
            THEN ((CASE WHEN k.local_t < rp.quiet_end THEN k.local_d ELSE k.local_d + 1 END) + rp.quiet_end)
                 AT TIME ZONE k.tz
            ELSE k.now
        END AS quiet_until
    FROM r
    CROSS JOIN k
    JOIN {user} u ON u.id = r.user_id AND u.is_active
    LEFT JOIN {pref} rp ON rp.user_id = r.user_id
),
i (id, patient_id, due_on, family_full, family_narrow) AS ({items}),
c AS (
    SELECT i.id AS item_id, rc.user_id, i.due_on, rc.on_email, rc.on_portal, rc.on_sms, rc.quiet_until, kk.kind
    FROM rc
    JOIN i ON i.patient_id = rc.patient_id
    CROSS JOIN k
    -- OFFSET 0: the kind is worked out once per pair (inlined, it ran twice: in the filter and the row)
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN i.due_on >= k.today THEN (
                SELECT 'lead-' || min(v) FROM unnest(rc.lead) AS v WHERE v >= i.due_on - k.today
            )
            WHEN (k.today - i.due_on) / 7 BETWEEN 1 AND rc.nudge_cap THEN 'overdue-' || ((k.today - i.due_on) / 7)
        END AS kind
        OFFSET 0
    ) AS kk
    WHERE NOT rc.is_family OR (i.family_full AND (i.family_narrow OR rc.sees_confidential))
),
created AS (
    INSERT INTO {reminder}
        (item_id, recipient_id, channel, kind, due_date, status, attempts, not_before, enqueue_at, last_error,
         created_at)
    SELECT c.item_id, c.user_id, ch.channel, c.kind, c.due_on, %s, 0, ch.not_before,
           CASE WHEN ch.not_before <= k.now THEN k.now + k.requeue ELSE ch.not_before END, '', k.now
    FROM c
    CROSS JOIN k
    CROSS JOIN LATERAL (
        VALUES (%s, c.on_email, c.quiet_until), (%s, c.on_portal, k.now), (%s, c.on_sms, c.quiet_until)
    ) AS ch (channel, wanted, not_before)
    WHERE c.kind IS NOT NULL AND ch.wanted
    ORDER BY c.item_id
    ON CONFLICT (item_id, recipient_id, channel, kind, due_date) DO NOTHING
    RETURNING id, not_before <= %s::timestamptz AS ready
)
SELECT count(*), COALESCE(array_agg(id) FILTER (WHERE ready), '{{}}') FROM created
"""


def _insert_chunk_postgresql(today: date, now: datetime, lo: int, hi: int) -> tuple[int, list[int]]:
    family_sql, family_params = _family_recipients(today, lo, hi)
    care_sql, care_params = _care_team_recipients(lo, hi)
    items_sql, items_params = _chunk_items(today, now, lo, hi)
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
        items=items_sql,
        user=User._meta.db_table,
        pref=ReminderPreference._meta.db_table,
        reminder=Reminder._meta.db_table,
    )
    params = [
        *constants,
        *family_params,
        *care_params,
        *items_params,
        ReminderStatus.PENDING,
        Channel.EMAIL,
        Channel.PORTAL,
        Channel.SMS,
        now,
    ]
    with connection.cursor() as cursor:
        # The statement's estimated cost switches PostgreSQL's JIT on, and compiling it took ~170 ms
        # of ~870 ms per 20,000-item chunk; the plan is simple hash joins that gain nothing from it.
        # The portal's connections already run without JIT (settings: OPTIONS "-c jit=off"); this
        # keeps the sweep's statement without it where a deployment gives its own OPTIONS.
        cursor.execute("SET LOCAL jit = off")
        # No wait for the WAL flush at this chunk's commit: a crash may lose the last chunks' rows, and
        # the next sweep (idempotent, every few minutes) creates them again, and a worker handed the id
        # of a lost row finds no row and sends nothing, so nothing is lost or sent twice.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # A plan gone wrong fails this chunk (sweep() logs it and goes on) instead of holding the sweep.
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [str(settings.REMINDER_SWEEP_STATEMENT_TIMEOUT_MS)]
        )
        cursor.execute(sql, params)
        created, ready = cursor.fetchone()
    return created, ready


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
