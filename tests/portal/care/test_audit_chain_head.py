"""The chain head (AuditChainHead): linking a row reads one row, never the partitioned trail."""

from itertools import pairwise

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.care import audit, audit_chain
from portal.care.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def newest_hash() -> str:
    return AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()


def test_the_head_follows_the_newest_row_through_every_way_of_writing(clinician, patient, other_patient):
    audit.record(clinician, "view", patient=patient)
    assert AuditChainHead.objects.get().row_hash == newest_hash()
    audit.record_many(clinician, "list", [patient, other_patient])
    assert AuditChainHead.objects.get().row_hash == newest_hash()
    audit.record_events(clinician, [{"action": "view"}, {"action": "list"}], patient=patient)
    assert AuditChainHead.objects.get().row_hash == newest_hash()
    rows = list(AuditEvent.objects.order_by("id"))
    assert all(b.prev_hash == a.row_hash for a, b in pairwise(rows))


def test_linking_reads_the_head_and_not_the_trail(clinician, patient):
    audit.record(clinician, "view", patient=patient)
    with CaptureQueriesContext(connection) as ctx:
        audit.record_many(clinician, "list", [patient])
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "row_hash" in q["sql"]]
    assert reads and all("care_auditchainhead" in sql and "ORDER BY" not in sql for sql in reads)


def test_without_a_head_the_newest_row_is_read_once(clinician, patient):
    audit.record(clinician, "view", patient=patient)
    AuditChainHead.objects.all().delete()  # a database restored without it
    audit.record(clinician, "view", patient=patient)
    first, second = AuditEvent.objects.order_by("id")
    assert second.prev_hash == first.row_hash
    assert AuditChainHead.objects.get().row_hash == second.row_hash


# --- Outside a transaction: the rows' own, in two round trips ---------------------------------------


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the own-transaction path is PostgreSQL's")


def transaction_status() -> int:
    return connection.connection.info.transaction_status


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_rows_are_chained_in_two_round_trips(clinician, patient, other_patient):
    postgres_only()
    audit.record(clinician, "view", patient=patient)
    with CaptureQueriesContext(connection) as ctx:
        audit.record_many(clinician, "list", [patient, other_patient])
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 2
    assert sql[0].startswith("BEGIN; SELECT pg_advisory_xact_lock(")
    assert "INSERT INTO" in sql[1] and sql[1].rstrip().endswith("COMMIT")
    assert transaction_status() == 0  # idle: committed, nothing left open
    rows = list(AuditEvent.objects.order_by("id"))
    assert len(rows) == 3 and all(b.prev_hash == a.row_hash for a, b in pairwise(rows))
    assert AuditChainHead.objects.get().row_hash == rows[-1].row_hash
    assert audit_chain.verify(audit_chain.stream(AuditEvent.objects.all())).ok


@pytest.mark.django_db(transaction=True)
def test_a_refused_insert_rolls_its_own_transaction_back(clinician, patient):
    postgres_only()
    audit.record(clinician, "view", patient=patient)
    head = AuditChainHead.objects.get().row_hash
    with pytest.raises(IntegrityError):  # no such child: the deferred foreign key refuses at COMMIT
        AuditEvent.objects.append([{**row(clinician), "patient_id": 987_654_321}])
    assert transaction_status() == 0
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get().row_hash == head
    audit.record_many(clinician, "list", [patient])  # the connection is still usable, the chain whole
    assert audit_chain.verify(audit_chain.stream(AuditEvent.objects.all())).ok


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_rows_join_it(clinician, patient):
    postgres_only()
    with transaction.atomic():
        audit.record_many(clinician, "list", [patient])
        assert transaction_status() == 2  # still the caller's transaction
        transaction.set_rollback(True)
    assert not AuditEvent.objects.exists()


def row(user) -> dict:
    fields = dict.fromkeys(audit_chain.FIELDS, "")
    return {
        **fields,
        "at": timezone.now(),
        "user_id": user.pk,
        "patient_id": None,
        "action": "list",
        "purpose": "normal",
        "ip_address": None,
    }
