"""The clinician worklist as the hospital grows (issue 11, point 5), on the real PostgreSQL.

Target: the worklist's p95 grows at most 1.2x from 1,265 to 12,414 children in the database, for a
clinician whose own teams hold the same 260 children (250 through a named team, 10 per-child), each
child with a running phase, a risk result, follow-ups (two overdue), results and a family question.
The same for a search with a typo ("Jonh"). Sizes: BENCH_WORKLIST_SMALL / BENCH_WORKLIST_LARGE.
"""

from __future__ import annotations

import os
import statistics
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from benchmarks import twin_database
from education.models import FamilyQuestion
from patients.late_effects.models import CarePlan, FollowUpItem
from patients.models import Patient, RiskAssessment, TimelineEntry, TreatmentPhase
from portal.care.models import CareTeam, CareTeamChild, CareTeamMember, CareTeamMembership
from tests.conftest import signed_in_client
from tests.factories import ClinicianFactory, FamilyUserFactory
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = int(os.environ.get("BENCH_WORKLIST_SMALL", "1265"))
LARGE = int(os.environ.get("BENCH_WORKLIST_LARGE", "12414"))
MINE_BY_TEAM, MINE_DIRECT, PER_TEAM = 250, 10, 250
ROUNDS = 100


def _add_children(start: int, count: int, ruleset, family) -> list[Patient]:
    """`count` children with a full worklist row each, by bulk INSERTs."""
    today = timezone.localdate()
    names = ["John", "Maria", "Lucas", "Sofia", "Amir", "Lena", "Noah", "Ines"]
    children = Patient.objects.bulk_create(
        Patient(
            mrn=f"B{start + i:07d}",
            given_name=names[(start + i) % len(names)],
            family_name=f"Family{start + i}",
            date_of_birth=today - timedelta(days=2000 + i % 3000),
        )
        for i in range(count)
    )
    TreatmentPhase.objects.bulk_create(
        TreatmentPhase(patient=c, key="maintenance", actual_start=today - timedelta(days=i % 90))
        for i, c in enumerate(children)
    )
    RiskAssessment.objects.bulk_create(
        RiskAssessment(patient=c, scheme="nci_rome", scheme_version="1996", source="s", inputs={}, group="standard")
        for c in children
    )
    plans = CarePlan.objects.bulk_create(CarePlan(patient=c, ruleset=ruleset, exposures={}) for c in children)
    FollowUpItem.objects.bulk_create(
        FollowUpItem(
            patient_id=plan.patient_id,
            plan=plan,
            ruleset=ruleset,
            slot=f"slot{k}",
            screening_key=f"slot{k}",
            what="Screening",
            why="Because.",
            late_effect="Late effect",
            due_on=today + timedelta(days=offset),
        )
        for plan in plans
        for k, offset in enumerate((-30, -3, 20, 200))
    )
    TimelineEntry.objects.bulk_create(
        TimelineEntry(patient=c, kind=kind, occurred_on=today, title="Result")
        for c in children
        for kind in ("lab", "mrd")
    )
    FamilyQuestion.objects.bulk_create(FamilyQuestion(patient=c, created_by=family, text="Q?") for c in children)
    return children


def _hospital(total: int, state: dict) -> None:
    """Grow the database to `total` children: the clinician's 260 first, the rest on other teams."""
    have = Patient.objects.count()
    if not state:
        state["ruleset"] = load_default_ruleset()
        state["family"] = FamilyUserFactory()
        state["clinician"] = ClinicianFactory()
        mine = _add_children(0, MINE_BY_TEAM + MINE_DIRECT, state["ruleset"], state["family"])
        team = CareTeam.objects.create(name="Mine")
        CareTeamMember.objects.create(team=team, clinician=state["clinician"])
        CareTeamChild.objects.bulk_create(CareTeamChild(team=team, patient=c) for c in mine[:MINE_BY_TEAM])
        CareTeamMembership.objects.bulk_create(
            CareTeamMembership(patient=c, clinician=state["clinician"]) for c in mine[MINE_BY_TEAM:]
        )
        have = len(mine)
    others = _add_children(have, total - have, state["ruleset"], state["family"])
    for n in range(0, len(others), PER_TEAM):
        team = CareTeam.objects.create(name=f"Team {have + n}")
        CareTeamMember.objects.create(team=team, clinician=ClinicianFactory())
        CareTeamChild.objects.bulk_create(CareTeamChild(team=team, patient=c) for c in others[n : n + PER_TEAM])
    with connection.cursor() as cursor:  # fresh planner statistics for both sizes, not autovacuum's timing
        cursor.execute("ANALYZE")


@pytest.mark.parametrize("url", ["/patients/", "/patients/?sort=-overdue&questions=on", "/patients/?q=Jonh"])
def test_worklist_p95_growth(benchmark, url):
    """Both sizes are timed in turn, 20 requests at a time: SMALL children in the test database, LARGE in
    a copy of it grown further (benchmarks/twin_database.py). Each size's p95 is the median of
    table.P95_SERIES series of 100 requests."""
    state: dict = {}
    _hospital(SMALL, state)
    client = signed_in_client(state["clinician"])
    with twin_database.copy_of_the_database() as twin:
        with twin_database.using(twin):
            _hospital(LARGE, state)
        small_p95s, large_p95s = twin_database.p95s_in_turn(client, url, [None, twin])
        with twin_database.using(twin):
            response = benchmark.pedantic(client.get, args=(url,), rounds=ROUNDS, iterations=1)
    small, large = statistics.median(small_p95s), statistics.median(large_p95s)
    assert response.status_code == 200 and b"Family" in response.content
    info = benchmark.extra_info
    info.update(small_children=SMALL, large_children=LARGE, p95_small_ms=small * 1000, p95_large_ms=large * 1000)
    info["growth"] = large / small
    growth = f"x{large / small:.2f}"
    print(f"\n{url}: p95 {small * 1000:.1f} ms at {SMALL} children, {large * 1000:.1f} ms at {LARGE}: {growth}")
    assert large / small <= 1.2, f"issue 11.5: worklist p95 grew x{large / small:.2f} from {SMALL} to {LARGE} children"
