"""Every rule of portal.care.access: care teams, break-the-glass, family links and proxy age rules."""

from datetime import timedelta

import pytest
import time_machine
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from portal.care.access import (
    can_edit_patient,
    can_view_patient,
    family_view,
    family_view_for_link,
    get_patient_or_404,
    link_sees_confidential_q,
    visible_patients,
    years_before,
)
from portal.care.models import AuditEvent, FamilyLink
from tests.factories import (
    BreakGlassGrantFactory,
    CareTeamMembershipFactory,
    EditorFactory,
    FamilyLinkFactory,
    PatientFactory,
    born_years_ago,
)

pytestmark = pytest.mark.django_db


def test_clinician_sees_own_care_team_only(clinician, patient, other_patient):
    assert list(visible_patients(clinician)) == [patient]
    assert can_view_patient(clinician, patient) and can_edit_patient(clinician, patient)
    assert not can_view_patient(clinician, other_patient)
    assert not can_edit_patient(clinician, other_patient)


def test_inactive_membership_gives_no_access(patient):
    membership = CareTeamMembershipFactory(patient=patient, active=False)
    assert not can_view_patient(membership.clinician, patient)


def test_inactive_user_sees_nothing(clinician, patient):
    clinician.is_active = False
    clinician.save()
    assert not visible_patients(clinician).exists()


def test_editor_sees_no_patient(patient):
    assert not visible_patients(EditorFactory()).exists()


def test_site_admin_sees_all(site_admin, patient, other_patient):
    assert set(visible_patients(site_admin)) == {patient, other_patient}


def test_break_glass_grant_gives_access_until_expiry(outsider_clinician, patient):
    assert not can_view_patient(outsider_clinician, patient)
    BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)
    assert can_view_patient(outsider_clinician, patient)
    assert can_edit_patient(outsider_clinician, patient)
    with time_machine.travel(timezone.now() + timedelta(hours=12, seconds=1)):
        assert not can_view_patient(outsider_clinician, patient)


def test_revoked_grant_gives_no_access(outsider_clinician, patient):
    BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient, revoked_at=timezone.now())
    assert not can_view_patient(outsider_clinician, patient)


def test_family_sees_linked_child_only_and_never_edits(family_user, patient, other_patient):
    assert list(visible_patients(family_user)) == [patient]
    assert not can_edit_patient(family_user, patient)


def test_family_link_validity_window(patient):
    today = timezone.localdate()
    future = FamilyLinkFactory(patient=patient, valid_from=today + timedelta(days=1))
    ended = FamilyLinkFactory(
        patient=patient, valid_from=today - timedelta(days=30), valid_until=today - timedelta(days=1)
    )
    last_day = FamilyLinkFactory(patient=patient, valid_from=today - timedelta(days=30), valid_until=today)
    assert not can_view_patient(future.user, patient)
    assert not can_view_patient(ended.user, patient)
    assert can_view_patient(last_day.user, patient)


@pytest.mark.parametrize(
    ("age", "consent", "visible", "confidential"),
    [
        (11.9, False, True, True),  # under 12: full parental access
        (12.01, False, True, False),  # 12-17: narrower, confidential hidden
        (17.99, False, True, False),
        (18.01, False, False, None),  # adult: proxy access ends ...
        (18.01, True, True, False),  # ... unless the young adult granted it
    ],
)
def test_proxy_rules_by_child_age(age, consent, visible, confidential):
    child = PatientFactory(date_of_birth=born_years_ago(age))
    link = FamilyLinkFactory(patient=child, adult_consent_on=timezone.localdate() if consent else None)
    assert can_view_patient(link.user, child) is visible
    view = family_view(link.user, child)
    assert (view is not None) is visible
    if visible:
        assert view.include_confidential is confidential


def test_proxy_age_rules_are_settings():
    child = PatientFactory(date_of_birth=born_years_ago(13))
    link = FamilyLinkFactory(patient=child)
    assert family_view(link.user, child).include_confidential is False
    with override_settings(PROXY_FULL_ACCESS_UNDER_AGE=14):
        assert family_view(link.user, child).include_confidential is True
    with override_settings(PROXY_ACCESS_ENDS_AT_AGE=13):
        assert not can_view_patient(link.user, child)


def test_limited_link_never_sees_confidential():
    child = PatientFactory(date_of_birth=born_years_ago(5))
    link = FamilyLinkFactory(patient=child, access_level=FamilyLink.AccessLevel.LIMITED)
    assert family_view(link.user, child).include_confidential is False


def test_patient_own_account_from_set_age():
    child = PatientFactory(date_of_birth=born_years_ago(11))
    own = FamilyLinkFactory(patient=child, relationship=FamilyLink.Relationship.SELF)
    assert not can_view_patient(own.user, child)
    teen = PatientFactory(date_of_birth=born_years_ago(15))
    own_teen = FamilyLinkFactory(patient=teen, relationship=FamilyLink.Relationship.SELF)
    assert can_view_patient(own_teen.user, teen)
    assert family_view(own_teen.user, teen).include_confidential is True
    adult = PatientFactory(date_of_birth=born_years_ago(25))
    own_adult = FamilyLinkFactory(patient=adult, relationship=FamilyLink.Relationship.SELF)
    assert can_view_patient(own_adult.user, adult)


def test_age_boundary_on_birthday():
    today = timezone.localdate()
    child = PatientFactory(date_of_birth=years_before(today, 18))  # 18th birthday today
    link = FamilyLinkFactory(patient=child)
    assert not can_view_patient(link.user, child)
    younger = PatientFactory(date_of_birth=years_before(today, 18) + timedelta(days=1))
    link2 = FamilyLinkFactory(patient=younger)
    assert can_view_patient(link2.user, younger)


def test_years_before_leap_day():
    from datetime import date

    assert years_before(date(2028, 2, 29), 18) == date(2010, 2, 28)
    assert years_before(date(2026, 3, 1), 1) == date(2025, 3, 1)


def test_get_patient_or_404_records_read_and_denial(clinician, patient, other_patient):
    assert get_patient_or_404(clinician, patient.pk) == patient
    read = AuditEvent.objects.get(action="view")
    assert (read.user, read.patient, read.purpose) == (clinician, patient, "normal")
    with pytest.raises(Http404):
        get_patient_or_404(clinician, other_patient.pk)
    denied = AuditEvent.objects.get(action="denied")
    assert (denied.user, denied.patient) == (clinician, other_patient)
    assert denied.purpose == "normal"  # a refused attempt is not emergency access
    with pytest.raises(Http404):
        get_patient_or_404(clinician, 999999)
    assert AuditEvent.objects.filter(action="denied", patient__isnull=True, object_id="999999").exists()


def test_break_glass_reads_are_flagged(outsider_clinician, patient):
    BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)
    get_patient_or_404(outsider_clinician, patient.pk)
    assert AuditEvent.objects.get(action="view").purpose == "break_glass"


def test_family_cannot_open_for_edit(family_user, patient):
    with pytest.raises(Http404):
        get_patient_or_404(family_user, patient.pk, edit=True)


def test_the_confidential_filter_agrees_with_the_view_of_each_link():
    """link_sees_confidential_q (what the reminder sweep's SQL uses) is family_view_for_link's twin."""
    today = timezone.localdate()
    cut = years_before(today, 12)
    links = [
        FamilyLinkFactory(patient=PatientFactory(date_of_birth=born), relationship=relationship, access_level=level)
        for born in (cut, cut + timedelta(days=1), born_years_ago(5), born_years_ago(15))
        for relationship in (FamilyLink.Relationship.MOTHER, FamilyLink.Relationship.SELF)
        for level in FamilyLink.AccessLevel.values
    ]
    expected = {link.pk for link in links if family_view_for_link(link, today).include_confidential}
    found = set(FamilyLink.objects.filter(link_sees_confidential_q(today)).values_list("pk", flat=True))
    assert found == expected and 0 < len(expected) < len(links)
