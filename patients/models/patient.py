"""The patient core record. Edits use optimistic concurrency (`version`, see portal/concurrency.py)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.ages import age_in_years


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex / differences of sex development")
    UNKNOWN = "unknown", _("Not recorded")


class PatientStatus(models.TextChoices):
    ON_THERAPY = "on_therapy", _("On therapy")
    OFF_THERAPY = "off_therapy", _("Off therapy")
    LONG_TERM_FOLLOW_UP = "ltfu", _("Long-term follow-up")
    RELAPSED = "relapsed", _("Relapsed")
    TRANSFERRED = "transferred", _("Transferred")
    DECEASED = "deceased", _("Deceased")


# A date of birth before this is a typing error (1800 for 2008), not a patient.
EARLIEST_DATE_OF_BIRTH = date(1900, 1, 1)


class Patient(models.Model):
    mrn = models.CharField(_("MRN"), max_length=32, unique=True, help_text=_("Medical record number."))
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=[("en", "English"), ("es", "Español")], default="en"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PatientStatus.choices, default=PatientStatus.ON_THERAPY
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"

    def age_on(self, day=None) -> int:
        return age_in_years(self.date_of_birth, day or timezone.localdate())

    def clean(self):
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
        if self.date_of_birth and self.date_of_birth < EARLIEST_DATE_OF_BIRTH:
            raise ValidationError(
                {
                    "date_of_birth": _("Check the date of birth: it is before %(year)s.")
                    % {"year": EARLIEST_DATE_OF_BIRTH.year}
                }
            )
