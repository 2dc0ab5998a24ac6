"""Late-effects care plans: the rule sets they come from and each child's follow-up items.

A RuleSet row holds one loaded, validated file (patients/late_effects/schema.py); exactly one is
active (a partial unique constraint). A CarePlan remembers the last exposure summary and rule set
used, so a rule-set change can recompute every plan without the clinical record. FollowUpItems are
the plan's lines; recomputing never deletes one: completed, declined and waived items stay as
history, and open items that no rule asks for any more are retired with a reason.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models.base import PatientEntry
from portal.fields import BoundedTextField


class RuleSet(models.Model):
    name = models.CharField(max_length=120)
    version = models.CharField(max_length=40)
    source = BoundedTextField(max_length=2000, help_text=_("The citation for the whole rule set."))
    content = models.JSONField(help_text=_("The validated rule set, as parsed from its file."))
    raw_text = models.TextField(editable=False)
    checksum = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now, editable=False)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="ruleset_name_version_unique"),
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="ruleset_one_active"),
        ]
        verbose_name = _("late-effects rule set")

    def __str__(self) -> str:
        return f"{self.name} {self.version}" + (" (active)" if self.active else "")


class CarePlan(models.Model):
    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="care_plan")
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="care_plans")
    exposures = models.JSONField(help_text=_("The exposure summary the plan was last computed from."))
    notes = models.JSONField(default=list, blank=True)
    released_to_family = models.BooleanField(
        default=False, help_text=_("New and recomputed items are shown to the family once released.")
    )
    computed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    def __str__(self) -> str:
        return f"Care plan of patient {self.patient_id}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")
    WAIVED = "waived", _("Waived")
    RETIRED = "retired", _("No longer indicated")


class FollowUpItem(PatientEntry):
    """One screening on a child's plan. Open items are upcoming, due or overdue by date (`state`)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    slot = models.CharField(max_length=80, help_text=_("Screening key (and variant): one open item per slot."))
    screening_key = models.CharField(max_length=40)
    what = models.CharField(max_length=300)
    what_plain = models.CharField(max_length=300, blank=True)
    why = BoundedTextField(max_length=2000)
    late_effect = models.CharField(max_length=200)
    rule_ids = models.JSONField(default=list)
    sources = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    schedule = models.JSONField(default=dict)
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    result_note = BoundedTextField(max_length=2000, blank=True)
    status_reason = BoundedTextField(max_length=1000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_item",
        help_text=_("The completed item this recurrence follows."),
    )

    class Meta:
        ordering = ["due_on", "slot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "slot"], condition=Q(status="open"), name="followup_one_open_per_slot"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False), name="followup_done_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]
        verbose_name = _("follow-up item")

    def __str__(self) -> str:
        return f"Follow-up {self.pk} ({self.slot}) due {self.due_on}"

    @property
    def recurring(self) -> bool:
        return not self.schedule.get("once", False)

    def state(self, today=None) -> str:
        """upcoming | due | overdue for open items (due = within DUE_WINDOW_DAYS before the date), else the status."""
        if self.status != FollowUpStatus.OPEN:
            return self.status
        today = today or timezone.localdate()
        if today > self.due_on:
            return "overdue"
        if today >= self.due_on - timedelta(days=settings.FOLLOW_UP_DUE_WINDOW_DAYS):
            return "due"
        return "upcoming"
