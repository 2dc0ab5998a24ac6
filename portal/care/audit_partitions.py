"""The audit trail's month partitions on PostgreSQL: created ahead, detached after the retention period.

Migration 0006 made care_auditevent range-partitioned by month of `at` (UTC), with a DEFAULT
partition for rows of a month nobody created. ensure_partitions() creates this month's and the
next AUDIT_PARTITION_MONTHS_AHEAD months' partitions through care_audit_create_partition() (a
SECURITY DEFINER function, so the application role can call it; idempotent). The beat task
portal.care.tasks.create_audit_partitions runs it daily, well before a month starts: once rows of
a month sit in the DEFAULT partition, that month's partition can no longer be created (the rows
would have to move, and the trail refuses DELETE).

detach_expired() detaches the months that ended more than AUDIT_RETENTION_YEARS ago (run by
`manage.py audit_partitions --detach-expired` as the owner role: detaching needs ALTER on the
table). A detached month stays in the database as a plain table of its own, still with its rows
and hashes, for the archive (pg_dump, then DROP); an AuditArchive row remembers it, and the hashes
at its id boundary so the remaining chain still verifies. SQLite has no partitions: these do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from portal.care.models import AuditArchive, AuditEvent

TABLE = AuditEvent._meta.db_table
_MONTH_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


@dataclass(frozen=True)
class Partition:
    name: str
    first_day: date

    @property
    def end(self) -> date:
        return add_months(self.first_day, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month(day: date) -> date:
    return day.replace(day=1)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()  # partitions are months in UTC


def is_partitioned(using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row and row[0])


def partitions(using: str = DEFAULT_DB_ALIAS) -> list[Partition]:
    """The month partitions attached now, oldest first (the DEFAULT partition is not listed)."""
    if not is_partitioned(using):
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    found = []
    for name in names:
        match = _MONTH_NAME.match(name)
        if match:
            found.append(Partition(name, date(int(match[1]), int(match[2]), 1)))
    return sorted(found, key=lambda p: p.first_day)


def ensure_partitions(
    *, months_ahead: int | None = None, today: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Create this month's partition and the next `months_ahead` ones if missing. Returns their names."""
    if not is_partitioned(using):
        return []
    ahead = settings.AUDIT_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    first = _month(today or _today())
    months = [add_months(first, n) for n in range(ahead + 1)]
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT care_audit_create_partition(m) FROM unnest(%s::date[]) AS m", [months])
        return [name for (name,) in cursor.fetchall()]


def retention_cutoff(*, years: int | None = None, today: date | None = None) -> date:
    """Months ending on or before this day are past retention."""
    years = settings.AUDIT_RETENTION_YEARS if years is None else years
    return add_months(_month(today or _today()), -12 * years)


def expired(*, years: int | None = None, today: date | None = None, using: str = DEFAULT_DB_ALIAS) -> list[Partition]:
    cutoff = retention_cutoff(years=years, today=today)
    return [p for p in partitions(using) if p.end <= cutoff]


def detach_expired(
    *, years: int | None = None, today: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[AuditArchive]:
    """Detach every month past retention, oldest first, and record each in AuditArchive."""
    done = []
    for partition in expired(years=years, today=today, using=using):
        done.append(_detach(partition, using))
    return done


@transaction.atomic
def _detach(partition: Partition, using: str) -> AuditArchive:
    connection = connections[using]
    name = connection.ops.quote_name(partition.name)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {connection.ops.quote_name(TABLE)} DETACH PARTITION {name}")
        cursor.execute(f"SELECT count(*), max(id) FROM {name}")  # noqa: S608 (a quoted partition name)
        rows, last_id = cursor.fetchone()
        # Ids interleave a little at a month's edge (`at` is taken before the id): keep the hashes
        # of the detached rows from the predecessor of the first remaining id onwards.
        cursor.execute(
            f"SELECT row_hash FROM {name} WHERE row_hash <> '' AND id >= COALESCE("  # noqa: S608
            f"  (SELECT max(d.id) FROM {name} d WHERE d.id < (SELECT min(id) FROM {TABLE})),"
            f"  (SELECT max(id) FROM {name})) ORDER BY id"
        )
        boundary = [h for (h,) in cursor.fetchall()]
    return AuditArchive.objects.using(using).create(
        partition=partition.name, first_day=partition.first_day, rows=rows, last_id=last_id, boundary_hashes=boundary
    )


def archived_hashes(using: str = DEFAULT_DB_ALIAS) -> frozenset[str]:
    """Row hashes of detached months that rows still in the table may chain onto (verify_audit)."""
    hashes: set[str] = set()
    for boundary in AuditArchive.objects.using(using).values_list("boundary_hashes", flat=True):
        hashes.update(boundary)
    return frozenset(hashes)


def archived_extent(using: str = DEFAULT_DB_ALIAS) -> dict:
    """How many rows detached months hold and the last id among them (verify_audit's anchor check)."""
    totals = AuditArchive.objects.using(using).aggregate(rows=Sum("rows"), through=Max("last_id"))
    return {"archived_rows": totals["rows"] or 0, "archived_through": totals["through"]}
