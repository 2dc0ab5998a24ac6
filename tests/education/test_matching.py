""" "For you now": pages matched to a child's current phase, procedures and open follow-up items."""

import pytest

from education.matching import Candidate, match_pages
from patients import care_moments
from patients.care_moments import CareMoments
from tests.conftest import signed_in_client
from tests.education.factories import PageFactory

PAGES = [
    Candidate(1, "Induction", frozenset({"induction", "diagnosis"})),
    Candidate(2, "Maintenance", frozenset({"maintenance"})),
    Candidate(3, "Lumbar puncture", frozenset({"lumbar_puncture", "induction", "maintenance"})),
    Candidate(4, "Heart health", frozenset({"cardiac_echo", "cardiac_history"})),
    Candidate(5, "Bones", frozenset({"osteonecrosis_history", "bone_density_dxa"})),
    Candidate(6, "Survivorship clinic", frozenset({"survivorship", "survivorship_visit"})),
    Candidate(7, "Risk groups", frozenset({"risk_high", "risk_standard"})),
    Candidate(8, "What is ALL", frozenset({"diagnosis"})),
]


def ids(moments, **kw):
    return [m.page_id for m in match_pages(moments, PAGES, **kw)]


def test_child_in_induction_gets_phase_pages_first():
    moments = CareMoments(phase="induction", risk="risk_high", stages=frozenset({"diagnosis"}))
    assert ids(moments) == [1, 3, 8, 7]


def test_child_in_maintenance_with_a_lumbar_puncture_coming():
    moments = CareMoments(phase="maintenance", procedures=frozenset({"lumbar_puncture"}))
    result = match_pages(moments, PAGES)
    assert [m.page_id for m in result] == [3, 2]
    assert result[0].matched == ("maintenance", "lumbar_puncture")


def test_survivor_with_open_heart_and_bone_screening():
    moments = CareMoments(
        stages=frozenset({"survivorship"}),
        screening=frozenset({"cardiac_echo", "cardiac_history", "bone_density_dxa"}),
    )
    assert ids(moments) == [4, 5, 6]
    assert 1 not in ids(moments) and 2 not in ids(moments)


def test_nothing_matches_nothing_and_limit_applies():
    assert ids(CareMoments()) == []
    assert ids(CareMoments(phase="induction", stages=frozenset({"diagnosis"})), limit=1) == [1]


@pytest.mark.django_db
def test_for_you_page_end_to_end(monkeypatch, family_user, patient, other_patient):
    PageFactory(title="Maintenance at home", slug="maintenance", relevance_tags=["maintenance"])
    PageFactory(title="Heart checks", slug="heart", relevance_tags=["cardiac_echo"])
    PageFactory(title="For clinicians", slug="clin", relevance_tags=["maintenance"], audience="clinician")
    PageFactory(
        title="Draft on maintenance", slug="draft", relevance_tags=["maintenance"], status="draft", reviewed_on=None
    )
    seen = []

    def fake_moments(child, *, user=None):
        seen.append((child.pk, user))
        return CareMoments(phase="maintenance")

    monkeypatch.setattr(care_moments, "care_moments_for", fake_moments)
    client = signed_in_client(family_user)
    response = client.get(f"/learn/for-you/{patient.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Maintenance at home" in text
    assert "Heart checks" not in text and "For clinicians" not in text and "Draft on maintenance" not in text
    assert seen == [(patient.pk, family_user)]  # moments computed through this family's view
    assert client.get(f"/learn/for-you/{other_patient.pk}/").status_code == 404
    from portal.care.models import AuditEvent

    assert AuditEvent.objects.filter(user=family_user, patient=patient, action="view").exists()
    assert AuditEvent.objects.filter(user=family_user, patient=other_patient, action="denied").exists()
