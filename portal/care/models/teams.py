"""Named care teams: a team of clinicians (each with a team role) caring for the children assigned to it.

Access through a team is the same as through a per-child CareTeamMembership (portal.care.access
decides both). A child's own exceptions are per-child rows: an active CareTeamMembership gives a
clinician access to that child whatever the teams say; an *inactive* one (active=False) takes that
one child away from that one clinician, even while they are on a team the child is assigned to.
Joining or leaving a team (portal.care.teams) changes access to all its children at once.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import BoundedTextField

from .care import CareTeamMembership


class CareTeam(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = BoundedTextField(_("description"), max_length=1000, blank=True)
    # "Who to call", shown to the families of the team's children (patients.reminders.upcoming).
    contact_label = models.CharField(
        _("contact name for families"), max_length=120, blank=True, help_text=_("e.g. Leukaemia nurses")
    )
    contact_phone = models.CharField(_("phone for families"), max_length=40, blank=True)
    contact_email = models.EmailField(_("email for families"), blank=True)
    contact_hours = models.CharField(
        _("when to call"), max_length=200, blank=True, help_text=_("e.g. Monday to Friday, 8:00 to 17:00")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("care team")
        verbose_name_plural = _("care teams")

    def __str__(self) -> str:
        return self.name


class CareTeamMember(models.Model):
    """A clinician on a named team, with their role on it."""

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="members")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
        limit_choices_to={"role": "clinician"},
    )
    team_role = models.CharField(
        max_length=24, choices=CareTeamMembership.TeamRole.choices, default=CareTeamMembership.TeamRole.MEMBER
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "clinician"], name="one_team_seat_per_clinician")]
        indexes = [models.Index(fields=["clinician", "team"])]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.clinician} – {self.get_team_role_display()}"

    def clean(self):
        if self.clinician_id and self.clinician.role != "clinician":
            raise ValidationError({"clinician": _("Only clinicians can join a care team.")})


class CareTeamChild(models.Model):
    """A child assigned to a named team (a child may be on several teams)."""

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="children")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="team_assignments")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "patient"], name="one_assignment_per_team")]
        indexes = [models.Index(fields=["patient", "team"])]
        verbose_name = _("child on a team")
        verbose_name_plural = _("children on teams")

    def __str__(self) -> str:
        return f"{self.team}: patient {self.patient_id}"
