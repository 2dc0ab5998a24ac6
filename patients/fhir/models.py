"""One row per passport read in: what was mapped, tolerated and left for review, and the sending plan."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PassportImport(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="passport_imports")
    checksum = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the canonical Bundle JSON.")
    source_patient_id = models.CharField(max_length=120, blank=True)
    centre = models.CharField(max_length=200, blank=True)
    bundle_type = models.CharField(max_length=20, blank=True)
    counts = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    review = models.JSONField(default=list, help_text="Unknown codes: the exposures are incomplete until resolved.")
    their_recommendations = models.JSONField(default=list)
    review_resolved = models.BooleanField(default=False)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["patient", "checksum"], name="passport_import_once_per_patient")]

    def __str__(self) -> str:
        return f"Passport import {self.pk} for patient {self.patient_id}"

    @property
    def exposures_incomplete(self) -> bool:
        return bool(self.review) and not self.review_resolved
