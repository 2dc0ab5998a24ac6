"""Reference data (drugs, markers, syndromes, exposure rules, risk settings) for clinical-record tests.

It comes from data migration 0003, but a transactional test elsewhere (e.g. browser tests) flushes
every table, and --reuse-db keeps that flushed state; reload it when missing (idempotent).
"""

import importlib

import pytest


@pytest.fixture(autouse=True)
def _clinical_reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from django.apps import apps

    from patients.models import Drug

    if not Drug.objects.exists():
        importlib.import_module("patients.migrations.0002_clinical_reference_data").load(apps, None)
