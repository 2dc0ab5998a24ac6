"""Risk scheme configuration (centre choices, admin-edited) and the history of risk assessments.

Assessments are append-only: each change of inputs adds a row with the engine's result; a
clinician's confirmation or override (with a reason) is written onto that row, so the computed
group and the clinician's decision are both kept and shown.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patients.risk import SCHEMES, SchemeConfig
from patients.risk.result import headline as risk_headline
from portal.fields import BoundedTextField

SCHEME_CHOICES = [(s.key, s.name) for s in SCHEMES.values()]  # versions live on each assessment
ALL_GROUPS = sorted({g for s in SCHEMES.values() for g in s.groups})
GROUP_LABELS = {
    "low": pgettext_lazy("risk group", "Low"),
    "average": pgettext_lazy("risk group", "Average"),
    "standard": pgettext_lazy("risk group", "Standard"),
    "high": pgettext_lazy("risk group", "High"),
    "very_high": pgettext_lazy("risk group", "Very high"),
}
GROUP_CHOICES = [(g, GROUP_LABELS[g]) for g in ALL_GROUPS]


class Cns2Handling(models.TextChoices):
    IGNORE = "ignore", _("Does not change the group")
    NOT_LOW = "not_low", _("Never low risk")
    HIGH = "high", _("At least high risk")


def _default_low_markers():
    return list(SchemeConfig.stjude_low_markers)


def _default_high_markers():
    return list(SchemeConfig.stjude_high_markers)


class RiskSchemeConfig(models.Model):
    """The centre's risk settings. Exactly one is active; new assessments use it."""

    name = models.CharField(max_length=80)
    scheme = models.CharField(max_length=20, choices=SCHEME_CHOICES, default="cog_aall08b1")
    active = models.BooleanField(default=False)
    sr_age_min_years = models.DecimalField(max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(0)])
    sr_age_max_years = models.DecimalField(
        max_digits=4, decimal_places=2, default=10, validators=[MinValueValidator(0)]
    )
    wbc_cutoff_per_ul = models.PositiveIntegerField(default=50_000)
    very_high_age_years = models.DecimalField(max_digits=4, decimal_places=2, default=13)
    cns2_handling = models.CharField(max_length=8, choices=Cns2Handling.choices, default=Cns2Handling.NOT_LOW)
    cns3_is_high = models.BooleanField(default=True)
    testicular_is_high = models.BooleanField(default=True, help_text=_("COG counts testicular disease as high risk."))
    steroid_pretreatment_is_high = models.BooleanField(default=True)
    dna_index_hyperdiploid_min = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=1.16,
        help_text=_("A DNA index at or above this counts as high hyperdiploidy."),
    )
    stjude_low_markers = models.JSONField(default=_default_low_markers, blank=True, help_text=_("Marker codes"))
    stjude_high_markers = models.JSONField(default=_default_high_markers, blank=True, help_text=_("Marker codes"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="one_active_risk_config",
                violation_error_message=_("Only one risk setting can be active: deactivate the current one first."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        lo, hi = self.sr_age_min_years, self.sr_age_max_years
        if lo is not None and hi is not None and lo >= hi:
            raise ValidationError({"sr_age_max_years": _("Must be above the lower age cut-off.")})

    def to_engine(self) -> SchemeConfig:
        return SchemeConfig(
            sr_age_min_years=float(self.sr_age_min_years),
            sr_age_max_years=float(self.sr_age_max_years),
            wbc_cutoff_per_ul=float(self.wbc_cutoff_per_ul),
            very_high_age_years=float(self.very_high_age_years),
            cns2_handling=self.cns2_handling,
            cns3_is_high=self.cns3_is_high,
            testicular_is_high=self.testicular_is_high,
            steroid_pretreatment_is_high=self.steroid_pretreatment_is_high,
            stjude_low_markers=tuple(self.stjude_low_markers or ()),
            stjude_high_markers=tuple(self.stjude_high_markers or ()),
        )


class Decision(models.TextChoices):
    PENDING = "", _("Not reviewed")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERRIDDEN = "overridden", _("Overridden")


class RiskAssessment(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="risk_assessments")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheme = models.CharField(max_length=20, choices=SCHEME_CHOICES)
    scheme_version = models.CharField(max_length=60)
    source = models.CharField(max_length=300)
    config = models.ForeignKey(RiskSchemeConfig, null=True, blank=True, on_delete=models.SET_NULL)
    inputs = models.JSONField(help_text=_("The inputs and centre settings this result was computed from."))
    group = models.CharField(max_length=12, choices=GROUP_CHOICES)
    provisional = models.BooleanField(default=False)
    missing = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    possible_groups = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING, blank=True)
    decided_group = models.CharField(max_length=12, choices=GROUP_CHOICES, blank=True)
    decision_reason = BoundedTextField(max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self):
        return f"{self.get_scheme_display()}: {self.headline}"

    @property
    def headline(self) -> str:
        """The group, or "pending" with the range and missing inputs (never the lowest group alone)."""
        return risk_headline(self.group, self.provisional, self.missing or (), self.possible_groups or ())

    @property
    def pending_range(self) -> tuple[str, str] | None:
        """(lowest, highest) group still possible, in words, while provisional; None when final."""
        groups = self.possible_groups or ()
        if not self.provisional or len(groups) < 2:
            return None
        labels = dict(GROUP_CHOICES)
        return labels.get(groups[0], groups[0]), labels.get(groups[-1], groups[-1])

    @property
    def effective_group(self) -> str:
        return self.decided_group or self.group

    @property
    def scheme_groups(self) -> list[tuple[str, str]]:
        return [(g, g.replace("_", " ").capitalize()) for g in SCHEMES[self.scheme].groups]
