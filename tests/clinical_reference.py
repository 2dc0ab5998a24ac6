"""Reload the clinical reference data (data migrations 0002 and 0004) when a transactional test flushed it.

Browser and other transactional tests flush every table at teardown, so a later test that seeds
demo data through the clinical services would find no drugs or markers. Idempotent.
"""

import importlib

# The hand-written data migrations of the patients app, in order (each has an idempotent load()).
REFERENCE_DATA_MIGRATIONS = ("0002_clinical_reference_data", "0006_ced_factors_and_dose_limits")


def ensure_clinical_reference_data() -> None:
    from django.apps import apps

    from patients.models import Drug

    if not Drug.objects.exists():
        for name in REFERENCE_DATA_MIGRATIONS:
            importlib.import_module(f"patients.migrations.{name}").load(apps, None)
