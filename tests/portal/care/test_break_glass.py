"""Break the glass: a reason, a time limit, a flag in the audit trail, the care team told; 404 again after."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from portal.care.models import AuditEvent, BreakGlassGrant, Notification
from tests.factories import CareTeamMembershipFactory
from tests.settings_env import settings_from_env

pytestmark = pytest.mark.django_db

URL = reverse("patients:break_glass")
REASON = "Admitted overnight to the ward I cover"
NEUTRAL = "No record matches this MRN and date of birth"


def dob(patient):
    return patient.date_of_birth.isoformat()


def detail(patient):
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


def test_outsider_states_a_reason_and_gets_time_limited_flagged_access(
    outsider_client, outsider_clinician, clinician, patient
):
    second = CareTeamMembershipFactory(patient=patient).clinician
    assert outsider_client.get(detail(patient)).status_code == 404
    response = outsider_client.post(URL, {"mrn": patient.mrn.lower(), "date_of_birth": dob(patient), "reason": REASON})
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
    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    grant = BreakGlassGrant.objects.get()
    assert abs(grant.expires_at - grant.created_at - timedelta(hours=2)) < timedelta(seconds=1)


def test_break_glass_hours_comes_from_the_environment(monkeypatch):
    with settings_from_env(monkeypatch, BREAK_GLASS_HOURS="4") as base:
        assert timedelta(hours=4) == base.BREAK_GLASS_DURATION


@pytest.mark.parametrize("reason", ["", "   ", "short"])
def test_reason_is_required_with_a_minimum_length(outsider_client, patient, reason):
    response = outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": reason})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not BreakGlassGrant.objects.exists()
    assert not Notification.objects.exists()
    assert patient.given_name not in response.content.decode()


def test_unknown_mrn_is_a_form_error_and_recorded(outsider_client, outsider_clinician):
    response = outsider_client.post(URL, {"mrn": "NOPE-1", "date_of_birth": "2015-01-01", "reason": REASON})
    assert response.status_code == 400
    assert NEUTRAL in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", user=outsider_clinician).exists()


def test_care_team_member_is_just_sent_to_the_record(clinician_client, patient):
    response = clinician_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    assert response.status_code == 302
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("fixture", ["family_client", "editor_client"])
def test_only_clinicians_may_break_the_glass(request, fixture, patient):
    client = request.getfixturevalue(fixture)
    response = client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    assert response.status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_revoked_grant_ends_access(outsider_client, outsider_clinician, patient, site_admin):
    from portal.care.break_glass import revoke_grants

    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
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
    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
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
        response = outsider_client.post(URL, {"mrn": typed, "date_of_birth": dob(wanted), "reason": REASON})
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
    response = outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    assert response.status_code == 400
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.filter(action="denied", user=outsider_clinician).exists()


# --- Issue 13, point 1: a second identifier, a limit per clinician, grants shown to the care team ---


def denial_rows(user):
    return list(
        AuditEvent.objects.filter(action="denied", user=user)
        .order_by("id")
        .values_list("object_id", "detail", "patient")
    )


@pytest.mark.parametrize(
    "typed",
    [
        "DOOOOOO1",  # letter O for zero
        "D000000I",  # letter I for one
        "D0000 001",  # a space inside
        "D00000001",  # one digit too many
        "D000001",  # one digit too few
    ],
)
def test_look_alike_mrns_never_open_a_record(outsider_client, outsider_clinician, typed):
    from tests.factories import PatientFactory

    wanted = PatientFactory(mrn="D0000001")
    response = outsider_client.post(URL, {"mrn": typed, "date_of_birth": dob(wanted), "reason": REASON})
    assert response.status_code == 400
    assert NEUTRAL in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert denial_rows(outsider_clinician) == [("mrn-lookup", "no single record with this MRN and date of birth", None)]


@override_settings(BREAK_GLASS_LIMIT=20)
def test_case_and_surrounding_spaces_still_need_the_right_date_of_birth(outsider_client, outsider_clinician):
    from tests.factories import PatientFactory

    wanted = PatientFactory(mrn="D0000001", date_of_birth=date(2016, 3, 4))
    for typed in ("d0000001", " D0000001 "):
        for wrong in ("2016-04-03", "2015-03-04", "2016-03-05"):
            response = outsider_client.post(URL, {"mrn": typed, "date_of_birth": wrong, "reason": REASON})
            assert response.status_code == 400
    assert not BreakGlassGrant.objects.exists()
    response = outsider_client.post(URL, {"mrn": "d0000001", "date_of_birth": "2016-03-04", "reason": REASON})
    assert response.status_code == 302 and response["Location"] == detail(wanted)


def test_wrong_date_of_birth_answers_exactly_like_an_unknown_mrn(outsider_client, outsider_clinician, patient):
    """Never tells which of the two was wrong: the same page, the same status, the same audit row."""
    wrong_dob = outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": "2001-02-03", "reason": REASON})
    unknown = outsider_client.post(URL, {"mrn": "ZZ9999999", "date_of_birth": dob(patient), "reason": REASON})
    assert wrong_dob.status_code == unknown.status_code == 400
    assert wrong_dob.context["form"].errors == unknown.context["form"].errors
    html = wrong_dob.content.decode()
    assert NEUTRAL in html
    for secret in (patient.given_name, patient.family_name):
        assert secret not in html
    first, second = denial_rows(outsider_clinician)
    assert first == second and first[2] is None
    assert not BreakGlassGrant.objects.exists()
    assert not Notification.objects.exists()


def test_date_of_birth_is_required(outsider_client, patient):
    response = outsider_client.post(URL, {"mrn": patient.mrn, "reason": REASON})
    assert response.status_code == 400
    assert response.context["form"].errors["date_of_birth"]
    assert not BreakGlassGrant.objects.exists()


@override_settings(BREAK_GLASS_LIMIT=3, BREAK_GLASS_LIMIT_WINDOW=timedelta(hours=1))
def test_requests_are_limited_per_clinician_and_the_refusal_is_audited(
    outsider_client, outsider_clinician, patient, other_patient
):
    from tests.factories import PatientFactory

    third = PatientFactory()
    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    outsider_client.post(URL, {"mrn": "NOPE-1", "date_of_birth": "2015-01-01", "reason": REASON})
    outsider_client.post(URL, {"mrn": other_patient.mrn, "date_of_birth": dob(other_patient), "reason": REASON})
    assert BreakGlassGrant.objects.count() == 2

    refused = outsider_client.post(URL, {"mrn": third.mrn, "date_of_birth": dob(third), "reason": REASON})
    assert refused.status_code == 429
    assert "too many emergency access requests" in refused.content.decode()
    assert not BreakGlassGrant.objects.filter(patient=third).exists()
    limited = AuditEvent.objects.get(object_id="break-glass-limit")
    assert (limited.user, limited.action, limited.detail) == (outsider_clinician, "denied", "rate limited")

    # Another clinician is not affected.
    from tests.conftest import signed_in_client
    from tests.factories import ClinicianFactory

    colleague = signed_in_client(ClinicianFactory())
    response = colleague.post(URL, {"mrn": third.mrn, "date_of_birth": dob(third), "reason": REASON})
    assert response.status_code == 302

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        later = signed_in_client(outsider_clinician)
        response = later.post(URL, {"mrn": third.mrn, "date_of_birth": dob(third), "reason": REASON})
        assert response.status_code == 302


def test_break_glass_limit_comes_from_the_environment(monkeypatch):
    with settings_from_env(monkeypatch, BREAK_GLASS_LIMIT="2", BREAK_GLASS_LIMIT_MINUTES="15") as base:
        assert (2, timedelta(minutes=15)) == (base.BREAK_GLASS_LIMIT, base.BREAK_GLASS_LIMIT_WINDOW)


def test_care_team_sees_active_and_recent_grants_on_the_record_page(
    outsider_client, outsider_clinician, clinician_client, patient, site_admin
):
    from portal.care.break_glass import revoke_grants
    from tests.conftest import signed_in_client

    page = reverse("patients:detail", kwargs={"patient_id": patient.pk})
    assert "Emergency access by clinicians" not in clinician_client.get(page).content.decode()

    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    html = clinician_client.get(page).content.decode()
    assert "Emergency access by clinicians" in html
    assert outsider_clinician.get_full_name() in html and REASON in html and "Active" in html

    # The clinician who broke the glass is not on the team: no list for them.
    assert "Emergency access by clinicians" not in outsider_client.get(page).content.decode()

    revoke_grants(site_admin, BreakGlassGrant.objects.all())
    assert "Revoked" in clinician_client.get(page).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        later = signed_in_client(patient.care_team.first().clinician)
        assert "Emergency access by clinicians" not in later.get(page).content.decode()


def test_admin_lists_grants_with_an_active_filter(
    outsider_client, patient, other_patient, admin_client_verified, site_admin
):
    from portal.care.break_glass import revoke_grants

    outsider_client.post(URL, {"mrn": patient.mrn, "date_of_birth": dob(patient), "reason": REASON})
    outsider_client.post(URL, {"mrn": other_patient.mrn, "date_of_birth": dob(other_patient), "reason": REASON})
    revoke_grants(site_admin, BreakGlassGrant.objects.filter(patient=other_patient))
    changelist = reverse("admin:care_breakglassgrant_changelist")

    active = admin_client_verified.get(changelist, {"status": "active"})
    assert active.status_code == 200
    assert [g.patient_id for g in active.context["cl"].result_list] == [patient.pk]
    revoked = admin_client_verified.get(changelist, {"status": "revoked"})
    assert [g.patient_id for g in revoked.context["cl"].result_list] == [other_patient.pk]
    assert len(admin_client_verified.get(changelist).context["cl"].result_list) == 2
