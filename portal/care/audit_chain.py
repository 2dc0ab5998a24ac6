"""The audit trail's hash chain: each row stores the hash of the row before it and its own.

row_hash = SHA-256 over a canonical serialisation (JSON, fixed field order, UTC timestamps with
microseconds, normalised IP addresses) of the row's fields and prev_hash. Rows are chained in id
order. Linking happens at insert (AuditEvent.save and AuditEventQuerySet.bulk_create call link())
inside the inserting transaction; on PostgreSQL under a transaction-scoped advisory lock, so two
transactions never chain onto the same predecessor: the second waits until the first commits or
rolls back, then reads the newest committed row. Ids come from the sequence after the lock is
taken, so id order is chain order. (This relies on READ COMMITTED, the default: a REPEATABLE READ
transaction that read before taking the lock would not see the row it waited for.)

On SQLite the portal's IMMEDIATE transactions already serialise writers.

verify() walks the rows in id order and names the first row whose hash does not match its
contents (an edit) or whose prev_hash does not match the row before it (a deletion, an insert
behind the application's back, or a rewritten predecessor). Rows written before the chain existed
(empty hashes) are accepted only as a prefix. A deletion of the newest rows cannot be seen from
the chain alone: every verification reports the head (row count, last id, last hash), and a head
recorded earlier outside the table (an anchor, check_anchor) must still be in the chain, with as
many rows up to it, so cutting the tail off is found too. Months detached after the retention
period are accepted through the hashes recorded at their id boundary (portal/care/audit_partitions.py),
and their rows count towards an anchor's.

This module does not import the models (they import it); callers pass the table and values.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC

from django.db import connections

GENESIS = "0" * 64
# The fields covered by the hash, in this order. Changing it needs a new VERSION.
FIELDS = (
    "at",
    "user_id",
    "user_email",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "ip_address",
    "user_agent",
    "path",
    "detail",
)
VERSION = "v1"
# One row: the newest row_hash (models.AuditChainHead), so linking never scans the partitions.
HEAD_TABLE = "care_auditchainhead"
HEAD_UPSERT = (
    f"INSERT INTO {HEAD_TABLE} (id, row_hash) VALUES (1, %s) "  # noqa: S608 (a constant table)
    "ON CONFLICT (id) DO UPDATE SET row_hash = EXCLUDED.row_hash"
)
ADVISORY_LOCK_KEY = 0x61756469745F63  # "audit_c": one lock for the whole chain


def _canonical_value(name: str, value):
    if value is None:
        return None
    if name == "at":
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if name == "ip_address":
        if not value:
            return None
        try:
            return ipaddress.ip_address(str(value)).compressed
        except ValueError:
            return str(value)
    return value


# json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str) of a flat list is its
# items so encoded, joined by commas in brackets: chain() encodes a value shared by rows only once.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def digest(prev_hash: str, values: Sequence) -> str:
    """The hash of one row: its FIELDS values (in order) and its predecessor's hash."""
    return _hash(prev_hash, ",".join(_encode(_canonical_value(n, v)) for n, v in zip(FIELDS, values, strict=True)))


def _hash(prev_hash: str, encoded_fields: str) -> str:
    encoded = f"[{_encode(VERSION)},{_encode(prev_hash)},{encoded_fields}]"
    return hashlib.sha256(encoded.encode()).hexdigest()


def link(events: Iterable, *, table: str, using: str, move_head: bool = True) -> str:
    """Set prev_hash and row_hash on unsaved events. Call inside the transaction that inserts them.

    The predecessor's hash is read from the head row (HEAD_TABLE) and the head is moved to the last
    new hash in the same transaction (by the caller, in its INSERT, when `move_head` is False: see
    HEAD_UPSERT); without a head row (a new or restored database) the table's newest row is read
    instead, once. Returns the last new hash.
    """
    connection = connections[using]
    events = list(events)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: without parameters both statements go in one simple query, and the
            # second takes its snapshot after the lock is granted, so it sees the latest committed head.
            cursor.execute(lock_and_read_head(connection))
            cursor.nextset()
        else:
            cursor.execute(_read_head(connection))
        prev = head_hash(cursor, connection, table)
        prev = chain(events, prev)
        if events and move_head:
            cursor.execute(HEAD_UPSERT, [prev])
    return prev


def _read_head(connection) -> str:
    return f"SELECT row_hash FROM {connection.ops.quote_name(HEAD_TABLE)} WHERE id = 1"  # noqa: S608 (a constant)


def lock_and_read_head(connection) -> str:
    """PostgreSQL: take the chain's lock, then read the head (two statements, one simple query)."""
    return f"SELECT pg_advisory_xact_lock({int(ADVISORY_LOCK_KEY)}); {_read_head(connection)}"


def head_hash(cursor, connection, table: str) -> str:
    """The newest hash, from the head query's result on `cursor`; without a head row (a new or
    restored database) the table's newest row is read instead."""
    row = cursor.fetchone()
    if row is None:
        newest = f"SELECT row_hash FROM {connection.ops.quote_name(table)} ORDER BY id DESC LIMIT 1"  # noqa: S608
        cursor.execute(newest)
        row = cursor.fetchone()
    return row[0] if row and row[0] else GENESIS


def chain(events: list, prev: str) -> str:
    """Set prev_hash and row_hash on each event in order, after `prev`; returns the last hash.

    The rows of one request share most values (time, user, address, path): each distinct value is
    canonicalised and encoded once, not once a row (digest() gives the same hashes)."""
    encoded: dict[tuple, str] = {}

    def part(name: str, value) -> str:
        key = (name, value)
        if key not in encoded:
            encoded[key] = _encode(_canonical_value(name, value))
        return encoded[key]

    for event in events:
        event.prev_hash = prev
        event.row_hash = prev = _hash(prev, ",".join(part(name, getattr(event, name)) for name in FIELDS))
    return prev


@dataclass(frozen=True)
class Head:
    """Where the chain ended when it was verified: rows (chained and legacy), the last id and hash."""

    rows: int = 0
    last_id: int | None = None
    last_hash: str = ""

    def __str__(self) -> str:
        return f"{self.rows}:{self.last_id or 0}:{self.last_hash or '-'}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """The inverse of str(): "ROWS:LAST_ID:LAST_HASH"."""
        try:
            rows, last_id, last_hash = text.strip().split(":")
            head = cls(int(rows), int(last_id) or None, "" if last_hash == "-" else last_hash)
        except ValueError:
            raise ValueError(f"not a head (ROWS:LAST_ID:LAST_HASH): {text.strip()!r}") from None
        if head.rows < 0 or (head.last_hash and len(head.last_hash) != 64):
            raise ValueError(f"not a head (ROWS:LAST_ID:LAST_HASH): {text.strip()!r}")
        return head


@dataclass(frozen=True)
class Verdict:
    checked: int
    legacy: int
    problem: str = ""
    row_id: int | None = None
    head: Head = Head()

    @property
    def ok(self) -> bool:
        return not self.problem


def verify(rows: Iterable[Sequence], archived: frozenset[str] = frozenset()) -> Verdict:
    """rows: (id, prev_hash, row_hash, *FIELDS) in id order. Stops at the first problem.

    `archived`: row hashes of detached months that a remaining row may name as its predecessor."""
    checked = legacy = 0
    expected: str | None = None  # None while in the unchained (legacy) prefix
    previous_id = None
    for row_id, prev_hash, row_hash, *values in rows:
        if not row_hash:
            if expected is None:
                legacy += 1
                previous_id = row_id
                continue
            return Verdict(checked, legacy, f"row {row_id} carries no hash: written behind the application", row_id)
        if expected is None:
            expected = GENESIS
        if prev_hash != expected and prev_hash not in archived:
            where = f"after row {previous_id}" if previous_id is not None else "at the start of the trail"
            return Verdict(
                checked,
                legacy,
                f"chain broken at row {row_id}: its previous hash does not match the row {where} "
                "(a row between them was deleted, or one was inserted or rewritten with its hash)",
                row_id,
            )
        if digest(prev_hash, values) != row_hash:
            return Verdict(checked, legacy, f"row {row_id} was changed: its contents do not match its hash", row_id)
        checked += 1
        expected = row_hash
        previous_id = row_id
    return Verdict(checked, legacy, head=Head(checked + legacy, previous_id, expected or ""))


def check_anchor(queryset, anchor: Head, *, archived_rows: int = 0, archived_through: int | None = None) -> str:
    """What is wrong with the trail against a head recorded earlier ("" when nothing).

    Call after verify() passed: then the anchored row still carrying its hash, with as many rows up
    to it as then, means nothing up to the anchor was removed, and the chain covers what came after.
    Rows of detached months count towards the anchor's; an anchor inside them is checked with the archive.
    """
    if anchor.last_id is None or (archived_through is not None and anchor.last_id <= archived_through):
        return ""
    kept = queryset.filter(id=anchor.last_id).values_list("row_hash", flat=True).first()
    if kept is None:
        return (
            f"the anchored head, row {anchor.last_id}, is gone: the newest rows of the trail were deleted "
            f"(the anchor counted {anchor.rows} rows up to it)"
        )
    if kept != anchor.last_hash:
        return f"row {anchor.last_id} no longer carries the anchored hash: the tail of the trail was rewritten"
    rows = queryset.filter(id__lte=anchor.last_id).count() + archived_rows
    if rows != anchor.rows:
        return f"{rows} rows up to the anchored row {anchor.last_id}, the anchor counted {anchor.rows}"
    return ""


def stream(queryset, chunk_size: int = 10_000) -> Iterator[tuple]:
    """(id, prev_hash, row_hash, *FIELDS) in id order, read in keyset chunks (no OFFSET, no long cursor)."""
    columns = ("id", "prev_hash", "row_hash", *FIELDS)
    base = queryset.order_by("id").values_list(*columns)
    last = None
    while True:
        chunk = list((base if last is None else base.filter(id__gt=last))[:chunk_size])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]
