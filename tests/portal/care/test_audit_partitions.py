"""The audit trail partitioned by month on PostgreSQL: partitions created ahead (beat task, idempotent),
rows routed to their month, old months detached after retention, and on every partition the
append-only trigger, the hash chain and the application role's narrow rights still hold."""

from datetime import UTC, date, datetime

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_celery_beat.models import PeriodicTask

from portal.care import audit, audit_chain, audit_partitions, tasks
from portal.care.models import AuditArchive, AuditEvent

from .test_audit_tamper_proof import APP, OWNER, connect_as, verify

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM care_auditevent WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def event_at(when: datetime, detail: str = "") -> AuditEvent:
    event = AuditEvent(at=when, action="view", purpose="system", detail=detail)
    event.save(force_insert=True)
    return event


def names() -> list[str]:
    return [p.name for p in audit_partitions.partitions()]


def test_indexes_lead_with_user_and_patient_and_the_foreign_keys_hold():
    """Who viewed this child, what this user opened: (patient, at) and (user, at), and no single-column
    copy of either (a write per row for nothing); the foreign keys still refuse a missing child."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"]]
    assert ["patient_id", "at"] in indexed and ["user_id", "at"] in indexed
    assert ["patient_id"] not in indexed and ["user_id"] not in indexed
    foreign = {c["columns"][0]: c["foreign_key"] for c in constraints.values() if c["foreign_key"]}
    assert foreign == {"patient_id": ("patients_patient", "id"), "user_id": ("accounts_user", "id")}
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent(action="view", purpose="system", patient_id=987_654_321).save(force_insert=True)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- Creating ahead ----------------------------------------------------------------------------------


def test_the_migration_made_a_partitioned_table_with_this_and_the_next_months():
    assert audit_partitions.is_partitioned()
    this_month = audit_partitions._today().replace(day=1)
    expected = [
        f"care_auditevent_y{d:%Y}m{d:%m}" for d in (audit_partitions.add_months(this_month, n) for n in range(4))
    ]
    assert set(expected) <= set(names())


def test_ensure_partitions_creates_the_next_months_idempotently():
    created = audit_partitions.ensure_partitions(months_ahead=2, today=date(2031, 11, 20))
    assert created == ["care_auditevent_y2031m11", "care_auditevent_y2031m12", "care_auditevent_y2032m01"]
    before = names()
    assert audit_partitions.ensure_partitions(months_ahead=2, today=date(2031, 11, 20)) == created
    assert names() == before


def test_the_beat_task_is_scheduled_and_creates_the_coming_months(settings):
    settings.AUDIT_PARTITION_MONTHS_AHEAD = 5
    created = tasks.create_audit_partitions.run()
    assert len(created) == 6 and set(created) <= set(names())
    call_command("sync_schedule", verbosity=0)
    assert (
        PeriodicTask.objects.get(name="audit trail month partitions").task
        == "portal.care.tasks.create_audit_partitions"
    )


def test_a_row_lands_in_its_month_and_a_month_nobody_created_in_the_default_partition():
    audit_partitions.ensure_partitions(months_ahead=0, today=date(2031, 5, 1))
    future = event_at(datetime(2031, 5, 31, 23, 59, 59, tzinfo=UTC))
    edge = event_at(datetime(2031, 6, 1, 0, 0, tzinfo=UTC))
    assert partition_of(future) == "care_auditevent_y2031m05"
    assert partition_of(edge) == "care_auditevent_default"
    assert AuditEvent.objects.filter(pk__in=[future.pk, edge.pk]).count() == 2
    assert verify().startswith("audit trail intact: 2 chained rows")


def test_the_command_creates_ahead_and_refuses_bad_values(capsys):
    call_command("audit_partitions", ahead=1)
    assert "care_auditevent_y" in capsys.readouterr().out
    with pytest.raises(Exception, match="--ahead"):
        call_command("audit_partitions", ahead=-1)


# --- Detaching after retention ------------------------------------------------------------------------


def test_months_past_retention_are_detached_kept_for_the_archive_and_the_chain_still_verifies(settings):
    settings.AUDIT_RETENTION_YEARS = 6
    audit_partitions.ensure_partitions(months_ahead=1, today=date(2018, 3, 1))
    old = [event_at(datetime(2018, 3, 10, tzinfo=UTC), "old"), event_at(datetime(2018, 4, 2, tzinfo=UTC), "old")]
    recent = [audit.record(None, "login_failed", user_email="a@example.org") for _ in range(2)]

    # Within retention nothing goes; six years on, both 2018 months do.
    assert audit_partitions.detach_expired(today=date(2024, 3, 31)) == []
    archived = audit_partitions.detach_expired(today=date(2024, 5, 3))
    assert [a.partition for a in archived] == ["care_auditevent_y2018m03", "care_auditevent_y2018m04"]
    assert "care_auditevent_y2018m03" not in names() and "care_auditevent_y2018m04" not in names()
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [e.pk for e in reversed(recent)]
    with connection.cursor() as cursor:  # the detached month is a table of its own, rows and hashes intact
        cursor.execute("SELECT id, row_hash FROM care_auditevent_y2018m04")
        assert cursor.fetchall() == [(old[1].pk, old[1].row_hash)]
    assert AuditArchive.objects.get(partition="care_auditevent_y2018m04").boundary_hashes == [old[1].row_hash]

    # The remaining chain starts inside the archive: accepted through the recorded boundary only.
    assert verify().startswith("audit trail intact: 2 chained rows")
    rows = audit_chain.stream(AuditEvent.objects.all())
    assert "chain broken" in audit_chain.verify(rows).problem


# --- The trigger, the chain and the rights on every partition ----------------------------------------


def test_update_and_delete_are_refused_on_a_partition_itself():
    event = audit.record(None, "login_failed", user_email="b@example.org")
    partition = partition_of(event)
    assert partition != "care_auditevent"
    for sql in (
        f"UPDATE {partition} SET detail = 'x' WHERE id = %s",  # noqa: S608 (a partition's name)
        f"DELETE FROM {partition} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_app_role_reaches_partitions_only_through_the_parent(transactional_db, clinician, patient):
    call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)
    audit_partitions.ensure_partitions(months_ahead=1)  # as the owner-side migration role: still stripped
    event = audit.record(clinician, "view", patient=patient)
    partition = partition_of(event)
    with connect_as(APP) as conn:
        # Creating ahead works for the application role (the SECURITY DEFINER function).
        conn.execute("SELECT care_audit_create_partition(DATE '2032-07-01')")
        for sql in (
            f"SELECT * FROM {partition}",  # noqa: S608
            f"UPDATE {partition} SET detail = 'x'",  # noqa: S608
            f"DELETE FROM {partition}",  # noqa: S608
            f"TRUNCATE {partition}",
            "TRUNCATE care_auditevent_y2032m07",
            "ALTER TABLE care_auditevent DETACH PARTITION care_auditevent_y2032m07",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM care_auditevent").fetchone()[0] == 1
    assert verify().startswith("audit trail intact: 1 chained rows")
