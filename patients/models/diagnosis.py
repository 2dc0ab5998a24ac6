"""The diagnosis: one per child, versioned (portal.concurrency) because several clinicians edit it."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.ages import Age, age_on
from patients.risk.cns import effective_cns_status
from patients.units import wbc_from_per_ul
from portal.fields import BoundedTextField


class Lineage(models.TextChoices):
    B = "B", _("B-cell")
    T = "T", _("T-cell")
    MIXED = "mixed", _("Mixed / ambiguous lineage")


class WbcUnit(models.TextChoices):
    PER_UL = "per_ul", _("cells/µL")
    E9_PER_L = "e9_per_l", _("×10⁹/L")


class CnsStatus(models.TextChoices):
    CNS1 = "CNS1", _("CNS1 (no blasts)")
    CNS2 = "CNS2", _("CNS2 (<5 WBC/µL with blasts)")
    CNS3 = "CNS3", _("CNS3 (≥5 WBC/µL with blasts, or cranial nerve palsy)")
    TRAUMATIC = "TLP_BLASTS", _("Traumatic tap with blasts")


_count = {"null": True, "blank": True, "validators": [MinValueValidator(0)]}


class Diagnosis(models.Model):
    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="diagnosis")
    diagnosed_on = models.DateField(_("date of diagnosis"))
    lineage = models.CharField(_("lineage"), max_length=6, choices=Lineage.choices)
    # White count: as entered (value + unit) and normalised to cells/µL for calculations.
    wbc_value = models.DecimalField(
        _("white count at diagnosis"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    wbc_unit = models.CharField(_("white count unit"), max_length=10, choices=WbcUnit.choices, default=WbcUnit.PER_UL)
    wbc_per_ul = models.FloatField(null=True, blank=True, editable=False)
    cns_status = models.CharField(_("CNS status"), max_length=10, choices=CnsStatus.choices, blank=True)
    csf_wbc_per_ul = models.FloatField(_("CSF white cells /µL"), **_count)
    csf_rbc_per_ul = models.FloatField(_("CSF red cells /µL"), **_count)
    blood_wbc_per_ul = models.FloatField(
        _("blood white cells /µL"), help_text=_("Defaults to the white count at diagnosis."), **_count
    )
    blood_rbc_per_ul = models.FloatField(_("blood red cells /µL"), **_count)
    cranial_nerve_palsy = models.BooleanField(_("cranial nerve palsy"), default=False)
    testicular_involvement = models.BooleanField(_("testicular involvement"), default=False)
    steroid_pretreatment = models.BooleanField(_("steroids before diagnosis"), default=False)
    induction_failure = models.BooleanField(_("induction failure"), default=False)
    genetics_complete = models.BooleanField(
        _("genetics results complete"), default=False, help_text=_("Until ticked, risk results stay provisional.")
    )
    dna_index = models.DecimalField(_("DNA index"), max_digits=4, decimal_places=2, **_count)
    genetic_markers = models.ManyToManyField("patients.GeneticMarker", blank=True, verbose_name=_("genetics"))
    predisposition_syndromes = models.ManyToManyField(
        "patients.PredispositionSyndrome", blank=True, verbose_name=_("inherited predisposition")
    )
    notes = BoundedTextField(max_length=4000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    class Meta:
        verbose_name_plural = "diagnoses"

    def __str__(self):
        return f"Diagnosis of patient {self.patient_id}"

    @property
    def age_at_diagnosis(self) -> Age | None:
        """The calendar age at diagnosis (completed years and months), what the risk schemes compare."""
        if not self.diagnosed_on or not self.patient.date_of_birth or self.diagnosed_on < self.patient.date_of_birth:
            return None
        return age_on(self.patient.date_of_birth, self.diagnosed_on)

    @property
    def age_at_diagnosis_years(self) -> float | None:
        """The calendar age at diagnosis as years + months / 12 (the API's number; decide with age_at_diagnosis)."""
        age = self.age_at_diagnosis
        return None if age is None else age.in_years

    @property
    def wbc_e9_per_l(self) -> float | None:
        return None if self.wbc_per_ul is None else wbc_from_per_ul(self.wbc_per_ul, "e9_per_l")

    @property
    def effective_cns_status(self) -> str | None:
        return self.effective_cns()[0]

    @property
    def effective_cns_reason(self) -> str:
        return self.effective_cns()[1]

    def effective_cns(self) -> tuple[str | None, str]:
        return effective_cns_status(
            self.cns_status or None,
            csf_wbc=self.csf_wbc_per_ul,
            csf_rbc=self.csf_rbc_per_ul,
            blood_wbc=self.blood_wbc_per_ul if self.blood_wbc_per_ul is not None else self.wbc_per_ul,
            blood_rbc=self.blood_rbc_per_ul,
            cranial_nerve_palsy=self.cranial_nerve_palsy,
        )


# What a clinician edits on a diagnosis, in the order the form shows it: the one list shared by the form,
# the API serializer and patients.clinical.services.save_diagnosis (which sets the many-to-many ones last).
DIAGNOSIS_M2M_FIELDS = ("genetic_markers", "predisposition_syndromes")
DIAGNOSIS_FIELDS = (
    "diagnosed_on",
    "lineage",
    "wbc_value",
    "wbc_unit",
    "cns_status",
    "csf_wbc_per_ul",
    "csf_rbc_per_ul",
    "blood_wbc_per_ul",
    "blood_rbc_per_ul",
    "cranial_nerve_palsy",
    "testicular_involvement",
    "steroid_pretreatment",
    "induction_failure",
    "dna_index",
    "genetic_markers",
    "genetics_complete",
    "predisposition_syndromes",
    "notes",
)
