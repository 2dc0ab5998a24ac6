"""Who may see a child: care-team memberships, family links and break-the-glass grants.

The rules that read these rows live in portal/access.py and nowhere else.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import BoundedTextField


class CareTeamMembership(models.Model):
    class TeamRole(models.TextChoices):
        ATTENDING = "attending", _("Attending oncologist")
        PRIMARY_NURSE = "primary_nurse", _("Primary nurse")
        NURSE_PRACTITIONER = "nurse_practitioner", _("Nurse practitioner")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        MEMBER = "member", _("Team member")

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="care_team")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="care_memberships",
        limit_choices_to={"role": "clinician"},
    )
    team_role = models.CharField(max_length=24, choices=TeamRole.choices, default=TeamRole.MEMBER)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "clinician"], name="one_membership_per_clinician")]
        indexes = [models.Index(fields=["clinician", "active"])]
        verbose_name = _("care-team membership")

    def __str__(self) -> str:
        return f"{self.clinician} – {self.get_team_role_display()}"

    def clean(self):
        if self.clinician_id and self.clinician.role != "clinician":
            raise ValidationError({"clinician": _("Only clinicians can join a care team.")})


class FamilyLink(models.Model):
    """A family member's (or the patient's own) access to one child's record."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        PARENT = "parent", _("Parent")
        GUARDIAN = "guardian", _("Legal guardian")
        GRANDPARENT = "grandparent", _("Grandparent")
        CAREGIVER = "caregiver", _("Other caregiver")
        SELF = "self", _("The patient themself")

    class AccessLevel(models.TextChoices):
        FULL = "full", _("Full: all released entries")
        LIMITED = "limited", _("Limited: no confidential entries")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="family_links",
        limit_choices_to={"role": "family"},
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="family_links")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    access_level = models.CharField(max_length=16, choices=AccessLevel.choices, default=AccessLevel.FULL)
    valid_from = models.DateField(default=timezone.localdate)
    valid_until = models.DateField(null=True, blank=True)
    adult_consent_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Date the patient, as a young adult, granted this person continued access."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "patient"], name="one_link_per_family_member"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
                name="family_link_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_from"])]
        verbose_name = _("family link")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_relationship_display()})"

    def clean(self):
        if self.user_id and self.user.role != "family":
            raise ValidationError({"user": _("Only family accounts can be linked to a child.")})
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date must not be before the start date.")})


class BreakGlassGrant(models.Model):
    """Time-limited emergency access for a clinician outside the care team, with a stated reason."""

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = BoundedTextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["clinician", "patient", "expires_at"])]
        ordering = ["-created_at"]
        verbose_name = _("break-the-glass grant")

    def __str__(self) -> str:
        return f"{self.clinician} → patient {self.patient_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
