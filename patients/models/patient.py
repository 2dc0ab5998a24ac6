"""The patient core record. Edits use optimistic concurrency (`version`, see portal/concurrency.py)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat, Lower, Upper
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


def normalize_mrn(value):
    """The canonical MRN: surrounding spaces removed, upper case ("d0000001 " is "D0000001")."""
    return value.strip().upper() if isinstance(value, str) else value


class MRNField(models.CharField):
    """An MRN is stored, validated and looked up in its canonical form only, whichever way it came in.

    `to_python` (forms via `formfield`, `full_clean`), `pre_save` (save, bulk_create) and
    `get_prep_value` (update(), exact lookups such as the admin's "=mrn" search) all normalise, so
    two records can never differ only in case and "d0000001" finds D0000001 and nothing else.
    """

    def to_python(self, value):
        return normalize_mrn(super().to_python(value))

    def get_prep_value(self, value):
        return normalize_mrn(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = normalize_mrn(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MRNFormField, **kwargs})


class MRNFormField(forms.CharField):
    def to_python(self, value):
        return normalize_mrn(super().to_python(value))


class Patient(models.Model):
    mrn = MRNField(_("MRN"), max_length=32, unique=True, help_text=_("Medical record number."))
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    # The names as the worklist search reads them (patients/patient_search.py): lower-cased once
    # when saved, each word between spaces, so one trigram index serves the search and ranking a
    # match is a few byte comparisons instead of three word-similarity computations.
    search_names = models.GeneratedField(
        expression=Concat(
            models.Value(" "),
            Lower(Concat("family_name", models.Value(" "), "given_name", models.Value(" "), "preferred_name")),
            models.Value(" "),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
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
        constraints = [
            # The database's own guard, whatever wrote the row (raw SQL, a future code path): no two
            # MRNs that differ only in case. The field's unique=True gives forms and the API their
            # field error; this constraint is skipped in Python validation (validate_constraints).
            models.UniqueConstraint(Upper("mrn"), name="patient_mrn_unique_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"

    def age_on(self, day=None) -> int:
        return age_in_years(self.date_of_birth, day or timezone.localdate())

    def validate_constraints(self, exclude=None):
        # Values are canonical before validation (MRNField.to_python), so the field's own unique check
        # ("Patient with this MRN already exists.", on the MRN field) already covers the Upper()
        # constraint; validating it again would add the same refusal a second time, as a non-field error.
        super().validate_constraints(exclude={*(exclude or ()), "mrn"})

    def clean(self):
        self.mrn = normalize_mrn(self.mrn)
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth cannot be in the future.")})
        if self.date_of_birth and self.date_of_birth < EARLIEST_DATE_OF_BIRTH:
            raise ValidationError(
                {
                    "date_of_birth": _("Check the date of birth: it is before %(year)s.")
                    % {"year": EARLIEST_DATE_OF_BIRTH.year}
                }
            )
