"""Glue from the clinical record to the care plan: when a child's exposures change, recompute.

The clinical record (issue 3) sends `exposures_changed` (sender=ExposureSummary, patient_id=...)
and provides patients.exposures.store.load_exposure_summary(patient). The import is lazy so this
module loads even before that store exists. Connect by importing this module in
PatientsConfig.ready().
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from patients.exposures.summary import exposures_changed


def recompute_for_patient(patient_id: int):
    from patients.exposures.store import load_exposure_summary
    from patients.late_effects.services import recompute_care_plan
    from patients.models import Patient

    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return None
    return recompute_care_plan(patient, load_exposure_summary(patient))


@receiver(exposures_changed, dispatch_uid="late_effects_recompute_on_exposures_changed")
def on_exposures_changed(sender, patient_id: int, **kwargs) -> None:
    # After the exposure edit commits, so the recompute reads what was saved (and a rollback recomputes nothing).
    transaction.on_commit(lambda: recompute_for_patient(patient_id))
