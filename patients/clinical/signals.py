"""Sent with sender=ExposureSummary, patient_id=<int>, summary=<the new ExposureSummary>, only when
a child's stored exposures actually changed (patients.clinical.exposure_store.recompute_exposures)."""

import django.dispatch

exposures_changed = django.dispatch.Signal()
