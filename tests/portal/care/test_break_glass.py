"""Break the glass: a reason, a time limit, a flag in the audit trail, the care team told; 404 again after."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from portal.care.models import AuditEvent, BreakGlassGrant, Notification
from tests.factories import CareTeamMembershipFactory

pytestmark = pytest.mark.django_db

URL = reverse("patients:break_glass")
REASON = "Admitted overnight to the ward I cover"


def detail(patient):
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


def test_outsider_states_a_reason_and_gets_time_limited_flagged_access(
    outsider_client, outsider_clinician, clinician, patient
):
    second = CareTeamMembershipFactory(patient=patient).clinician
    assert outsider_client.get(detail(patient)).status_code == 404
    response = outsider_client.post(URL, {"mrn": patient.mrn.lower(), "reason": REASON})
    assert response.status_code == 302 and response["Location"] == detail(patient)

    grant = BreakGlassGrant.objects.get(clinician=outsider_clinician, patient=patient)
    assert grant.reason == REASON
    assert abs(grant.expires_at - (grant.created_at + timedelta(hours=12))) < timedelta(seconds=1)
    flagged = AuditEvent.objects.get(action="break_glass")
    assert (flagged.user, flagged.patient, flagged.purpose) == (outsider_clinician, patient, "break_glass")

    notes = Notification.objects.filter(kind="break_glass")
    assert {n.user for n in notes} == {clinician, second}
    for note in notes:
        assert patient.mrn in note.body
        for secret in (REASON, patient.given_name, patient.family_name):
            assert secret not in note.title and secret not in note.body

    assert outsider_client.get(detail(patient)).status_code == 200
    assert AuditEvent.objects.filter(action="view", user=outsider_clinician).get().purpose == "break_glass"

    with time_machine.travel(grant.expires_at + timedelta(seconds=1)):
        # Fresh session: the old one would have timed out long before.
        from tests.conftest import signed_in_client

        later = signed_in_client(outsider_clinician)
        assert later.get(detail(patient)).status_code == 404


@override_settings(BREAK_GLASS_DURATION=timedelta(hours=2))
def test_duration_is_a_setting(outsider_client, outsider_clinician, patient):
    outsider_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    grant = BreakGlassGrant.objects.get()
    assert abs(grant.expires_at - grant.created_at - timedelta(hours=2)) < timedelta(seconds=1)


def test_break_glass_hours_comes_from_the_environment(monkeypatch):
    import importlib

    import portal.settings.base as base

    monkeypatch.setenv("BREAK_GLASS_HOURS", "4")
    try:
        assert timedelta(hours=4) == importlib.reload(base).BREAK_GLASS_DURATION
    finally:
        monkeypatch.delenv("BREAK_GLASS_HOURS")
        importlib.reload(base)


@pytest.mark.parametrize("reason", ["", "   ", "short"])
def test_reason_is_required_with_a_minimum_length(outsider_client, patient, reason):
    response = outsider_client.post(URL, {"mrn": patient.mrn, "reason": reason})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not BreakGlassGrant.objects.exists()
    assert not Notification.objects.exists()
    assert patient.given_name not in response.content.decode()


def test_unknown_mrn_is_a_form_error_and_recorded(outsider_client, outsider_clinician):
    response = outsider_client.post(URL, {"mrn": "NOPE-1", "reason": REASON})
    assert response.status_code == 400
    assert "No record has this MRN" in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", user=outsider_clinician).exists()


def test_care_team_member_is_just_sent_to_the_record(clinician_client, patient):
    response = clinician_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 302
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("fixture", ["family_client", "editor_client"])
def test_only_clinicians_may_break_the_glass(request, fixture, patient):
    client = request.getfixturevalue(fixture)
    response = client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_revoked_grant_ends_access(outsider_client, outsider_clinician, patient, site_admin):
    from portal.care.break_glass import revoke_grants

    outsider_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    assert outsider_client.get(detail(patient)).status_code == 200
    assert revoke_grants(site_admin, BreakGlassGrant.objects.all()) == 1
    assert outsider_client.get(detail(patient)).status_code == 404
    assert revoke_grants(site_admin, BreakGlassGrant.objects.all()) == 0


def test_grant_page_states_the_duration(outsider_client):
    with override_settings(BREAK_GLASS_DURATION=timedelta(hours=6)):
        assert "6 hours" in outsider_client.get(URL).content.decode()


def test_family_sees_break_glass_access_marked_in_who_viewed(
    outsider_client, outsider_clinician, family_client, patient
):
    outsider_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    outsider_client.get(detail(patient))
    html = family_client.get(reverse("patients:family_access_log", kwargs={"patient_id": patient.pk})).content
    html = html.decode()
    assert outsider_clinician.get_full_name() in html
    assert "Emergency access" in html
    assert REASON not in html
    assert timezone.now()


def test_lower_case_twin_is_refused_and_break_glass_opens_only_the_asked_child(
    clinician_client, outsider_client, outsider_clinician
):
    """Issue 13, finding 1: "d0000001" beside D0000001 used to be accepted and then granted instead."""
    from tests.factories import PatientFactory

    wanted = PatientFactory(mrn="D0000001")
    twin = clinician_client.post(
        reverse("api-patient-list"),
        {"mrn": "d0000001", "given_name": "Twin", "family_name": "Other", "date_of_birth": "2019-05-01"},
        content_type="application/json",
    )
    assert twin.status_code == 400
    assert "mrn" in twin.json()
    assert list(Patient.objects.filter(mrn__iexact="d0000001").values_list("pk", flat=True)) == [wanted.pk]

    for typed in ("D0000001", "d0000001", "  d0000001 "):
        response = outsider_client.post(URL, {"mrn": typed, "reason": REASON})
        assert response.status_code == 302 and response["Location"] == detail(wanted)
    assert set(BreakGlassGrant.objects.values_list("patient_id", flat=True)) == {wanted.pk}


def test_a_twin_written_past_the_application_is_refused_by_the_database(patient):
    from django.db import IntegrityError, connection, transaction

    columns = "mrn, given_name, family_name, preferred_name, date_of_birth, sex, preferred_language, status"
    copy = f"INSERT INTO patients_patient ({columns}, version, created_at, updated_at) SELECT lower(mrn), {columns[4:]}"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(copy + ", 1, created_at, updated_at FROM patients_patient WHERE id = %s", [patient.pk])


def test_break_glass_never_picks_the_first_of_several(outsider_client, outsider_clinician, patient, monkeypatch):
    """Should two records ever answer one MRN, no grant is made to either."""
    from tests.factories import PatientFactory

    other = PatientFactory()
    real_filter = Patient.objects.filter

    def both(*args, **kwargs):
        return real_filter(pk__in=[patient.pk, other.pk]) if "mrn" in kwargs else real_filter(*args, **kwargs)

    monkeypatch.setattr(Patient.objects, "filter", both)
    response = outsider_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 400
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.filter(action="denied", user=outsider_clinician).exists()
