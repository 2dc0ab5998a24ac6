"""Controlled vocabularies and versioned clinical data, edited by admins, loaded by a data migration.

Nothing here is patient data. Classifications and factors are rows, not constants, so a centre can
follow a newer source (e.g. a revised mitoxantrone factor) by adding a rule-set version.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.exposures.dose_limits import DoseRange

from .timeline import Route


class Classification(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    NEUTRAL = "neutral", _("Neutral")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")


class GeneticMarker(models.Model):
    """A genetic feature of the leukaemia cells and its prognostic classification (PDQ; ASH reviews)."""

    code = models.SlugField(max_length=40, unique=True, help_text=_("Stable key the risk schemes refer to."))
    name = models.CharField(max_length=120)
    classification = models.CharField(max_length=14, choices=Classification.choices)
    description = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PredispositionSyndrome(models.Model):
    """Inherited conditions linked to ALL (St. Jude ALL page, reviewed Aug 2023)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DrugClass(models.TextChoices):
    ANTHRACYCLINE = "anthracycline", _("Anthracycline")
    ALKYLATOR = "alkylator", _("Alkylating agent")
    ANTIMETABOLITE = "antimetabolite", _("Antimetabolite")
    VINCA = "vinca", _("Vinca alkaloid")
    CORTICOSTEROID = "corticosteroid", _("Corticosteroid")
    ASPARAGINASE = "asparaginase", _("Asparaginase")
    OTHER = "other", _("Other")


class Drug(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=16, choices=DrugClass.choices)
    atc_code = models.CharField(
        max_length=8, blank=True, help_text=_("WHO ATC code, used in FHIR passports (MedicationAdministration).")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ExposureRuleSet(models.Model):
    """One version of the exposure rules: anthracycline factors and high-dose thresholds, with its source."""

    version = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=300)
    active = models.BooleanField(default=False, help_text=_("Exactly one rule set is used for new calculations."))
    high_dose_methotrexate_mg_m2 = models.DecimalField(
        max_digits=8, decimal_places=1, default=1000, validators=[MinValueValidator(0)]
    )
    high_dose_cytarabine_mg_m2 = models.DecimalField(
        max_digits=8, decimal_places=1, default=1000, validators=[MinValueValidator(0)]
    )
    steroid_course_min_days = models.PositiveIntegerField(default=28)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="one_active_exposure_rules",
                violation_error_message=_(
                    "Only one exposure rule set can be active: deactivate the current one first."
                ),
            )
        ]

    def __str__(self):
        return self.version


class AnthracyclineFactor(models.Model):
    rule_set = models.ForeignKey(ExposureRuleSet, on_delete=models.CASCADE, related_name="factors")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, limit_choices_to={"drug_class": "anthracycline"})
    factor = models.DecimalField(max_digits=6, decimal_places=3, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule_set", "drug"], name="one_factor_per_drug_per_rules")]

    def __str__(self):
        return f"{self.drug.code} × {self.factor}"


class CedFormula(models.Model):
    """One version of the cyclophosphamide-equivalent dose formula (Green DM et al., Pediatr Blood Cancer 2014).

    CED (mg/m²) is the sum of each alkylating agent's cumulative dose times its factor (CedFactor rows).
    """

    version = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=300)
    active = models.BooleanField(default=False, help_text=_("Exactly one formula is used for new calculations."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cyclophosphamide-equivalent dose formula")
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="one_active_ced_formula",
                violation_error_message=_("Only one CED formula can be active: deactivate the current one first."),
            )
        ]

    def __str__(self):
        return self.version


class CedFactor(models.Model):
    formula = models.ForeignKey(CedFormula, on_delete=models.CASCADE, related_name="factors")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, limit_choices_to={"drug_class": "alkylator"})
    factor = models.DecimalField(max_digits=7, decimal_places=3, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("CED factor")
        verbose_name_plural = _("CED factors")
        constraints = [models.UniqueConstraint(fields=["formula", "drug"], name="one_ced_factor_per_drug")]

    def __str__(self):
        return f"{self.drug.code} × {self.factor}"


class DoseBasis(models.TextChoices):
    PER_M2 = "per_m2", _("per m² of body surface area")
    PER_KG = "per_kg", _("per kg of body weight")
    FLAT = "flat", _("flat (whole dose)")


class DoseAmount(models.TextChoices):
    MG = "mg", "mg"
    UNITS = "units", _("units")


class DoseLimit(models.Model):
    """The typical range of one administration of a drug, for the plausibility check at dose entry.

    A dose outside [low, high] is saved only with the clinician's explicit confirmation and reason.
    `route` empty: every route that has no limit of its own for this drug (e.g. methotrexate
    intravenous and intrathecal have separate rows). `cap_mg`: the largest whole dose of one
    administration (e.g. vincristine 2 mg), checked when the child's BSA or weight is known.
    """

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="dose_limits")
    route = models.CharField(
        max_length=12,
        blank=True,
        choices=Route.choices,
        help_text=_("Empty: any route without its own limit."),
    )
    basis = models.CharField(max_length=8, choices=DoseBasis.choices)
    amount = models.CharField(max_length=6, choices=DoseAmount.choices, default=DoseAmount.MG)
    low = models.DecimalField(max_digits=10, decimal_places=3, validators=[MinValueValidator(0)])
    high = models.DecimalField(max_digits=10, decimal_places=3, validators=[MinValueValidator(0)])
    cap_mg = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    source = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["drug__name", "route", "basis"]
        constraints = [
            models.UniqueConstraint(fields=["drug", "route", "basis", "amount"], name="one_dose_limit_per_basis"),
            models.CheckConstraint(condition=Q(high__gte=models.F("low")), name="dose_limit_high_above_low"),
        ]

    def __str__(self):
        return f"{self.drug.code} {self.route or 'any route'}: {self.low}–{self.high} {self.amount} {self.basis}"

    def as_range(self, drug_code: str) -> DoseRange:
        """The plain value the pure dose check compares with."""
        cap = None if self.cap_mg is None else float(self.cap_mg)
        return DoseRange(
            drug_code, self.route, self.basis, self.amount, float(self.low), float(self.high), self.source, cap
        )
