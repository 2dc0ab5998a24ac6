"""The audit admin over a 1,000,000-row trail (partitioned by month on PostgreSQL).

Target (issue 11, point 6): the change list, an exact email search, an MRN search and a filter each answer in
at most 200 ms (measured before: 1.7 s for the list, 5.2 s with an email search).
"""

import statistics
import time

import pytest
from django.db import connection
from django.urls import reverse

from benchmarks import table
from tests.conftest import signed_in_client
from tests.factories import AdminFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 1_000_000
TARGET_SECONDS = 0.2


def _fill(patient_ids: list[int]) -> None:
    """A million rows over ten months (written in SQL: the bench is about reading them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT care_audit_create_partition((now() - n * interval '1 month')::date) FROM generate_series(0, 11) n"
        )
        cursor.execute(
            "INSERT INTO care_auditevent (at, user_email, patient_id, action, object_type, object_id, purpose,"
            " user_agent, path, detail, prev_hash, row_hash)"
            " SELECT now() - n * interval '25 seconds', 'user' || (n %% 1000) || '@example.org',"
            " (%s::bigint[])[1 + n %% %s], CASE WHEN n %% 3 = 0 THEN 'list' ELSE 'view' END, 'patient', '',"
            " 'normal', '', '', '', '', '' FROM generate_series(1, %s) n",
            [patient_ids, len(patient_ids), ROWS],
        )
        cursor.execute("ANALYZE care_auditevent")


def test_audit_admin_at_a_million_rows(benchmark):
    patients = PatientFactory.create_batch(50)
    _fill([p.pk for p in patients])
    client = signed_in_client(AdminFactory())
    url = reverse("admin:care_auditevent_changelist")

    def timed(params: dict) -> float:
        """The median of three requests (the machine is shared: one request alone is noisy)."""
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200 and len(response.context["cl"].result_list) == 50
        return statistics.median(times)

    timed({})  # warm the caches once
    searches = {
        "email search": timed({"q": "user7@example.org"}),
        "MRN search": timed({"q": patients[3].mrn}),
        "filtered by action": timed({"action__exact": "list"}),
    }
    deep = timed({"p": "100"})  # reported, not a target: OFFSET pages cost what they skip
    benchmark.extra_info.update({"page 100": round(deep, 3), **{k: round(v, 3) for k, v in searches.items()}})
    benchmark.pedantic(lambda: client.get(url), rounds=5, iterations=1)
    listing = benchmark.stats.stats.median
    slow = {k: v for k, v in searches.items() if v > TARGET_SECONDS}
    table.record(  # the one audit row of the table: the email search, with the other requests beside it
        f"Admin audit list, {ROWS:,} rows (partitioned by month), email search",
        "≤ 200 ms",
        f"{searches['email search'] * 1000:.0f} ms (median of 3); list {listing * 1000:.0f} ms, MRN search "
        f"{searches['MRN search'] * 1000:.0f} ms, action filter {searches['filtered by action'] * 1000:.0f} ms, "
        f"page 100 {deep * 1000:.0f} ms",
        "-",
        listing <= TARGET_SECONDS and not slow,
        7,
    )
    assert listing <= TARGET_SECONDS, "the audit list must answer in 200 ms at 1M rows"
    assert not slow, f"over 200 ms at 1M rows: {slow}"
