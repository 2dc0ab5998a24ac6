"""End to end across issues 3 and 4: recording treatment updates the late-effects care plan.

A survivor's manual treatment summary (or timeline) changes their exposures; once that commits,
the `exposures_changed` signal recomputes the care plan from the active rule set.
"""

from datetime import date

import pytest

from patients.clinical.services import save_manual_summary
from patients.late_effects.models import FollowUpItem
from patients.models import ManualTreatmentSummary
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db


@pytest.fixture
def survivor():
    child = PatientFactory(date_of_birth=date(2010, 3, 1), sex="female")
    return child, CareTeamMembershipFactory(patient=child).clinician


def echo_dates(child):
    return sorted(
        FollowUpItem.objects.filter(patient=child, slot="cardiac_echo", status="open").values_list("due_on", flat=True)
    )


def test_recorded_anthracycline_dose_drives_echo_interval(survivor, django_capture_on_commit_callbacks):
    child, clinician = survivor
    load_default_ruleset()
    with django_capture_on_commit_callbacks(execute=True):
        save_manual_summary(
            clinician, child, {"therapy_end": date(2019, 9, 1), "daunorubicin_mg_m2": 250, "doxorubicin_mg_m2": 150}
        )
    # 250 × 0.6 + 150 = 300 mg/m² doxorubicin-equivalent: high risk, first echo 2 years after therapy.
    assert echo_dates(child)[:1] == [date(2021, 9, 1)]
    item = FollowUpItem.objects.get(patient=child, slot="cardiac_echo", status="open")
    assert any("300" in reason for reason in item.reasons)

    # A corrected summary (150 mg/m²) moves the child to the standard-risk echo rule.
    loaded = ManualTreatmentSummary.objects.get(patient=child).version
    with django_capture_on_commit_callbacks(execute=True):
        save_manual_summary(clinician, child, {"daunorubicin_mg_m2": 0}, expected_version=loaded)
    item = FollowUpItem.objects.get(patient=child, slot="cardiac_echo", status="open")
    assert any("150" in reason for reason in item.reasons)
