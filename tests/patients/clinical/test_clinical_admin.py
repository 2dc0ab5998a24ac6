"""Admin pages of the clinical record load, are audited, and admin edits refresh derived data."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from patients.models import ExposureRecord, ExposureRuleSet, RiskAssessment, RiskSchemeConfig, TimelineEntry
from portal.care.models import AuditEvent
from tests.patients.factories import add_chemo, populate_record

pytestmark = pytest.mark.django_db


def test_admin_pages_load_and_are_audited(admin_client_verified, clinician, patient):
    populate_record(clinician, patient, date.today() - timedelta(days=60))
    entry = TimelineEntry.objects.filter(kind="chemo").first()
    for model in ("diagnosis", "timelineentry", "riskassessment", "exposurerecord", "treatmentphase"):
        assert admin_client_verified.get(reverse(f"admin:patients_{model}_changelist")).status_code == 200
    page = admin_client_verified.get(reverse("admin:patients_timelineentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b"chemo-0-dose" in page.content
    assert AuditEvent.objects.filter(purpose="admin", patient=patient, action="view").exists()
    for model in ("drug", "geneticmarker", "predispositionsyndrome", "exposureruleset", "riskschemeconfig"):
        assert admin_client_verified.get(reverse(f"admin:patients_{model}_add")).status_code == 200


def test_only_one_active_risk_setting(admin_client_verified):
    response = admin_client_verified.post(
        reverse("admin:patients_riskschemeconfig_add"),
        {
            "name": "Second",
            "scheme": "nci_rome",
            "active": "on",
            "sr_age_min_years": "1",
            "sr_age_max_years": "10",
            "wbc_cutoff_per_ul": "50000",
            "very_high_age_years": "13",
            "cns2_handling": "not_low",
            "dna_index_hyperdiploid_min": "1.16",
            "stjude_low_markers": "[]",
            "stjude_high_markers": "[]",
        },
    )
    assert response.status_code == 200 and b"Only one risk setting can be active" in response.content
    assert RiskSchemeConfig.objects.count() == 1


def test_refresh_command_after_settings_change(clinician, patient):
    populate_record(clinician, patient, date.today() - timedelta(days=60))
    before = RiskAssessment.objects.count()
    call_command("refresh_clinical_record")
    assert RiskAssessment.objects.count() == before  # nothing changed: no new rows
    RiskSchemeConfig.objects.update(scheme="nci_rome")
    call_command("refresh_clinical_record", patient=[patient.pk])
    assert RiskAssessment.objects.first().scheme == "nci_rome"
    ExposureRecord.objects.all().delete()
    add_chemo(clinician, patient, date.today(), "doxorubicin", 10)
    ExposureRuleSet.objects.update(active=False)
    with pytest.raises(CommandError):
        call_command("refresh_clinical_record")
