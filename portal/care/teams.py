"""Changes to named care teams, each written with its audit row in one transaction.

Joining or leaving a team is one row on CareTeamMember and one audit row naming the team and the
member (object "careteam" = the team's id, detail "member=<user id> ..."); it changes access to all
the team's children at once, because the access policy reads team seats directly (no per-child
copies, so no loop over the children). Assigning a child to a team, or taking them off, is one row
and one audit row about that child. The admin (portal/admin.py) calls these for its inlines.
"""

from __future__ import annotations

from django.db import transaction

from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose, CareTeam, CareTeamChild, CareTeamMember


def _record_member(by, action: str, team_id: int, clinician_id: int, detail: str) -> None:
    audit.record(
        by, action, object_type="careteam", object_id=team_id, detail=f"member={clinician_id} {detail}".strip()
    )


def _record_child(by, action: str, team_id: int, patient, detail: str) -> None:
    # Putting a child on a team is an administrative act, whoever does it.
    audit.record(
        by,
        action,
        patient=patient,
        purpose=AuditPurpose.ADMIN,
        object_type="careteam",
        object_id=team_id,
        detail=detail,
    )


@transaction.atomic
def join_team(by, team: CareTeam, clinician, team_role: str = CareTeamMember._meta.get_field("team_role").default):
    """Put a clinician on a team: from now on they see every child assigned to it."""
    member = CareTeamMember(team=team, clinician=clinician, team_role=team_role)
    return save_member(by, member)


@transaction.atomic
def save_member(by, member: CareTeamMember, changed: list[str] | None = None) -> CareTeamMember:
    """Save a new seat (joined) or a changed one (e.g. its role), with one audit row."""
    created = member.pk is None
    member.full_clean()
    member.save()
    if created:
        _record_member(by, AuditAction.CREATE, member.team_id, member.clinician_id, f"joined role={member.team_role}")
    else:
        fields = ",".join(changed or [])
        _record_member(by, AuditAction.UPDATE, member.team_id, member.clinician_id, f"changed {fields}")
    return member


@transaction.atomic
def leave_team(by, member: CareTeamMember) -> None:
    """Take a clinician off a team: they lose every child they saw only through it, at once."""
    team_id, clinician_id = member.team_id, member.clinician_id
    member.delete()
    _record_member(by, AuditAction.DELETE, team_id, clinician_id, "left")


@transaction.atomic
def assign_child(by, team: CareTeam, patient) -> CareTeamChild:
    assignment = CareTeamChild(team=team, patient=patient)
    return save_assignment(by, assignment)


@transaction.atomic
def save_assignment(by, assignment: CareTeamChild) -> CareTeamChild:
    created = assignment.pk is None
    assignment.save()
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    _record_child(by, action, assignment.team_id, assignment.patient, f"child={assignment.patient_id} assigned")
    return assignment


@transaction.atomic
def unassign_child(by, assignment: CareTeamChild) -> None:
    team_id, patient = assignment.team_id, assignment.patient
    assignment.delete()
    _record_child(by, AuditAction.DELETE, team_id, patient, f"child={patient.pk} unassigned")
