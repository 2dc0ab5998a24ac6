"""Families' question lists and pages sent from the record: patient data, through the access policy and audit."""

import pytest

from education.content_loader import load_content
from education.models import CuratedQuestion, FamilyQuestion, PageShare
from portal.care.models import AuditEvent, Notification
from tests.conftest import signed_in_client
from tests.education.factories import DraftFactory, PageFactory
from tests.factories import FamilyLinkFactory

pytestmark = pytest.mark.django_db


def test_family_saves_curated_and_own_questions_and_marks_answered(family_user, patient):
    load_content()
    client = signed_in_client(family_user)
    curated = CuratedQuestion.objects.filter(question_set__language="en").first()
    assert client.get(f"/family/children/{patient.pk}/questions/").status_code == 200
    client.post(f"/family/children/{patient.pk}/questions/", {"curated": curated.pk})
    client.post(f"/family/children/{patient.pk}/questions/", {"curated": curated.pk})  # no duplicate
    client.post(f"/family/children/{patient.pk}/questions/", {"text": "Can she go swimming?"})
    assert client.post(f"/family/children/{patient.pk}/questions/", {"text": "  "}).status_code == 400
    questions = FamilyQuestion.objects.filter(patient=patient)
    assert sorted(q.text for q in questions) == sorted([curated.text, "Can she go swimming?"])
    own = questions.get(text="Can she go swimming?")
    client.post(f"/family/children/{patient.pk}/questions/{own.pk}/answered/", {"answered": "1"})
    own.refresh_from_db()
    assert own.answered_at is not None
    assert AuditEvent.objects.filter(patient=patient, object_type="familyquestion", action="create").count() == 2
    assert AuditEvent.objects.filter(patient=patient, object_type="familyquestion", action="update").count() == 1


def test_other_families_and_clinicians_cannot_touch_a_childs_questions(patient, other_patient, clinician_client):
    question = FamilyQuestion.objects.create(
        patient=patient, created_by=FamilyLinkFactory(patient=patient).user, text="Q?"
    )
    stranger = signed_in_client(FamilyLinkFactory(patient=other_patient).user)
    assert stranger.get(f"/family/children/{patient.pk}/questions/").status_code == 404
    assert stranger.post(f"/family/children/{patient.pk}/questions/", {"text": "Sneaky"}).status_code == 404
    assert (
        stranger.post(f"/family/children/{patient.pk}/questions/{question.pk}/answered/", {"answered": "1"}).status_code
        == 404
    )
    # A question id of another child under one's own child's URL is refused too.
    own_child_url = f"/family/children/{other_patient.pk}/questions/{question.pk}/answered/"
    assert stranger.post(own_child_url, {"answered": "1"}).status_code == 404
    assert clinician_client.post(f"/family/children/{patient.pk}/questions/", {"text": "x"}).status_code == 404
    question.refresh_from_db()
    assert question.answered_at is None and FamilyQuestion.objects.count() == 1


def test_care_team_sees_open_questions_outsider_does_not(patient, clinician_client, outsider_client):
    family = FamilyLinkFactory(patient=patient).user
    FamilyQuestion.objects.create(patient=patient, created_by=family, text="Is fatigue normal?")
    response = clinician_client.get(f"/patients/{patient.pk}/family-questions/")
    assert response.status_code == 200 and "Is fatigue normal?" in response.content.decode()
    assert outsider_client.get(f"/patients/{patient.pk}/family-questions/").status_code == 404


def test_record_panel_renders_open_questions(clinician, patient):
    from django.template.loader import render_to_string

    from education import panels

    FamilyQuestion.objects.create(patient=patient, created_by=FamilyLinkFactory(patient=patient).user, text="Q1?")
    html = render_to_string("education/includes/record_education.html", panels.record_panel(clinician, patient))
    assert "Q1?" in html and f"/patients/{patient.pk}/send-page/" in html


def test_record_page_shows_open_questions_under_one_audited_read(clinician, clinician_client, patient):
    FamilyQuestion.objects.create(patient=patient, created_by=FamilyLinkFactory(patient=patient).user, text="Q2?")
    response = clinician_client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200 and "Q2?" in response.content.decode()
    assert AuditEvent.objects.filter(user=clinician, patient=patient, action="view").count() == 1


def test_clinician_sends_page_family_is_notified(patient, clinician_client, family_user, other_patient):
    page = PageFactory(title="Maintenance", slug="maintenance")
    url = f"/patients/{patient.pk}/send-page/"
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(url, {"page": page.pk, "message": "See you Tuesday"})
    assert response.status_code == 302
    share = PageShare.objects.get()
    assert share.patient == patient and share.page == page
    note = Notification.objects.get(user=family_user)
    assert note.kind == "education_page_shared" and "Maintenance" not in note.title
    assert AuditEvent.objects.filter(patient=patient, object_type="pageshare", action="create").exists()
    # The family follows the link to the page; another child's family cannot.
    assert signed_in_client(family_user).get(note.link).status_code == 302
    stranger = signed_in_client(FamilyLinkFactory(patient=other_patient).user)
    assert stranger.get(note.link).status_code == 404


def test_send_page_is_for_the_care_team_only_and_only_live_family_pages(
    patient, clinician_client, outsider_client, family_client
):
    draft = DraftFactory()
    clinician_only = PageFactory(audience="clinician")
    url = f"/patients/{patient.pk}/send-page/"
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, {"page": PageFactory().pk}).status_code == 404
    assert family_client.post(url, {"page": PageFactory().pk}).status_code == 404
    assert clinician_client.post(url, {"page": draft.pk}).status_code == 400
    assert clinician_client.post(url, {"page": clinician_only.pk}).status_code == 400
    assert not PageShare.objects.exists()
