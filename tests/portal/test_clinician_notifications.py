"""Clinician notifications: overdue follow-ups, a family's new question, break-the-glass on my patient.

Each reaches the whole care team (per-child memberships and named teams, not a clinician whose
per-child membership is switched off), once, with no health details in its text.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from education import services as education_services
from patients.late_effects.overdue_notices import notify_overdue_follow_ups
from portal.care import break_glass
from portal.care.models import CareTeam, CareTeamChild, CareTeamMember, CareTeamMembership, Notification
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, FamilyLinkFactory, PatientFactory
from tests.patients.test_worklist import follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(patient, clinician):
    """`clinician` (per-child), `named` (through a named team), `excluded` (team seat, membership off)."""
    named, excluded, elsewhere = ClinicianFactory(), ClinicianFactory(), ClinicianFactory()
    ward = CareTeam.objects.create(name="Ward 7")
    for member in (named, excluded):
        CareTeamMember.objects.create(team=ward, clinician=member)
    CareTeamChild.objects.create(team=ward, patient=patient)
    CareTeamMembership.objects.create(patient=patient, clinician=excluded, active=False)
    CareTeamMembershipFactory(patient=PatientFactory(), clinician=elsewhere)
    return {"named": named, "excluded": excluded, "elsewhere": elsewhere}


def notices(kind):
    return list(Notification.objects.filter(kind=kind).order_by("user_id"))


def test_overdue_follow_ups_notify_the_team_once(patient, clinician, team):
    today = timezone.localdate()
    item = follow_up(patient, today - timedelta(days=2), "echo")
    follow_up(patient, today + timedelta(days=5), "ecg")  # not yet due
    follow_up(patient, today - timedelta(days=60), "dexa")  # long overdue: the digest's business
    notify_overdue_follow_ups(today)
    notify_overdue_follow_ups(today)  # a second run adds nothing
    rows = notices("follow_up_overdue")
    assert {n.user_id for n in rows} == {clinician.pk, team["named"].pk}
    assert {n.dedup_key for n in rows} == {f"overdue:{item.pk}"}
    assert rows[0].link == reverse("patients:care_plan", kwargs={"patient_id": patient.pk})
    assert "Screening" not in rows[0].body and patient.mrn in rows[0].body


def test_overdue_sweep_is_set_based(patient, clinician, team):
    today = timezone.localdate()
    follow_up(patient, today - timedelta(days=1), "echo")
    with CaptureQueriesContext(connection) as few:
        notify_overdue_follow_ups(today)
    for _ in range(10):
        child = PatientFactory()
        CareTeamMembershipFactory(patient=child, clinician=clinician)
        follow_up(child, today - timedelta(days=1), "echo")
    with CaptureQueriesContext(connection) as many:
        notify_overdue_follow_ups(today)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Notification.objects.filter(kind="follow_up_overdue").count() == 2 + 10


def test_family_question_notifies_the_team_once_without_the_question(patient, clinician, team):
    parent = FamilyLinkFactory(patient=patient).user
    question = education_services.add_question(parent, patient, text="Is the rash from the chemo?")
    rows = notices("family_question")
    assert {n.user_id for n in rows} == {clinician.pk, team["named"].pk}
    assert {n.dedup_key for n in rows} == {f"question:{question.pk}"}
    assert all("rash" not in n.title + n.body for n in rows)
    assert rows[0].link == reverse("patients:detail", kwargs={"patient_id": patient.pk})


def test_break_glass_notifies_named_team_members_too(patient, clinician, team):
    outsider = ClinicianFactory()
    grant = break_glass.open_break_glass(outsider, patient, "Seen in the emergency department at night")
    rows = notices("break_glass")
    assert {n.user_id for n in rows} == {clinician.pk, team["named"].pk}
    assert {n.dedup_key for n in rows} == {f"break_glass:{grant.pk}"}
    assert all("emergency department" not in n.body for n in rows)


def test_unread_notice_shows_on_the_worklist(patient, clinician, clinician_client, team):
    education_services.add_question(FamilyLinkFactory(patient=patient).user, patient, text="When is the next visit?")
    body = clinician_client.get(reverse("patients:list"), {"questions": "on"}).content.decode()
    assert patient.family_name in body
    assert f'href="{reverse("portal:notifications")}">1</a>' in body


def test_notices_are_in_each_clinicians_language(patient, clinician, team):
    clinician.preferred_language = "es"
    clinician.save()
    follow_up(patient, timezone.localdate() - timedelta(days=1), "echo")
    notify_overdue_follow_ups()
    education_services.add_question(FamilyLinkFactory(patient=patient).user, patient, text="When?")
    mine = {n.kind: n for n in Notification.objects.filter(user=clinician)}
    theirs = {n.kind: n for n in Notification.objects.filter(user=team["named"])}
    assert mine["follow_up_overdue"].title == "Hay un control atrasado de un paciente de su equipo"
    assert mine["family_question"].title == "Una familia añadió una pregunta para la próxima visita"
    assert theirs["family_question"].title == "A family added a question for the next visit"


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(clinician, clinician_client, patient):
    target = reverse("patients:care_plan", kwargs={"patient_id": patient.pk})
    notice = Notification.objects.create(user=clinician, patient=patient, kind="question", title="t", link=target)
    listed = clinician_client.get(reverse("portal:notifications")).content.decode()
    opener = reverse("portal:notification_open", kwargs={"notification_id": notice.pk})
    assert f'href="{opener}"' in listed and f'href="{target}"' not in listed
    response = clinician_client.get(opener)
    assert response.status_code == 302 and response["Location"] == target
    notice.refresh_from_db()
    assert notice.read_at is not None


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_a_notice_never_redirects_off_site(clinician, clinician_client, link):
    notice = Notification.objects.create(user=clinician, kind="question", title="t", link=link)
    response = clinician_client.get(reverse("portal:notification_open", kwargs={"notification_id": notice.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("portal:notifications")


def test_another_users_notice_is_not_found_and_stays_unread(clinician_client, outsider_clinician):
    notice = Notification.objects.create(user=outsider_clinician, kind="question", title="t", link="/")
    response = clinician_client.get(reverse("portal:notification_open", kwargs={"notification_id": notice.pk}))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
