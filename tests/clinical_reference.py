"""Reload the clinical reference data (migration 0003) when a transactional test flushed it.

Browser and other transactional tests flush every table at teardown, so a later test that seeds
demo data through the clinical services would find no drugs or markers. Idempotent.
"""

import importlib


def ensure_clinical_reference_data() -> None:
    from django.apps import apps

    from patients.models import Drug

    if not Drug.objects.exists():
        importlib.import_module("patients.migrations.0002_clinical_reference_data").load(apps, None)
