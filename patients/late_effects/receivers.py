"""Glue from the clinical record to the care plan: when a child's exposures change, recompute.

patients.clinical.exposure_store sends `exposures_changed` with the new summary, only when it changed.
Connected by LateEffectsConfig.ready().
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from patients.clinical.signals import exposures_changed
from patients.exposures.summary import ExposureSummary
from patients.late_effects.services import recompute_for_patient


@receiver(exposures_changed, dispatch_uid="late_effects_recompute_on_exposures_changed")
def on_exposures_changed(sender, patient_id: int, summary: ExposureSummary, **kwargs) -> None:
    # After the exposure edit commits, so a rollback recomputes nothing.
    transaction.on_commit(lambda: recompute_for_patient(patient_id, summary))
