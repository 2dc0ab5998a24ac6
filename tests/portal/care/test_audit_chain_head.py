"""The chain head (AuditChainHead): linking a row reads one row, never the partitioned trail."""

from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.care import audit
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
