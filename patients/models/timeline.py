"""Treatment plan, phases and the typed timeline.

Shape: one TimelineEntry table (a PatientEntry, so release rules and the family filter apply to
every kind at once) with a `kind`, the fields all kinds share (date, phase, title, notes, subtype,
result) and, for kinds with structured numbers that calculations read, a one-to-one detail table
(chemotherapy, lumbar puncture, MRD, lab, radiation, transfusion, adverse event). Why not one table
per kind (multi-table inheritance) or a JSON blob: the timeline is listed, ordered, paginated and
released as one stream, which one base table does in one query (details come along through
select_related on the one-to-ones); typed detail tables keep units, ranges and foreign keys
(drug list) checked by the database, which a JSON field would not.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from patients.care_keys import PHASE_KEYS
from patients.units import mrd_text
from portal.fields import BoundedTextField

from .base import RELEASE_FIELDS, PatientEntry

_positive = [MinValueValidator(0)]

PHASE_LABELS = {
    "induction": _("Induction"),
    "consolidation": _("Consolidation"),
    "interim_maintenance": _("Interim maintenance"),
    "delayed_intensification": _("Delayed intensification"),
    "maintenance": _("Maintenance"),
    "custom": _("Other phase"),
}
PHASE_CHOICES = [(key, PHASE_LABELS[key]) for key in (*PHASE_KEYS, "custom")]


class TreatmentPlan(models.Model):
    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="treatment_plan")
    protocol = models.CharField(_("protocol"), max_length=120, help_text=_("e.g. AALL0932, Total XVII"))
    regimen = models.CharField(_("regimen"), max_length=120, blank=True)
    arm = models.CharField(_("arm"), max_length=120, blank=True)
    notes = BoundedTextField(_("notes"), max_length=4000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.protocol


class TreatmentPhase(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="phases")
    key = models.CharField(_("phase"), max_length=30, choices=PHASE_CHOICES)
    custom_name = models.CharField(_("name (other phase)"), max_length=80, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["patient", "planned_start", "actual_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_end__gte=models.F("actual_start")),
                name="phase_actual_end_after_start",
                violation_error_message=_("The actual end is before the actual start."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="phase_planned_end_after_start",
                violation_error_message=_("The planned end is before the planned start."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.custom_name if self.key == "custom" and self.custom_name else str(PHASE_LABELS[self.key])


# What a clinician edits on a plan and on a phase: shared by the forms, the API serializers and the services.
PLAN_FIELDS = ("protocol", "regimen", "arm", "notes")
PHASE_FIELDS = ("key", "custom_name", "planned_start", "planned_end", "actual_start", "actual_end")


class EntryKind(models.TextChoices):
    CHEMO = "chemo", _("Chemotherapy")
    LUMBAR_PUNCTURE = "lumbar_puncture", _("Lumbar puncture")
    BONE_MARROW = "bone_marrow", _("Bone marrow test")
    MRD = "mrd", _("MRD result")
    LAB = "lab", _("Lab result")
    IMAGING = "imaging", _("Imaging")
    RADIATION = "radiation", _("Radiation")
    PROCEDURE = "procedure", _("Procedure")
    TRANSPLANT = "transplant", _("Stem cell transplant")
    TRANSFUSION = "transfusion", _("Transfusion")
    ADMISSION = "admission", _("Hospital admission")
    ADVERSE_EVENT = "adverse_event", _("Side effect (adverse event)")
    MILESTONE = "milestone", _("Milestone")
    APPOINTMENT = "appointment", _("Appointment")
    NOTE = "note", _("Note")


# Allowed `subtype` values for kinds that have one.
SUBTYPES = {
    EntryKind.PROCEDURE: {
        "central_line_placed": _("Central line placed"),
        "central_line_removed": _("Central line removed"),
        "other": _("Other procedure"),
    },
    EntryKind.MILESTONE: {
        "remission": _("Remission"),
        "end_of_therapy": _("End of therapy"),
        "relapse": _("Relapse"),
        "five_years_remission": _("5 years in remission"),
    },
    EntryKind.TRANSPLANT: {"allogeneic": _("Allogeneic"), "autologous": _("Autologous")},
}
SUBTYPE_CHOICES = [("", "—")] + [(k, v) for group in SUBTYPES.values() for k, v in group.items()]


class TimelineEntry(PatientEntry):
    kind = models.CharField(_("type"), max_length=20, choices=EntryKind.choices)
    occurred_on = models.DateField(_("date"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Last day, for courses and stays."))
    phase = models.ForeignKey(
        TreatmentPhase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        verbose_name=_("phase"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    subtype = models.CharField(_("subtype"), max_length=30, choices=SUBTYPE_CHOICES, blank=True)
    result = BoundedTextField(_("result"), max_length=2000, blank=True)
    notes = BoundedTextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "kind", "occurred_on"]),
            # Keyset pages of the timeline, newest first (patients.clinical.selectors.timeline_page).
            models.Index(fields=["patient", "-occurred_on", "-id"], name="timeline_page_idx"),
            # "New since your last visit" on the family home (patients.reminders.upcoming.newly_released).
            models.Index(fields=["patient", "released_at"], name="timeline_released_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("occurred_on")),
                name="entry_ends_after_start",
            )
        ]
        verbose_name_plural = "timeline entries"

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"

    @property
    def detail(self):
        """The kind's detail row, if the kind has one (loaded by select_related in selectors)."""
        name = DETAIL_RELATED.get(self.kind)
        return getattr(self, name, None) if name else None


# The shared fields of every timeline entry a clinician edits (each kind's form shows a subset, see
# patients.clinical.forms.KIND_BASE_FIELDS); the kind's typed fields live on its detail model.
ENTRY_FIELDS = ("occurred_on", "ends_on", "phase", "title", "subtype", "result", "notes", *RELEASE_FIELDS)


class EntryDetail(models.Model):
    """Base of the per-kind detail tables (each has `entry`, its one-to-one primary key)."""

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.verbose_name} of entry {self.pk}"


class Route(models.TextChoices):
    IV = "iv", _("Intravenous")
    ORAL = "oral", _("By mouth")
    INTRATHECAL = "intrathecal", _("Intrathecal")
    IM = "im", _("Intramuscular")
    SC = "sc", _("Subcutaneous")
    OTHER = "other", _("Other")


class DoseUnit(models.TextChoices):
    MG_M2 = "mg_m2", "mg/m²"
    G_M2 = "g_m2", "g/m²"
    MG = "mg", "mg"
    MG_KG = "mg_kg", "mg/kg"
    UNITS_M2 = "units_m2", "units/m²"
    UNITS = "units", "units"


class ChemoAdministration(EntryDetail):
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="chemo")
    drug = models.ForeignKey("patients.Drug", on_delete=models.PROTECT, verbose_name=_("drug"))
    dose = models.DecimalField(_("dose"), max_digits=10, decimal_places=3, validators=_positive)
    dose_unit = models.CharField(_("dose unit"), max_length=10, choices=DoseUnit.choices, default=DoseUnit.MG_M2)
    doses = models.PositiveSmallIntegerField(
        _("number of doses"), default=1, validators=[MinValueValidator(1)], help_text=_("e.g. 3 for doxorubicin ×3")
    )
    route = models.CharField(_("route"), max_length=12, choices=Route.choices, default=Route.IV)
    dose_confirmed = models.BooleanField(
        _("I confirm this dose although it is outside the drug's typical range"),
        default=False,
        help_text=_("Needed only when the dose is outside the typical range; give the reason below."),
    )
    dose_confirmation_reason = models.CharField(
        _("reason for a dose outside the typical range"), max_length=300, blank=True
    )
    height_cm = models.DecimalField(
        _("height (cm)"), max_digits=5, decimal_places=1, null=True, blank=True, validators=_positive
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=_positive
    )
    bsa_m2 = models.DecimalField(
        _("BSA (m²)"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=_positive,
        help_text=_("Calculated by Mosteller from height and weight when left empty."),
    )


class LumbarPuncture(EntryDetail):
    entry = models.OneToOneField(
        TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="lumbar_puncture"
    )
    it_drugs = models.ManyToManyField("patients.Drug", blank=True, verbose_name=_("intrathecal drugs"))
    csf_wbc_per_ul = models.FloatField(_("CSF white cells /µL"), null=True, blank=True, validators=_positive)
    csf_rbc_per_ul = models.FloatField(_("CSF red cells /µL"), null=True, blank=True, validators=_positive)
    blasts_seen = models.BooleanField(_("blasts seen"), default=False)
    traumatic = models.BooleanField(_("traumatic tap"), default=False)


class MrdSample(models.TextChoices):
    MARROW = "marrow", _("Bone marrow")
    BLOOD = "blood", _("Peripheral blood")


class MrdMethod(models.TextChoices):
    FLOW = "flow", _("Flow cytometry")
    PCR = "pcr", _("PCR")
    NGS = "ngs", _("Next-generation sequencing")


MRD_TIMEPOINT_CHOICES = [
    ("day8", _("Day 8")),
    ("day15", _("Day 15 (or 19)")),
    ("day29", _("Day 29 (end of induction, COG)")),
    ("day33", _("Day 33")),
    ("day42", _("Day 42 (or 46; end of induction, St. Jude)")),
    ("day78", _("Day 78")),
    ("end_consolidation", _("End of consolidation")),
    ("week14", _("Week 14")),
    ("other", _("Other")),
]


# units.MRD_NOT_DETECTED, spelled out so makemessages finds it (a test checks the two agree).
MRD_NOT_DETECTED_MSGID = gettext_noop("not detected (< {pct}%)")


class MrdResult(EntryDetail):
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="mrd")
    timepoint = models.CharField(_("timepoint"), max_length=20, choices=MRD_TIMEPOINT_CHOICES)
    sample = models.CharField(_("sample"), max_length=8, choices=MrdSample.choices)
    method = models.CharField(_("method"), max_length=6, choices=MrdMethod.choices)
    value_pct = models.DecimalField(
        _("MRD (%)"),
        max_digits=9,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    negative_below_pct = models.DecimalField(
        _("not detected, sensitivity (%)"),
        max_digits=9,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("For a negative result: the test's sensitivity, e.g. 0.01."),
    )

    class Meta(EntryDetail.Meta):
        abstract = False
        verbose_name = _("MRD result")
        verbose_name_plural = _("MRD results")
        constraints = [
            models.CheckConstraint(
                condition=Q(value_pct__isnull=False, negative_below_pct__isnull=True)
                | Q(value_pct__isnull=True, negative_below_pct__isnull=False),
                name="mrd_value_xor_negative",
            )
        ]

    @property
    def display(self) -> str:
        return mrd_text(self.value_pct, self.negative_below_pct, not_detected=gettext(MRD_NOT_DETECTED_MSGID))


class LabResult(EntryDetail):
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="lab")
    test_name = models.CharField(_("test"), max_length=120)
    value = models.CharField(_("value"), max_length=60)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    reference_range = models.CharField(_("reference range"), max_length=60, blank=True)


class RadiationSite(models.TextChoices):
    CRANIAL = "cranial", _("Cranial")
    CRANIOSPINAL = "craniospinal", _("Craniospinal")
    TBI = "tbi", _("Total body (TBI)")
    TESTICULAR = "testicular", _("Testicular")
    CHEST = "chest", _("Chest")
    MEDIASTINUM = "mediastinum", _("Mediastinum")
    WHOLE_LUNG = "whole_lung", _("Whole lung")
    OTHER = "other", _("Other")


class Radiation(EntryDetail):
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="radiation")
    site = models.CharField(_("site"), max_length=14, choices=RadiationSite.choices)
    total_gy = models.DecimalField(_("total dose (Gy)"), max_digits=5, decimal_places=2, validators=_positive)
    fractions = models.PositiveSmallIntegerField(_("fractions"), validators=[MinValueValidator(1)])


class BloodProduct(models.TextChoices):
    RED_CELLS = "red_cells", _("Red cells")
    PLATELETS = "platelets", _("Platelets")
    PLASMA = "plasma", _("Plasma")
    OTHER = "other", _("Other")


class Transfusion(EntryDetail):
    entry = models.OneToOneField(TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="transfusion")
    product = models.CharField(_("product"), max_length=10, choices=BloodProduct.choices)
    units = models.PositiveSmallIntegerField(_("units"), default=1, validators=[MinValueValidator(1)])


class AdverseEvent(EntryDetail):
    entry = models.OneToOneField(
        TimelineEntry, on_delete=models.CASCADE, primary_key=True, related_name="adverse_event"
    )
    ctcae_term = models.CharField(_("CTCAE term"), max_length=120)
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("CTCAE grade 1–5")
    )


# kind -> (detail model, related name on TimelineEntry)
DETAIL_MODELS = {
    EntryKind.CHEMO: ChemoAdministration,
    EntryKind.LUMBAR_PUNCTURE: LumbarPuncture,
    EntryKind.MRD: MrdResult,
    EntryKind.LAB: LabResult,
    EntryKind.RADIATION: Radiation,
    EntryKind.TRANSFUSION: Transfusion,
    EntryKind.ADVERSE_EVENT: AdverseEvent,
}
DETAIL_RELATED = {
    "chemo": "chemo",
    "lumbar_puncture": "lumbar_puncture",
    "mrd": "mrd",
    "lab": "lab",
    "radiation": "radiation",
    "transfusion": "transfusion",
    "adverse_event": "adverse_event",
}
