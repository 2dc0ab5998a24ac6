"""Database-backed paths at realistic sizes, on the real PostgreSQL.

Targets: seed_demo with 10,000 children < 60 s (issue 2); the clinician record page with a
300-entry timeline < 300 ms. The reminder sweep and delivery: benchmarks/test_reminder_pipeline.py.
"""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from patients.models import Patient
from tests.conftest import signed_in_client
from tests.factories import CareTeamMembershipFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_10000_patients(benchmark):
    def run():
        call_command("seed_demo", "--patients", "10000", "--password", "bench-password-1", "--allow-without-debug")

    benchmark.pedantic(run, rounds=1, iterations=1)
    assert Patient.objects.count() >= 10_000
    assert benchmark.stats.stats.max < 60, "issue 2: seed_demo --patients 10000 must finish in under a minute"


def test_record_page_with_long_timeline(benchmark):
    from patients.models import TimelineEntry

    child = PatientFactory()
    clinician = CareTeamMembershipFactory(patient=child).clinician
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                patient=child, kind="appointment", occurred_on=date(2024, 1, 1) + timedelta(days=i), title=f"Visit {i}"
            )
            for i in range(300)
        ]
    )
    client = signed_in_client(clinician)
    url = f"/patients/{child.pk}/"

    response = benchmark(client.get, url)
    assert response.status_code == 200
