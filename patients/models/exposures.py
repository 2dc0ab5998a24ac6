"""Stored exposures: one ExposureRecord per child (the ExposureSummary fields, recomputed on change),
and the manual treatment summary for survivors treated elsewhere."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.exposures.summary import ExposureSummary
from portal.fields import BoundedTextField

_dose = {"max_digits": 9, "decimal_places": 1, "default": 0, "validators": [MinValueValidator(0)]}
_gy = {"max_digits": 5, "decimal_places": 2, "default": 0, "validators": [MinValueValidator(0)]}


class ExposureRecord(models.Model):
    """Field names are exactly ExposureSummary's (the late-effects contract); see to_summary()."""

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="exposure_record")
    anthracycline_dox_eq_mg_m2 = models.FloatField(default=0)
    cyclophosphamide_mg_m2 = models.FloatField(default=0)
    ced_mg_m2 = models.FloatField(default=0)
    any_alkylator = models.BooleanField(default=False)
    any_corticosteroid = models.BooleanField(default=False)
    corticosteroid_long_courses = models.PositiveIntegerField(default=0)
    any_vinca_alkaloid = models.BooleanField(default=False)
    any_methotrexate = models.BooleanField(default=False)
    high_dose_methotrexate = models.BooleanField(default=False)
    high_dose_cytarabine = models.BooleanField(default=False)
    any_thiopurine = models.BooleanField(default=False)
    intrathecal_chemotherapy = models.BooleanField(default=False)
    any_asparaginase = models.BooleanField(default=False)
    cranial_radiation_gy = models.FloatField(default=0)
    cranial_radiation_age_years = models.FloatField(null=True, blank=True)
    heart_radiation_gy = models.FloatField(default=0)
    tbi = models.BooleanField(default=False)
    tbi_gy = models.FloatField(default=0)
    hsct = models.BooleanField(default=False)
    red_cell_transfusions = models.PositiveIntegerField(default=0)
    transfusion_before_1993 = models.BooleanField(default=False)
    transfusion_before_1972 = models.BooleanField(default=False)
    predisposition_syndromes = models.JSONField(default=list, blank=True)
    therapy_start = models.DateField(null=True, blank=True)
    therapy_end = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, default="timeline")
    # Provenance.
    rules_version = models.CharField(max_length=40, blank=True)
    ced_version = models.CharField(max_length=40, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    SUMMARY_FIELDS = tuple(ExposureSummary.__dataclass_fields__)

    def __str__(self):
        return f"Exposures of patient {self.patient_id}"

    def to_summary(self) -> ExposureSummary:
        values = {name: getattr(self, name) for name in self.SUMMARY_FIELDS}
        values["predisposition_syndromes"] = tuple(values["predisposition_syndromes"] or ())
        return ExposureSummary(**values)


class ManualTreatmentSummary(models.Model):
    """Cumulative treatment as written in another centre's end-of-therapy summary."""

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="manual_summary")
    treating_centre = models.CharField(_("treating centre"), max_length=160, blank=True)
    protocol = models.CharField(_("protocol"), max_length=120, blank=True)
    therapy_start = models.DateField(_("therapy start"), null=True, blank=True)
    therapy_end = models.DateField(_("therapy end"), null=True, blank=True)
    doxorubicin_mg_m2 = models.DecimalField(_("doxorubicin (mg/m²)"), **_dose)
    daunorubicin_mg_m2 = models.DecimalField(_("daunorubicin (mg/m²)"), **_dose)
    epirubicin_mg_m2 = models.DecimalField(_("epirubicin (mg/m²)"), **_dose)
    idarubicin_mg_m2 = models.DecimalField(_("idarubicin (mg/m²)"), **_dose)
    mitoxantrone_mg_m2 = models.DecimalField(_("mitoxantrone (mg/m²)"), **_dose)
    cyclophosphamide_mg_m2 = models.DecimalField(_("cyclophosphamide (mg/m²)"), **_dose)
    ifosfamide_mg_m2 = models.DecimalField(_("ifosfamide (mg/m²)"), **_dose)
    procarbazine_mg_m2 = models.DecimalField(_("procarbazine (mg/m²)"), **_dose)
    chlorambucil_mg_m2 = models.DecimalField(_("chlorambucil (mg/m²)"), **_dose)
    carmustine_mg_m2 = models.DecimalField(_("carmustine, BCNU (mg/m²)"), **_dose)
    lomustine_mg_m2 = models.DecimalField(_("lomustine, CCNU (mg/m²)"), **_dose)
    melphalan_mg_m2 = models.DecimalField(_("melphalan (mg/m²)"), **_dose)
    thiotepa_mg_m2 = models.DecimalField(_("thiotepa (mg/m²)"), **_dose)
    mechlorethamine_mg_m2 = models.DecimalField(_("nitrogen mustard, mechlorethamine (mg/m²)"), **_dose)
    busulfan_mg_m2 = models.DecimalField(_("busulfan (mg/m²)"), **_dose)
    other_alkylator = models.BooleanField(
        _("other alkylating agent"), default=False, help_text=_("Given, but without a dose in the summary.")
    )
    corticosteroids = models.BooleanField(_("corticosteroids"), default=False)
    corticosteroid_long_courses = models.PositiveSmallIntegerField(_("steroid courses of 4+ weeks"), default=0)
    vinca_alkaloid = models.BooleanField(_("vincristine / vinca alkaloid"), default=False)
    methotrexate = models.BooleanField(_("methotrexate"), default=False)
    high_dose_methotrexate = models.BooleanField(_("high-dose methotrexate (IV ≥1 g/m²)"), default=False)
    high_dose_cytarabine = models.BooleanField(_("high-dose cytarabine (IV ≥1 g/m²)"), default=False)
    thiopurine = models.BooleanField(_("6-mercaptopurine / 6-thioguanine"), default=False)
    intrathecal_chemotherapy = models.BooleanField(_("intrathecal chemotherapy"), default=False)
    asparaginase = models.BooleanField(_("asparaginase"), default=False)
    cranial_radiation_gy = models.DecimalField(_("cranial radiation (Gy)"), **_gy)
    cranial_radiation_age_years = models.DecimalField(
        _("age at cranial radiation (years)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
    )
    heart_radiation_gy = models.DecimalField(_("radiation including the heart (Gy)"), **_gy)
    tbi_gy = models.DecimalField(_("total body irradiation (Gy)"), **_gy)
    hsct = models.BooleanField(_("stem cell transplant"), default=False)
    red_cell_transfusions = models.PositiveSmallIntegerField(_("red cell transfusions"), default=0)
    transfusion_before_1993 = models.BooleanField(_("transfusion before 1993"), default=False)
    transfusion_before_1972 = models.BooleanField(_("transfusion before 1972"), default=False)
    notes = BoundedTextField(_("notes"), max_length=4000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    class Meta:
        verbose_name = _("manual treatment summary")
        verbose_name_plural = _("manual treatment summaries")

    def __str__(self):
        return f"Manual treatment summary of patient {self.patient_id}"


MANUAL_SUMMARY_FIELDS = [
    f.name
    for f in ManualTreatmentSummary._meta.concrete_fields
    if f.editable and f.name not in ("id", "patient", "version", "updated_at", "updated_by")
]
