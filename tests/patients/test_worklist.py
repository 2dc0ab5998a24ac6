"""The clinician worklist: columns, sort, filters, search, bad input, query count and the audit INSERT."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from education.models import FamilyQuestion
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus
from patients.models import RiskAssessment
from patients.worklist import WorklistQuery, worklist_page
from portal.care.models import (
    AuditAction,
    AuditEvent,
    CareTeam,
    CareTeamChild,
    CareTeamMember,
    CareTeamMembership,
    Notification,
)
from tests.conftest import signed_in_client
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import TimelineEntryFactory, TreatmentPhaseFactory
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db

URL = reverse("patients:list")


def follow_up(patient, due_on, slot):
    plan, _ = CarePlan.objects.get_or_create(
        patient=patient, defaults={"ruleset": load_default_ruleset(), "exposures": {}}
    )
    return FollowUpItem.objects.create(
        patient=patient,
        plan=plan,
        ruleset=plan.ruleset,
        slot=slot,
        screening_key=slot,
        what="Screening",
        why="Because.",
        late_effect="Late effect",
        due_on=due_on,
        status=FollowUpStatus.OPEN,
    )


def risk(patient, group, *, provisional=False, decided="", at=None):
    return RiskAssessment.objects.create(
        patient=patient,
        scheme="nci_rome",
        scheme_version="1996",
        source="s",
        inputs={},
        group=group,
        provisional=provisional,
        decided_group=decided,
        created_at=at or timezone.now(),
    )


@pytest.fixture
def ward(clinician, patient):
    """Three children on the clinician's teams with different states (one through a named team)."""
    today = timezone.localdate()
    other = ClinicianFactory()
    ana = PatientFactory(given_name="Ana", family_name="Zapata", status="on_therapy")
    ben = PatientFactory(given_name="Ben", family_name="Abbott", status="ltfu")
    team = CareTeam.objects.create(name="Ward 5")
    CareTeamMember.objects.create(team=team, clinician=clinician)
    CareTeamChild.objects.create(team=team, patient=ben)
    CareTeamMembershipFactory(patient=ana, clinician=clinician)
    patient.family_name, patient.given_name, patient.status = "Moreno", "Carla", "off_therapy"
    patient.save()
    # Ana: in consolidation since 9 days ago (an earlier, ended induction), provisional high risk.
    TreatmentPhaseFactory(
        patient=ana, key="induction", actual_start=today - timedelta(40), actual_end=today - timedelta(10)
    )
    TreatmentPhaseFactory(patient=ana, key="consolidation", actual_start=today - timedelta(9))
    risk(ana, "standard", at=timezone.now() - timedelta(days=3))
    risk(ana, "high", provisional=True)
    # Two overdue items and a next one; two new results by a colleague, one by me; an open question.
    follow_up(ana, today - timedelta(3), "echo")
    follow_up(ana, today - timedelta(1), "ecg")
    follow_up(ana, today + timedelta(20), "hearing")
    follow_up(ana, today + timedelta(50), "dexa")
    TimelineEntryFactory(patient=ana, kind="lab", created_by=other)
    TimelineEntryFactory(patient=ana, kind="mrd", created_by=other)
    TimelineEntryFactory(patient=ana, kind="lab", created_by=clinician)
    TimelineEntryFactory(patient=ana, kind="note", created_by=other)
    parent = FamilyLinkFactory(patient=ana).user
    FamilyQuestion.objects.create(patient=ana, created_by=parent, text="Q?")
    FamilyQuestion.objects.create(patient=ana, created_by=parent, text="Answered?", answered_at=timezone.now())
    Notification.objects.create(user=clinician, patient=ana, kind="x", title="t")
    Notification.objects.create(user=clinician, patient=ana, kind="x", title="t", read_at=timezone.now())
    Notification.objects.create(user=other, patient=ana, kind="x", title="t")
    # Ben: a decided risk group (overridden from provisional), nothing else.
    risk(ben, "standard", provisional=True, decided="high")
    return {"ana": ana, "ben": ben, "carla": patient, "today": today}


def rows_by_name(clinician, **query):
    page = worklist_page(clinician, WorklistQuery(**query))
    return {row.patient.given_name: row for row in page.rows}, page


def test_columns_on_a_fixture(clinician, ward):
    rows, page = rows_by_name(clinician)
    assert set(rows) == {"Ana", "Ben", "Carla"}  # a named team's child is on the list
    ana, ben = rows["Ana"], rows["Ben"]
    assert (ana.phase_name, ana.phase_day) == ("Consolidation", 10)
    assert (ana.risk_group, ana.risk_provisional) == ("High", True)
    assert (ana.overdue, ana.next_due) == (2, ward["today"] + timedelta(20))
    assert (ana.new_results, ana.open_questions, ana.unread) == (2, 1, 1)
    assert (ben.risk_group, ben.risk_provisional, ben.phase_name, ben.overdue, ben.next_due) == (
        "High",
        False,
        "",
        0,
        None,
    )
    assert [r.patient.family_name for r in page.rows] == ["Abbott", "Moreno", "Zapata"]


def test_new_results_count_only_what_came_after_my_last_look(clinician, clinician_client, ward):
    ana = ward["ana"]
    assert clinician_client.get(reverse("patients:detail", kwargs={"patient_id": ana.pk})).status_code == 200
    assert rows_by_name(clinician)[0]["Ana"].new_results == 0
    TimelineEntryFactory(patient=ana, kind="imaging", created_by=ClinicianFactory())
    assert rows_by_name(clinician)[0]["Ana"].new_results == 1


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ben", "Carla", "Ana"]),
        ("-name", ["Ana", "Carla", "Ben"]),
        ("overdue", ["Ben", "Carla", "Ana"]),
        ("-overdue", ["Ana", "Ben", "Carla"]),
        ("-questions", ["Ana", "Ben", "Carla"]),
        ("status", ["Ben", "Carla", "Ana"]),  # ltfu, off_therapy, on_therapy
        ("phase", ["Ana", "Ben", "Carla"]),  # no phase last
        ("next", ["Ana", "Ben", "Carla"]),
        ("bogus", ["Ben", "Carla", "Ana"]),  # unknown key: the default order
    ],
)
def test_sort(clinician, ward, sort, expected):
    _rows, page = rows_by_name(clinician, sort=sort)
    assert [row.patient.given_name for row in page.rows] == expected


def test_filters(clinician, ward):
    assert set(rows_by_name(clinician, status="ltfu")[0]) == {"Ben"}
    assert set(rows_by_name(clinician, phase="consolidation")[0]) == {"Ana"}
    assert set(rows_by_name(clinician, overdue=True)[0]) == {"Ana"}
    assert set(rows_by_name(clinician, questions=True)[0]) == {"Ana"}
    assert set(rows_by_name(clinician, status="ltfu", overdue=True)[0]) == set()


def test_search_plain_and_by_mrn(clinician, ward):
    assert set(rows_by_name(clinician, text="zapa")[0]) == {"Ana"}
    assert set(rows_by_name(clinician, text=ward["ben"].mrn.lower())[0]) == {"Ben"}
    assert set(rows_by_name(clinician, text="Ana Zapata")[0]) == {"Ana"}


def test_search_forgives_a_typo_on_postgresql(clinician, ward):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL only; SQLite has the plain fallback")
    john = PatientFactory(given_name="John", family_name="Carter")
    CareTeamMembershipFactory(patient=john, clinician=clinician)
    rows, page = rows_by_name(clinician, text="Jonh")
    assert "John" in rows
    assert page.rows[0].patient == john  # the most similar first
    assert "Ana" not in rows


def test_the_api_search_forgives_the_same_typo(clinician, ward):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL only; SQLite has the plain fallback")
    john = PatientFactory(given_name="John", family_name="Carter")
    CareTeamMembershipFactory(patient=john, clinician=clinician)
    client = signed_in_client(clinician)
    for path in ("/api/v1/patients/", "/api/patients/"):
        response = client.get(path, {"q": "Jonh"})
        assert response.status_code == 200, response.content
        assert [row["id"] for row in response.json()["results"]] == [john.pk]


ranked_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranking is PostgreSQL only; SQLite has the plain fallback in name order"
)


def _on_my_team(clinician, *, mrn=None, given_name="Zed", **names):
    child = PatientFactory(given_name=given_name, **names, **({"mrn": mrn} if mrn else {}))
    CareTeamMembershipFactory(patient=child, clinician=clinician)
    return child


@ranked_on_postgresql
def test_search_ranks_whole_names_then_starts_then_insides_then_typos(clinician, ward):
    for family in ("Mary", "Rosamaria", "Marino", "Mari"):
        _on_my_team(clinician, family_name=family)
    _rows, page = rows_by_name(clinician, text="MARI")
    # Scored by word similarity alone, the typo "Mary" (0.6) came before "Rosamaria" (0.4), which
    # holds the very letters typed.
    assert [row.patient.family_name for row in page.rows] == ["Mari", "Marino", "Rosamaria", "Mary"]


@ranked_on_postgresql
def test_search_ranks_the_whole_mrn_first(clinician, ward):
    longer = _on_my_team(clinician, family_name="Adams", mrn="LEU-1001")
    exact = _on_my_team(clinician, family_name="Young", mrn="LEU-100")
    _rows, page = rows_by_name(clinician, text="leu-100")
    assert [row.patient for row in page.rows] == [exact, longer]


@ranked_on_postgresql
def test_search_adds_up_the_words(clinician, ward):
    both = _on_my_team(clinician, given_name="Luz", family_name="Ortega")
    one = _on_my_team(clinician, given_name="Luzia", family_name="Ortega")
    _rows, page = rows_by_name(clinician, text="ortega luz")
    assert [row.patient for row in page.rows] == [both, one]  # 3 + 3 before 3 + 2


def test_search_words_are_matched_as_typed_not_as_patterns(clinician, ward):
    _on_my_team(clinician, family_name="Percent")
    assert set(rows_by_name(clinician, text="%")[0]) == set()
    assert set(rows_by_name(clinician, text="_")[0]) == set()


def test_paging_without_a_count(clinician, ward):
    first = worklist_page(clinician, WorklistQuery(), page_size=2)
    second = worklist_page(clinician, WorklistQuery(page=2), page_size=2)
    assert (first.has_next, second.has_next, second.has_previous) == (True, False, True)
    assert [r.patient.given_name for r in first.rows + second.rows] == ["Ben", "Carla", "Ana"]
    assert (second.start_index, second.end_index) == (3, 3)


def test_page_shows_columns_and_sort_links(clinician_client, ward):
    response = clinician_client.get(URL, {"sort": "-overdue", "overdue": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Zapata" in body and "Abbott" not in body
    assert 'aria-sort="descending"' in body
    assert "overdue=on&amp;sort=overdue" in body  # the header link reverses and keeps the filter
    assert "provisional" in body and "Consolidation" in body


@pytest.mark.parametrize(
    "params",
    [{"status": "nonsense"}, {"phase": "<script>"}, {"page": "abc"}, {"page": "0"}, {"q": "x" * 101}, {"q": "a\x00b"}],
)
def test_bad_filters_are_a_400_with_a_field_error(clinician_client, ward, params):
    response = clinician_client.get(URL, params)
    assert response.status_code == 400
    assert b"Please correct the following" in response.content
    assert b"Zapata" not in response.content


def test_bad_sort_is_ignored(clinician_client, ward):
    response = clinician_client.get(URL, {"sort": "password'; drop table --" * 5})
    assert response.status_code == 200
    assert b"Zapata" in response.content


def test_only_clinicians(family_client):
    assert family_client.get(URL).status_code == 403


def give(clinician, n):
    today = timezone.localdate()
    for _ in range(n):
        child = PatientFactory()
        CareTeamMembershipFactory(patient=child, clinician=clinician)
        TreatmentPhaseFactory(patient=child, key="maintenance", actual_start=today - timedelta(5))
        follow_up(child, today - timedelta(2), "echo")
        FamilyQuestion.objects.create(patient=child, created_by=FamilyLinkFactory(patient=child).user, text="Q?")
        risk(child, "standard")


def count_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "a", "sort": "-risk", "overdue": "on"}])
def test_query_count_is_flat_with_5_or_50_children(clinician, clinician_client, params):
    give(clinician, 4)
    few = count_queries(clinician_client, params)
    give(clinician, 45)
    assert count_queries(clinician_client, params) == few


def test_one_audit_insert_per_request(clinician, clinician_client):
    give(clinician, 30)
    before = AuditEvent.objects.filter(user=clinician, action=AuditAction.LIST).count()
    with CaptureQueriesContext(connection) as ctx:
        assert clinician_client.get(URL).status_code == 200
    inserts = [q["sql"] for q in ctx.captured_queries if 'INSERT INTO "care_auditevent"' in q["sql"]]
    assert len(inserts) == 1
    assert AuditEvent.objects.filter(user=clinician, action=AuditAction.LIST).count() - before == 25


def test_worklist_in_spanish(clinician, clinician_client, ward):
    clinician.preferred_language = "es"
    clinician.save()
    response = clinician_client.get(URL, {"sort": "-overdue"}, HTTP_ACCEPT_LANGUAGE="es")
    body = response.content.decode()
    assert response.status_code == 200
    for words in ("Próximo control", "Controles atrasados", "Día de la fase", "Ordenar por", "orden inverso"):
        assert words in body
    assert 'data-label="Grupo de riesgo">Alto' in body  # the risk group itself, not "High"


def test_trigram_indexes_serve_name_and_mrn_search_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the GIN trigram indexes are PostgreSQL only (patients/0010 and 0014 do nothing on SQLite)")
    from django.db import transaction

    from patients.models import Patient
    from patients.patient_search import _word_q

    indexes = {"patients_patient_search_names_trgm", "patients_patient_mrn_trgm"}
    with connection.cursor() as cursor:  # no pending list for a search to read in full (patients/0013)
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'patients_patient_%%_trgm'")
        options = dict(cursor.fetchall())
    assert set(options) == indexes  # one index for the names (0014) replaced one per name
    assert all(value == ["fastupdate=off"] for value in options.values()), options
    with transaction.atomic(), connection.cursor() as cursor:
        # A tiny test table: ask whether the indexes can serve the search (bitmap scans), not what is cheapest.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Patient.objects.order_by().filter(_word_q("Jonh", fuzzy=True)).explain()
    for index in indexes:
        assert index in plan
    assert plan.count("patients_patient_search_names_trgm") == 2  # the substring and the look-alike


def test_the_portal_s_postgresql_sessions_do_not_jit_compile():
    """Past jit_above_cost PostgreSQL compiled a search that matched every child: 85 ms to save
    nothing on a 45 ms statement (portal/settings/base.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def _page_and_plan(clinician, query: WorklistQuery):
    """worklist_page(clinician, query) and the plan of its SELECT, from EXPLAIN (ANALYZE, FORMAT JSON)."""
    from django.db import transaction

    with CaptureQueriesContext(connection) as ctx:
        page = worklist_page(clinician, query)
    (sql,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "patients_patient"')]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (raw,) = cursor.fetchone()
    return page, (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]


def _loops(plan: dict):
    """(node type, loops) of every node of an EXPLAIN (ANALYZE, FORMAT JSON) plan that a subquery runs."""
    for child in plan.get("Plans", []):
        if child.get("Subplan Name", "").startswith("SubPlan"):
            yield child.get("Subplan Name"), child["Actual Loops"]
        yield from _loops(child)


@pytest.mark.parametrize("params", [{"q": "Okafor"}, {}])
def test_the_columns_are_computed_for_the_page_s_children_only(clinician, params):
    """40 children match; the page's 26 (one more tells whether a next page exists) get their columns.
    In one step PostgreSQL computed the columns it thought cheap for every matching child first."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    for _ in range(40):
        CareTeamMembershipFactory(patient=PatientFactory(family_name="Okafor"), clinician=clinician)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics that know the phases, risks, follow-ups... tables are empty
    page, plan = _page_and_plan(clinician, WorklistQuery(text=params.get("q", "")))
    assert len(page.rows) == 25 and page.has_next
    loops = dict(_loops(plan))
    assert loops, "the columns are subqueries"
    assert max(loops.values()) <= 26, loops


def _rows_read(plan: dict, table: str) -> int:
    """Rows that the scans of `table` in an EXPLAIN (ANALYZE, FORMAT JSON) plan returned, over all loops."""
    own = plan["Actual Rows"] * plan["Actual Loops"] if plan.get("Relation Name") == table else 0
    return own + sum(_rows_read(child, table) for child in plan.get("Plans", []))


def test_a_search_reads_my_memberships_at_most_once(clinician):
    """A search starts from the trigram indexes and the policy narrows what they find. My seats in
    front as well (`pk IN`, deduplicated and hashed) read every membership of mine a second time:
    work that grows with my children (5.9 ms of the 13.4 ms statement at 12,414 of them)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    for n in range(60):
        CareTeamMembershipFactory(
            patient=PatientFactory(family_name="Okafor" if n < 3 else f"Ruiz{n}"), clinician=clinician
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    page, plan = _page_and_plan(clinician, WorklistQuery(text="Okafor"))
    assert [row.patient.family_name for row in page.rows] == ["Okafor"] * 3
    mine = CareTeamMembership.objects.filter(clinician=clinician).count()
    assert _rows_read(plan, "care_careteammembership") <= mine  # 2 * mine with the seats in front
