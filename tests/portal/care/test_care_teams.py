"""Named care teams: a seat on a team is a membership of every child assigned to it, one exception per child."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.care import teams
from portal.care.access import (
    can_edit_patient,
    can_view_patient,
    care_team_patients,
    decide,
    end_request_decisions,
    start_request_decisions,
    visible_patients,
)
from portal.care.models import AuditAction, AuditEvent, CareTeam, CareTeamChild, CareTeamMembership
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def by():
    return AdminFactory()


def _team(by, name, children):
    team = CareTeam.objects.create(name=name)
    for child in children:
        teams.assign_child(by, team, child)
    return team


def test_joining_a_team_gives_all_its_children_and_leaving_takes_them_all(by):
    children = PatientFactory.create_batch(3)
    outsider = PatientFactory()
    team = _team(by, "Leukaemia A", children)
    nurse = ClinicianFactory()
    assert list(visible_patients(nurse)) == []

    seat = teams.join_team(by, team, nurse, "primary_nurse")
    assert set(visible_patients(nurse)) == set(children)
    assert set(care_team_patients(nurse)) == set(children)
    assert all(can_view_patient(nurse, c) and can_edit_patient(nurse, c) for c in children)
    assert not can_view_patient(nurse, outsider)
    decision = decide(nurse, children[0])
    assert decision.on_care_team and decision.purpose == "normal"

    teams.leave_team(by, seat)
    assert list(visible_patients(nurse)) == []
    assert list(care_team_patients(nurse)) == []
    assert not any(can_view_patient(nurse, c) for c in children)


def test_a_child_on_two_teams_is_listed_once_and_stays_while_one_team_is_left(by):
    child = PatientFactory()
    first, second = _team(by, "A", [child]), _team(by, "B", [child])
    doctor = ClinicianFactory()
    teams.join_team(by, first, doctor)
    seat = teams.join_team(by, second, doctor)
    assert list(visible_patients(doctor)) == [child]
    teams.leave_team(by, seat)
    assert list(visible_patients(doctor)) == [child]


def test_a_childs_own_exception_removes_one_clinician_from_one_child(by):
    kept, excepted = PatientFactory(), PatientFactory()
    team = _team(by, "A", [kept, excepted])
    doctor, colleague = ClinicianFactory(), ClinicianFactory()
    teams.join_team(by, team, doctor)
    teams.join_team(by, team, colleague)
    CareTeamMembership.objects.create(patient=excepted, clinician=doctor, active=False)

    assert list(visible_patients(doctor)) == [kept]
    assert not can_view_patient(doctor, excepted)
    assert set(visible_patients(colleague)) == {kept, excepted}  # the exception is for one clinician only


def test_a_per_child_membership_still_adds_a_child_outside_the_teams(by):
    team_child, own_child = PatientFactory(), PatientFactory()
    team = _team(by, "A", [team_child])
    doctor = ClinicianFactory()
    teams.join_team(by, team, doctor)
    CareTeamMembership.objects.create(patient=own_child, clinician=doctor)
    assert set(visible_patients(doctor)) == {team_child, own_child}


def test_visible_patients_is_one_query_whatever_the_number_of_teams_and_children(by):
    doctor = ClinicianFactory()

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            list(visible_patients(doctor))
        return len(ctx.captured_queries)

    small = queries()
    for n in range(4):
        team = _team(by, f"T{n}", PatientFactory.create_batch(3))
        teams.join_team(by, team, doctor)
    assert visible_patients(doctor).count() == 12
    assert queries() == small == 1


def test_team_changes_inside_a_request_clear_the_remembered_decision(by):
    child = PatientFactory()
    team = _team(by, "A", [child])
    doctor = ClinicianFactory()
    token = start_request_decisions()
    try:
        assert not can_view_patient(doctor, child)
        seat = teams.join_team(by, team, doctor)
        assert can_view_patient(doctor, child)
        teams.leave_team(by, seat)
        assert not can_view_patient(doctor, child)
    finally:
        end_request_decisions(token)


def test_joining_and_leaving_write_one_audit_row_each_naming_team_and_member(by):
    team = _team(by, "A", PatientFactory.create_batch(5))
    nurse = ClinicianFactory()
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        seat = teams.join_team(by, team, nurse, "primary_nurse")
    join_queries = len(ctx.captured_queries)
    assert AuditEvent.objects.count() == before + 1
    joined = AuditEvent.objects.latest("id")
    assert (joined.action, joined.object_type, joined.object_id) == (AuditAction.CREATE, "careteam", str(team.pk))
    assert f"member={nurse.pk}" in joined.detail and "joined" in joined.detail
    assert joined.user == by and joined.patient is None

    teams.leave_team(by, seat)
    left = AuditEvent.objects.latest("id")
    assert (left.action, left.object_id) == (AuditAction.DELETE, str(team.pk))
    assert f"member={nurse.pk}" in left.detail and "left" in left.detail
    assert AuditEvent.objects.count() == before + 2

    # No loop over the children: a bigger team costs the same queries to join.
    for child in PatientFactory.create_batch(5):
        teams.assign_child(by, team, child)
    newcomer = ClinicianFactory()
    with CaptureQueriesContext(connection) as ctx:
        teams.join_team(by, team, newcomer)
    assert len(ctx.captured_queries) == join_queries


def test_assigning_a_child_is_audited_about_that_child(by):
    team = CareTeam.objects.create(name="A")
    child = PatientFactory()
    assignment = teams.assign_child(by, team, child)
    row = AuditEvent.objects.latest("id")
    assert (row.action, row.patient, row.object_id) == (AuditAction.CREATE, child, str(team.pk))
    teams.unassign_child(by, assignment)
    assert AuditEvent.objects.latest("id").action == AuditAction.DELETE
    assert not CareTeamChild.objects.exists()
