"""Clinicians on a named care team the child is assigned to are reminded like per-child members: once each,
unless the child's own inactive membership row takes that child away from them (portal.care.models.teams)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from patients.late_effects.models import FollowUpItem
from patients.reminders import services
from patients.reminders.models import Reminder
from patients.reminders.sweep import python_rows
from portal.care.models import CareTeam, CareTeamChild, CareTeamMember
from tests.factories import CareTeamMembershipFactory, ClinicianFactory

pytestmark = pytest.mark.django_db

ECHO_DUE = date(2021, 9, 1)
SWEEP_DAY = ECHO_DUE - timedelta(days=30)


def at(day: date):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(12, 0))), tick=False)


@pytest.fixture
def teams(plan, clinician, patient):
    """Two teams the child is on; clinicians on one, on both, on a team and per-child, and one refused."""
    red, blue = CareTeam.objects.create(name="Red"), CareTeam.objects.create(name="Blue")
    CareTeamChild.objects.create(team=red, patient=patient)
    CareTeamChild.objects.create(team=blue, patient=patient)
    people = {name: ClinicianFactory() for name in ("team_only", "both_teams", "refused", "elsewhere", "inactive")}
    people["inactive"].is_active = False
    people["inactive"].save()
    for name, seats in (("team_only", [red]), ("both_teams", [red, blue]), ("refused", [red]), ("inactive", [blue])):
        for team in seats:
            CareTeamMember.objects.create(team=team, clinician=people[name])
    CareTeamMember.objects.create(team=red, clinician=clinician)  # per-child and on a team
    CareTeamMember.objects.create(team=CareTeam.objects.create(name="Other"), clinician=people["elsewhere"])
    CareTeamMembershipFactory(patient=patient, clinician=people["refused"], active=False)
    return {**people, "direct": clinician}


def _portal_rows_per_clinician(teams) -> dict[str, int]:
    rows = Reminder.objects.filter(channel="portal")
    return {name: rows.filter(recipient=user).count() for name, user in teams.items()}


def test_team_members_are_reminded_once_each_and_the_childs_own_exception_holds(teams, patient):
    items = FollowUpItem.objects.filter(patient=patient, status="open", due_on=ECHO_DUE).count()
    assert items >= 2
    with at(SWEEP_DAY):
        result = services.sweep()
        services.sweep()
    expected = {"team_only": items, "both_teams": items, "direct": items, "refused": 0, "elsewhere": 0, "inactive": 0}
    assert _portal_rows_per_clinician(teams) == expected
    assert result.created == Reminder.objects.count()  # nothing counted twice for two seats
    # The Python rules (SQLite's path and the oracle) give the same rows.
    with at(SWEEP_DAY):
        now = timezone.now()
        built = python_rows(SWEEP_DAY, now, 0, 2**62)
    key = ("item_id", "recipient_id", "channel", "kind", "due_date")
    assert sorted(tuple(getattr(r, k) for k in key) for r in built) == sorted(Reminder.objects.values_list(*key))


def test_delivery_sends_to_team_members_and_the_weekly_digest_counts_their_children(teams, patient):
    with at(SWEEP_DAY):
        services.sweep()
        services.deliver_batch(list(Reminder.objects.values_list("id", flat=True)))
    sent = set(Reminder.objects.filter(status="sent").values_list("recipient_id", flat=True))
    assert {teams["team_only"].pk, teams["both_teams"].pk, teams["direct"].pk} <= sent
    assert teams["refused"].pk not in sent
    mail.outbox = []
    with at(ECHO_DUE + timedelta(days=10)):
        assert services.send_care_team_digests() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        teams[name].email for name in ("team_only", "both_teams", "direct")
    )
