"""Helpers for care-plan tests: the shipped rule set loaded and active, and plans from summaries."""

import importlib
from datetime import date

from patients.exposures.summary import ExposureSummary
from patients.late_effects import services
from patients.late_effects.schema import DEFAULT_RULESET_PATH


def ensure_reference_data() -> None:
    """Rule sets are checked against the reference vocabularies (data migration 0003). A transactional
    test flushes every table and --reuse-db keeps that state, so reload them when missing (idempotent)."""
    from django.apps import apps

    from patients.models import Drug

    if not Drug.objects.exists():
        importlib.import_module("patients.migrations.0003_clinical_reference_data").load(apps, None)


def load_default_ruleset(activate: bool = True):
    ensure_reference_data()
    ruleset, _created = services.load_ruleset(
        DEFAULT_RULESET_PATH.read_text(), filename=DEFAULT_RULESET_PATH.name, activate=activate
    )
    return ruleset


def high_anthracycline_summary(therapy_end: date) -> ExposureSummary:
    return ExposureSummary(
        anthracycline_dox_eq_mg_m2=300,
        intrathecal_chemotherapy=True,
        any_vinca_alkaloid=True,
        therapy_start=date(therapy_end.year - 2, therapy_end.month, 1),
        therapy_end=therapy_end,
    )
