"""Helpers for care-plan tests: the shipped rule set loaded and active, and plans from summaries."""

from datetime import date

from patients.exposures.summary import ExposureSummary
from patients.late_effects import services
from patients.late_effects.schema import DEFAULT_RULESET_PATH
from tests.clinical_reference import ensure_clinical_reference_data


def load_default_ruleset(activate: bool = True):
    ensure_clinical_reference_data()  # loading checks codes against it
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
