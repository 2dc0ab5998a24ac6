"""Every education URL that names a child answers 404 to another child's family and to an unrelated
clinician, for GET and POST, and records the denial."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from education.models import FamilyQuestion
from portal.care.models import AuditEvent
from tests.conftest import signed_in_client
from tests.factories import FamilyLinkFactory

pytestmark = pytest.mark.django_db


def _education_patient_urls(patient_id, question_id):
    resolver = get_resolver()
    urls = []
    for pattern in resolver.url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if isinstance(sub, URLPattern) and "patient_id" in sub.pattern.regex.groupindex and sub.name:
                if getattr(pattern, "namespace", None) != "education":
                    continue
                kwargs = {"patient_id": patient_id}
                if "question_id" in sub.pattern.regex.groupindex:
                    kwargs["question_id"] = question_id
                urls.append(reverse(f"education:{sub.name}", kwargs=kwargs))
    return urls


def test_other_family_and_unrelated_clinician_get_404(patient, other_patient, outsider_client):
    question = FamilyQuestion.objects.create(
        patient=patient, created_by=FamilyLinkFactory(patient=patient).user, text="Q?"
    )
    urls = _education_patient_urls(patient.pk, question.pk)
    assert len(urls) >= 5
    stranger = signed_in_client(FamilyLinkFactory(patient=other_patient).user)
    for client in (stranger, outsider_client):
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"text": "x", "answered": "1", "page": "1"}).status_code == 404, url
    assert AuditEvent.objects.filter(patient=patient, action="denied").count() >= 2 * 2 * len(urls)
    question.refresh_from_db()
    assert question.answered_at is None and FamilyQuestion.objects.count() == 1


def test_family_panel_lists_pages_for_now(family_user, patient, monkeypatch):
    from django.template.loader import render_to_string

    from education import panels
    from patients import care_moments
    from patients.care_moments import CareMoments
    from tests.education.factories import PageFactory

    PageFactory(title="Induction basics", relevance_tags=["induction"])
    monkeypatch.setattr(care_moments, "care_moments_for", lambda p, **_: CareMoments(phase="induction"))
    html = render_to_string("education/includes/family_education.html", panels.family_panel(family_user, patient, "en"))
    assert "Induction basics" in html and f"/learn/for-you/{patient.pk}/" in html
