"""The Django admin: usable by a site admin, closed to everyone else, audited, and safe for patient records."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Patient
from portal.accounts.models import RecoveryCodeDevice, User
from portal.care.models import AuditEvent, CareTeamMembership, FamilyLink, Notification
from tests.conftest import signed_in_client
from tests.factories import (
    BreakGlassGrantFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    FamilyLinkFactory,
    FamilyUserFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_MODELS = ["accounts_user", "patients_patient", "care_caretEammembership".lower(), "care_familylink"]


@pytest.fixture
def admin(admin_client_verified):
    return admin_client_verified


def patient_form_data(patient, **overrides):
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "preferred_language": patient.preferred_language,
        "status": patient.status,
        "loaded_version": patient.version,
        "care_team-TOTAL_FORMS": "0",
        "care_team-INITIAL_FORMS": "0",
        "family_links-TOTAL_FORMS": "0",
        "family_links-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "model",
    [
        "accounts_user",
        "patients_patient",
        "care_caretEammembership",
        "care_familylink",
        "care_breakglassgrant",
        "care_notification",
        "care_auditevent",
    ],
)
def test_every_changelist_and_change_page_opens_for_a_site_admin(admin, model, patient, clinician, family_user):
    model = model.lower()
    BreakGlassGrantFactory(patient=patient)
    Notification.objects.create(user=clinician, patient=patient, kind="test", title="Hello")
    AuditEvent.objects.create(user=clinician, patient=patient, action="view")
    assert admin.get(reverse(f"admin:{model}_changelist")).status_code == 200
    app_label, model_name = model.split("_", 1)
    from django.apps import apps

    obj = apps.get_model(app_label, model_name).objects.first()
    assert admin.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200


def test_search_by_mrn_and_status_filter(admin, patient, other_patient):
    other_patient.status = "ltfu"
    other_patient.save()
    response = admin.get(reverse("admin:patients_patient_changelist"), {"q": patient.mrn})
    assert list(response.context["cl"].result_list) == [patient]
    response = admin.get(reverse("admin:patients_patient_changelist"), {"status__exact": "ltfu"})
    assert list(response.context["cl"].result_list) == [other_patient]


def test_patient_page_shows_names_not_ids_and_is_audited(admin, site_admin, patient, clinician, family_user):
    response = admin.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    html = response.content.decode()
    assert clinician.get_full_name() in html or clinician.email in html
    assert family_user.get_full_name() in html or family_user.email in html
    event = AuditEvent.objects.get(action="view", patient=patient)
    assert (event.user, event.purpose, event.object_type) == (site_admin, "admin", "patient")
    admin.get(reverse("admin:patients_patient_changelist"))
    assert AuditEvent.objects.filter(action="list", patient=patient, purpose="admin").exists()


def test_autocomplete_finds_clinicians_only(admin, clinician, family_user):
    url = reverse("admin:autocomplete")
    params = {"app_label": "care", "model_name": "caretEammembership".lower(), "field_name": "clinician"}
    response = admin.get(url, {**params, "term": ""})
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert clinician.pk in ids and family_user.pk not in ids


def test_admin_edits_patient_and_is_audited(admin, patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    response = admin.post(url, patient_form_data(patient, status="off_therapy"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert (patient.status, patient.version) == ("off_therapy", 2)
    event = AuditEvent.objects.get(action="update", patient=patient)
    assert event.purpose == "admin" and "status" in event.detail


def test_admin_normalises_the_mrn_and_refuses_a_case_twin(admin, patient, other_patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    twin = admin.post(url, patient_form_data(patient, mrn=other_patient.mrn.lower()))
    assert twin.status_code == 200
    assert twin.context["adminform"].form.errors["mrn"] == ["Patient with this MRN already exists."]
    assert admin.post(url, patient_form_data(patient, mrn=" adm-1 ")).status_code == 302
    patient.refresh_from_db()
    assert patient.mrn == "ADM-1"


def test_admin_stale_edit_is_refused_not_overwritten(admin, patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    stale = patient_form_data(patient, given_name="Stale")
    Patient.objects.filter(pk=patient.pk).update(given_name="Fresh", version=2)
    response = admin.post(url, stale)
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    patient.refresh_from_db()
    assert patient.given_name == "Fresh"


def test_inline_care_team_refuses_a_family_account(admin, patient, family_user):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    data = patient_form_data(
        patient,
        **{
            "care_team-TOTAL_FORMS": "1",
            "care_team-0-clinician": str(family_user.pk),
            "care_team-0-team_role": "member",
            "care_team-0-active": "on",
        },
    )
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "Only clinicians can join a care team." in response.content.decode()
    assert not CareTeamMembership.objects.filter(clinician=family_user).exists()


def test_inline_family_link_refuses_a_clinician_and_audits_a_good_link(admin, patient, clinician):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    link = {
        "family_links-TOTAL_FORMS": "1",
        "family_links-0-user": str(clinician.pk),
        "family_links-0-relationship": "father",
        "family_links-0-access_level": "full",
        "family_links-0-valid_from": "2024-01-01",
    }
    response = admin.post(url, patient_form_data(patient, **link))
    assert "Only family accounts can be linked to a child." in response.content.decode()
    assert not FamilyLink.objects.filter(user=clinician).exists()

    parent = FamilyUserFactory()
    link["family_links-0-user"] = str(parent.pk)
    response = admin.post(url, patient_form_data(patient, **link))
    assert response.status_code == 302
    created = FamilyLink.objects.get(user=parent, patient=patient)
    assert AuditEvent.objects.filter(
        action="create", patient=patient, object_type="familylink", object_id=str(created.pk)
    ).exists()


def test_family_link_admin_validates_dates(admin, patient):
    parent = FamilyUserFactory()
    response = admin.post(
        reverse("admin:care_familylink_add"),
        {
            "user": parent.pk,
            "patient": patient.pk,
            "relationship": "mother",
            "access_level": "full",
            "valid_from": "2024-05-01",
            "valid_until": "2024-04-01",
        },
    )
    assert "The end date must not be before the start date." in response.content.decode()


def test_patients_and_users_cannot_be_deleted_in_admin(admin, patient, clinician):
    assert admin.get(reverse("admin:patients_patient_delete", args=[patient.pk])).status_code == 403
    assert admin.get(reverse("admin:accounts_user_delete", args=[clinician.pk])).status_code == 403


def test_user_admin_creates_email_user_with_role_checks(admin):
    url = reverse("admin:accounts_user_add")
    data = {
        "email": "New.Nurse@Example.org",
        "first_name": "Nia",
        "last_name": "Nurse",
        "role": "family",
        "discipline": "nurse",
        "password1": "a-long-enough-pass-2026",
        "password2": "a-long-enough-pass-2026",
    }
    response = admin.post(url, data)
    assert "Only clinicians have a discipline" in response.content.decode()
    response = admin.post(url, {**data, "role": "clinician"})
    assert response.status_code == 302
    user = User.objects.get(email="new.nurse@example.org")
    assert (user.role, user.discipline) == ("clinician", "nurse")
    assert AuditEvent.objects.filter(action="create", object_type="user", object_id=str(user.pk)).exists()


def test_user_page_lists_mfa_devices_without_secrets_and_reset_is_audited(admin, site_admin, clinician):
    device = TOTPDevice.objects.create(user=clinician, name="Phone", confirmed=True)
    static = RecoveryCodeDevice.objects.create(user=clinician, name="Recovery codes", confirmed=True)
    static.add_codes(["secretcode1"])
    html = admin.get(reverse("admin:accounts_user_change", args=[clinician.pk])).content.decode()
    assert "Phone" in html and "1 left" in html
    assert device.key not in html and "secretcode1" not in html
    response = admin.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_mfa", "_selected_action": [clinician.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not RecoveryCodeDevice.objects.filter(user=clinician).exists()
    event = AuditEvent.objects.get(detail="mfa_reset")
    assert (event.user, event.object_type, event.object_id) == (site_admin, "user", str(clinician.pk))


def test_otp_device_admins_are_not_exposed(admin):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_changelist")


def test_break_glass_grants_are_read_only_except_revoke(admin, site_admin, patient):
    grant = BreakGlassGrantFactory(patient=patient)
    assert admin.get(reverse("admin:care_breakglassgrant_add")).status_code == 403
    assert admin.get(reverse("admin:care_breakglassgrant_delete", args=[grant.pk])).status_code == 403
    change = admin.post(reverse("admin:care_breakglassgrant_change", args=[grant.pk]), {"reason": "edited"})
    assert change.status_code == 403
    response = admin.post(
        reverse("admin:care_breakglassgrant_changelist"), {"action": "revoke", "_selected_action": [grant.pk]}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.reason != "edited"
    assert AuditEvent.objects.filter(patient=patient, detail="break_glass_revoked", user=site_admin).exists()


@pytest.mark.parametrize("fixture", ["clinician_client", "family_client", "editor_client"])
def test_admin_is_closed_to_non_admins(request, fixture):
    client = request.getfixturevalue(fixture)
    response = client.get(reverse("admin:patients_patient_changelist"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))


def _changelist_row(html: str, pk: int) -> str:
    """The changelist table row of object `pk` (its action checkbox carries the id)."""
    rows = [row for row in html.split("<tr")[1:] if f'name="_selected_action" value="{pk}"' in row]
    assert len(rows) == 1, f"no single row for object {pk}"
    return rows[0].split("</tr>")[0]


def test_grant_expiry_shown_in_list(admin, patient):
    expired = BreakGlassGrantFactory(patient=patient, expires_at=timezone.now() - timedelta(days=3, hours=5))
    running = BreakGlassGrantFactory(patient=patient, expires_at=timezone.now() + timedelta(hours=7))
    response = admin.get(reverse("admin:care_breakglassgrant_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    for grant, active in ((expired, "False"), (running, "True")):
        row = _changelist_row(html, grant.pk)
        shown = formats.localize(timezone.template_localtime(grant.expires_at))
        assert re.search(rf'<td class="field-expires_at[^"]*">{re.escape(shown)}</td>', row), row
        assert re.search(rf'<td class="field-active"><img [^>]*alt="{active}"', row), row


def test_unverified_admin_is_sent_to_two_step_verification(site_admin):
    client = signed_in_client(site_admin, verified=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/accounts/mfa/" in response["Location"]


def test_clinician_memberships_listed_with_names(admin, patient):
    member = CareTeamMembershipFactory(patient=patient, clinician=ClinicianFactory(first_name="Ada", last_name="Osei"))
    html = admin.get(reverse("admin:care_caretEammembership_changelist".lower())).content.decode()
    assert "Ada Osei" in html and str(member.patient) in html


def test_family_link_changelist(admin):
    link = FamilyLinkFactory(patient=PatientFactory(given_name="Linnea", family_name="Marchetti"))
    unlinked = PatientFactory(given_name="Oswin", family_name="Thackeray")
    response = admin.get(reverse("admin:care_familylink_changelist"))
    assert response.status_code == 200
    row = _changelist_row(response.content.decode(), link.pk)
    assert str(link.patient) in row and str(link.user) in row and link.get_relationship_display() in row
    # The list shows links, not every patient.
    assert unlinked.mrn not in response.content.decode()


def test_admin_adds_a_patient_with_a_care_team(admin, site_admin):
    oncologist = ClinicianFactory()
    data = {
        "mrn": "ADM-1",
        "given_name": "Lia",
        "family_name": "Okafor",
        "preferred_name": "",
        "date_of_birth": "2018-02-03",
        "sex": "female",
        "preferred_language": "en",
        "status": "on_therapy",
        "loaded_version": "",
        "care_team-TOTAL_FORMS": "1",
        "care_team-INITIAL_FORMS": "0",
        "care_team-0-clinician": str(oncologist.pk),
        "care_team-0-team_role": "attending",
        "care_team-0-active": "on",
        "family_links-TOTAL_FORMS": "0",
        "family_links-INITIAL_FORMS": "0",
    }
    assert admin.get(reverse("admin:patients_patient_add")).status_code == 200
    response = admin.post(reverse("admin:patients_patient_add"), data)
    assert response.status_code == 302
    patient = Patient.objects.get(mrn="ADM-1")
    assert list(patient.care_team.values_list("clinician", flat=True)) == [oncologist.pk]
    assert AuditEvent.objects.filter(patient=patient, action="create", object_type="patient").exists()
    assert AuditEvent.objects.filter(patient=patient, action="create", object_type="careteammembership").exists()


def test_patient_autocomplete_is_audited(admin, site_admin, patient, other_patient):
    params = {"app_label": "care", "model_name": "familylink", "field_name": "patient", "term": patient.mrn}
    response = admin.get(reverse("admin:autocomplete"), params)
    assert [int(r["id"]) for r in response.json()["results"]] == [patient.pk]
    listed = AuditEvent.objects.get(action="list")
    assert (listed.user, listed.patient, listed.purpose) == (site_admin, patient, "admin")


def test_inline_deletion_is_audited_with_the_id(admin, patient, family_user):
    link = FamilyLink.objects.get(patient=patient, user=family_user)
    data = patient_form_data(
        patient,
        **{
            "family_links-TOTAL_FORMS": "1",
            "family_links-INITIAL_FORMS": "1",
            "family_links-0-id": str(link.pk),
            "family_links-0-patient": str(patient.pk),
            "family_links-0-user": str(family_user.pk),
            "family_links-0-relationship": link.relationship,
            "family_links-0-access_level": link.access_level,
            "family_links-0-valid_from": link.valid_from.isoformat(),
            "family_links-0-DELETE": "on",
        },
    )
    response = admin.post(reverse("admin:patients_patient_change", args=[patient.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    assert not FamilyLink.objects.filter(pk=link.pk).exists()
    deleted = AuditEvent.objects.get(action="delete")
    assert (deleted.patient, deleted.object_type, deleted.object_id) == (patient, "familylink", str(link.pk))
