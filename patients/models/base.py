"""Shared shape of every clinical entry that hangs off a patient.

`visibility`, `released_at` and `confidential` are what the access policy filters on when a family
reads: see portal.care.access.visible_entries(). Subclass PatientEntry for any patient data a family
might see, so a new entry type cannot forget the release rules.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    CLINICIAN_ONLY = "clinician", _("Clinician only")
    RELEASED = "released", _("Released to the family")


# The release settings a clinician edits on every entry (forms, serializers and services share them).
RELEASE_FIELDS = ("visibility", "released_at", "confidential")


class PatientEntry(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_set"
    )
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.CLINICIAN_ONLY)
    released_at = models.DateTimeField(null=True, blank=True, help_text=_("When a released entry becomes visible."))
    confidential = models.BooleanField(
        default=False,
        help_text=_("Adolescent-confidential: hidden from parents once the child reaches the narrower-access age."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
