"""Care-plan services: recompute keeps history, completion schedules the next recurrence."""

from dataclasses import replace
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.late_effects import services
from patients.late_effects.engine import add_months
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus
from patients.models import Visibility
from portal.care.models import AuditEvent
from tests.factories import PatientFactory
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

pytestmark = pytest.mark.django_db


@pytest.fixture
def ruleset():
    return load_default_ruleset()


@pytest.fixture
def girl(db):
    return PatientFactory(sex="female", date_of_birth=date(2010, 3, 1))


def open_items(patient):
    return {i.slot: i for i in FollowUpItem.objects.filter(patient=patient, status=FollowUpStatus.OPEN)}


def test_recompute_creates_items_with_reasons_and_audits(ruleset, girl):
    plan = services.recompute_care_plan(girl, high_anthracycline_summary(date(2019, 9, 1)))
    items = open_items(girl)
    assert items["cardiac_echo"].due_on == date(2021, 9, 1)
    assert items["cardiac_echo"].visibility == Visibility.CLINICIAN_ONLY
    assert "cardio-high" in items["cardiac_echo"].reasons[0]
    assert {"neurocognitive", "peripheral_neuropathy", "survivorship_visit"} <= set(items)
    assert plan.exposures["anthracycline_dox_eq_mg_m2"] == 300
    assert AuditEvent.objects.filter(patient=girl, object_type="careplan", action="update").exists()


def test_recompute_after_exposure_change_keeps_history_and_retires(ruleset, clinician, patient):
    summary = high_anthracycline_summary(date(2019, 9, 1))
    services.recompute_care_plan(patient, summary)
    with time_machine.travel(date(2021, 10, 1)):
        echo = open_items(patient)["cardiac_echo"]
        services.complete_item(clinician, echo, done_on=date(2021, 9, 20), result_note="EF 62%")
        ecg = open_items(patient)["cardiac_ecg:entry"]
        services.complete_item(clinician, ecg, done_on=date(2021, 9, 20))
    # the dose is corrected down: cardio-high no longer applies, cardio-standard does
    services.recompute_care_plan(patient, replace(summary, anthracycline_dox_eq_mg_m2=150))
    items = open_items(patient)
    assert items["cardiac_echo"].due_on == date(2026, 9, 20)  # every 5 years from the last echo
    assert "cardio-standard" in items["cardiac_echo"].reasons[0]
    assert "cardiac_ecg:entry" not in items  # one-time, already done: stays done
    assert "cardiac_ecg:adult" not in items
    done = FollowUpItem.objects.get(patient=patient, slot="cardiac_echo", status=FollowUpStatus.DONE)
    assert done.result_note == "EF 62%"
    # exposures removed entirely: open items are retired, never deleted
    services.recompute_care_plan(patient, replace(summary, anthracycline_dox_eq_mg_m2=0))
    retired = FollowUpItem.objects.get(patient=patient, slot="cardiac_echo", status=FollowUpStatus.RETIRED)
    assert "No longer indicated" in retired.status_reason
    assert FollowUpItem.objects.filter(patient=patient, status=FollowUpStatus.DONE).count() == 2


def test_recompute_is_idempotent(ruleset, patient):
    summary = high_anthracycline_summary(date(2019, 9, 1))
    services.recompute_care_plan(patient, summary)
    first = sorted(FollowUpItem.objects.filter(patient=patient).values_list("id", "slot", "due_on"))
    services.recompute_care_plan(patient, summary)
    assert sorted(FollowUpItem.objects.filter(patient=patient).values_list("id", "slot", "due_on")) == first


@time_machine.travel(date(2021, 10, 1))
def test_completing_recurring_item_schedules_next(ruleset, clinician, patient):
    services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    echo = open_items(patient)["cardiac_echo"]
    nxt = services.complete_item(clinician, echo, done_on=date(2021, 9, 15), result_note="normal")
    assert nxt.due_on == date(2023, 9, 15)
    assert nxt.previous == echo
    assert services.complete_item(clinician, open_items(patient)["cardiac_ecg:entry"], done_on=date(2021, 9, 1)) is None
    with pytest.raises(ValidationError):
        services.complete_item(clinician, echo, done_on=date(2021, 9, 15))  # already closed


def test_future_date_and_outsiders_are_refused(ruleset, clinician, outsider_clinician, family_user, patient):
    services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    item = open_items(patient)["cardiac_echo"]
    with pytest.raises(ValidationError):
        services.complete_item(clinician, item, done_on=date(2999, 1, 1))
    for user in (outsider_clinician, family_user):
        with pytest.raises(ValidationError):
            services.close_item(user, item, status="waived", reason="x")
    with pytest.raises(ValidationError):
        services.close_item(clinician, item, status="waived", reason="   ")
    services.close_item(clinician, item, status="declined", reason="Family prefers to wait a year")
    item.refresh_from_db()
    assert item.status == "declined"
    # a declined recurring screening comes back one interval (2 years) after the decision, not at once
    services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    declined_on = timezone.localdate(item.closed_at)
    assert open_items(patient)["cardiac_echo"].due_on == add_months(declined_on, 24)


def test_release_shows_current_and_future_items_to_family(ruleset, clinician, patient):
    services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    services.release_plan(clinician, patient)
    assert not FollowUpItem.objects.filter(patient=patient, visibility=Visibility.CLINICIAN_ONLY).exists()
    services.recompute_care_plan(
        patient, replace(high_anthracycline_summary(date(2019, 9, 1)), cyclophosphamide_mg_m2=1000)
    )
    assert open_items(patient)["urinary_tract"].visibility == Visibility.RELEASED


def test_ruleset_activation_recomputes_stored_plans(ruleset, patient, django_capture_on_commit_callbacks, monkeypatch):
    services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    other = services.load_ruleset(
        ruleset.raw_text.replace('version: "2026.2"', 'version: "2026.3"').replace(
            "ltfu_entry_years_after_therapy: 2", "ltfu_entry_years_after_therapy: 3"
        ),
        filename="x.yaml",
    )[0]
    from patients.late_effects import tasks

    monkeypatch.setattr(tasks.recompute_all_care_plans, "delay", lambda: tasks.recompute_all_care_plans())
    with django_capture_on_commit_callbacks(execute=True):
        services.activate_ruleset(other)
    assert list(type(other).objects.filter(active=True)) == [other]
    assert CarePlan.objects.get(patient=patient).ruleset == other
    assert open_items(patient)["cardiac_ecg:entry"].due_on == date(2022, 9, 1)  # entry now 3 years after


def test_receiver_recomputes_on_exposures_changed(ruleset, patient, django_capture_on_commit_callbacks):
    """The signal carries the new summary: the plan follows it without reading the store again."""
    from patients.clinical.signals import exposures_changed
    from patients.exposures.summary import ExposureSummary

    with django_capture_on_commit_callbacks(execute=True):
        exposures_changed.send(
            sender=ExposureSummary, patient_id=patient.pk, summary=high_anthracycline_summary(date(2019, 9, 1))
        )
    assert "cardiac_echo" in open_items(patient)
