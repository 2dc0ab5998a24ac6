"""Controlled vocabularies and versioned clinical data, edited by admins, loaded by a data migration.

Nothing here is patient data. Classifications and factors are rows, not constants, so a centre can
follow a newer source (e.g. a revised mitoxantrone factor) by adding a rule-set version.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
