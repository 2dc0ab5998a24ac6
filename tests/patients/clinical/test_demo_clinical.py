"""seed_demo's clinical step: realistic records written through the real services, bounded, repeatable."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from education.models import FamilyQuestion, PageShare
from patients import demo_clinical
from patients.late_effects.models import CarePlan, FollowUpItem
from patients.models import (
    Diagnosis,
    ExposureRecord,
    ManualTreatmentSummary,
    Patient,
    RiskAssessment,
    TimelineEntry,
    TreatmentPhase,
)
from patients.reminders.models import Reminder
from patients.reminders.services import sweep
from portal.accounts.models import User
from portal.care.access import visible_entries
from portal.care.models import AuditEvent
from portal.services import demo_data

pytestmark = pytest.mark.django_db


def seed(patients=10) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--allow-without-debug", "--patients", str(patients), stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    output = seed()
    return {
        "output": output,
        "child": Patient.objects.get(mrn=demo_data.FAMILY_CHILD_MRN),
        "family": User.objects.get(email=demo_data.FAMILY_EMAIL),
        "clinician": User.objects.get(email=demo_data.CLINICIAN_EMAIL),
    }


def test_family_child_has_a_full_record_and_is_in_maintenance(seeded):
    child, today = seeded["child"], timezone.localdate()
    diagnosis = Diagnosis.objects.get(patient=child)
    assert diagnosis.lineage == "B" and diagnosis.cns_status == "CNS1"
    assert list(diagnosis.genetic_markers.values_list("code", flat=True)) == ["ETV6_RUNX1"]
    assert diagnosis.wbc_per_ul == 62_400

    current = TreatmentPhase.objects.get(patient=child, actual_start__lte=today, actual_end__isnull=True)
    assert current.key == "maintenance"
    assert TreatmentPhase.objects.filter(patient=child, actual_end__lt=today).count() == 4

    entries = TimelineEntry.objects.filter(patient=child).select_related("chemo__drug", "mrd")
    anthracyclines = [
        (e.chemo.drug.code, e.phase.key)
        for e in entries
        if e.kind == "chemo" and e.chemo.drug.code in ("daunorubicin", "doxorubicin")
    ]
    assert anthracyclines.count(("daunorubicin", "induction")) == 4
    assert anthracyclines.count(("doxorubicin", "delayed_intensification")) == 3
    assert all(e.chemo.bsa_m2 for e in entries if e.kind == "chemo")  # BSA computed from height and weight
    assert sorted(e.mrd.timepoint for e in entries if e.kind == "mrd") == ["day29", "day8"]
    kinds = {e.kind for e in entries}
    assert {"lumbar_puncture", "bone_marrow", "procedure", "transfusion", "admission", "adverse_event"} <= kinds
    assert entries.filter(kind="milestone", subtype="remission").exists()
    assert entries.filter(kind="appointment", occurred_on__gt=today).exists()
    assert entries.filter(kind="lumbar_puncture", lumbar_puncture__it_drugs__code="methotrexate").count() >= 8

    # Derived data comes from the real code: risk confirmed by the clinician, exposures computed.
    risk = RiskAssessment.objects.filter(patient=child).latest("created_at", "id")
    assert (risk.group, risk.provisional, risk.decision, risk.decided_by) == (
        "high",
        False,
        "confirmed",
        seeded["clinician"],
    )
    # 4 × 25 mg/m² daunorubicin × 0.6 + 3 × 25 mg/m² doxorubicin = 135 mg/m² doxorubicin equivalent
    assert ExposureRecord.objects.get(patient=child).anthracycline_dox_eq_mg_m2 == pytest.approx(135)
    assert AuditEvent.objects.filter(patient=child, user=seeded["clinician"], action="create").count() > 50


def test_family_sees_released_entries_only(seeded):
    child, family, clinician = seeded["child"], seeded["family"], seeded["clinician"]
    everything = TimelineEntry.objects.filter(patient=child)
    family_sees = visible_entries(family, child, TimelineEntry.objects.all())
    hidden = set(everything.values_list("pk", flat=True)) - set(family_sees.values_list("pk", flat=True))
    assert 1 <= len(hidden) <= 5  # most released, a few for the care team only
    assert everything.filter(pk__in=hidden).exclude(visibility="clinician").count() == 0
    assert visible_entries(clinician, child, TimelineEntry.objects.all()).count() == everything.count()


def test_survivors_have_released_care_plans_and_reminders_sweep(seeded):
    clinician, today = seeded["clinician"], timezone.localdate()
    survivors = Patient.objects.filter(care_team__clinician=clinician, care_plan__released_to_family=True).distinct()
    assert survivors.count() == 2
    manual = ManualTreatmentSummary.objects.get(patient__in=survivors)
    assert ExposureRecord.objects.get(patient=manual.patient).anthracycline_dox_eq_mg_m2 == pytest.approx(300)
    other = survivors.exclude(pk=manual.patient_id).get()
    assert TimelineEntry.objects.filter(patient=other, kind="milestone", subtype="end_of_therapy").exists()
    for child in survivors:
        items = FollowUpItem.objects.filter(patient=child, status="open")
        assert items.exists() and not items.exclude(visibility="released").exists()
        assert items.filter(due_on__lt=today).exists()  # overdue
    assert FollowUpItem.objects.filter(patient=other, due_on__gte=today, due_on__lte=today + timedelta(days=30))
    assert CarePlan.objects.filter(patient__in=survivors).count() == 2

    with mock.patch("patients.reminders.services.enqueue_delivery"):
        sweep()
    reminded = set(Reminder.objects.filter(recipient__role="family").values_list("item__patient", flat=True))
    assert reminded == set(survivors.values_list("pk", flat=True))


def test_family_questions_and_a_shared_page(seeded):
    child = seeded["child"]
    assert FamilyQuestion.objects.filter(patient=child).count() == len(demo_clinical.FAMILY_QUESTIONS)
    share = PageShare.objects.get(patient=child)
    assert share.page.is_live and share.page.audience == "family" and share.shared_by == seeded["clinician"]


def test_second_run_adds_nothing(seeded):
    counts = (TimelineEntry.objects.count(), AuditEvent.objects.count(), RiskAssessment.objects.count())
    output = seed()
    assert "0 written" in output
    assert (TimelineEntry.objects.count(), AuditEvent.objects.count(), RiskAssessment.objects.count()) == counts


def test_number_of_records_is_bounded():
    seed(patients=80)
    records = Patient.objects.filter(diagnosis__isnull=False).count() + ManualTreatmentSummary.objects.count()
    assert records <= 1 + 2 + demo_clinical.MAX_ON_THERAPY_OTHERS
    assert records >= 5
