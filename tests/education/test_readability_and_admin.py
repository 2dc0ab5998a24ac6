"""Readability grades shown to editors, and the admin keeping the page history."""

import pytest

from education.models import Page
from education.readability import english_syllables, score, spanish_syllables
from tests.conftest import signed_in_client
from tests.education.factories import DraftFactory, PageFactory

EASY = "The cat sat on the mat. It was a big cat. The cat was fat. We like the cat a lot."
HARD = (
    "Consolidation chemotherapy intensification substantially diminishes the probability of "
    "hematological relapse, particularly among individuals demonstrating persistent measurable "
    "residual disease following remission induction."
)


def test_english_grade_tracks_difficulty():
    easy, hard = score(EASY, "en"), score(HARD, "en")
    assert easy.grade < 3 and not easy.too_hard
    assert hard.grade > 12 and hard.too_hard
    assert score("Too short.", "en") is None


def test_syllable_heuristics():
    assert english_syllables("cat") == 1
    assert english_syllables("leukemia") >= 3
    assert english_syllables("chemotherapy") == 5
    assert spanish_syllables("médula") == 3
    assert spanish_syllables("leucemia") == 3  # leu-ce-mia
    assert spanish_syllables("día") == 2


def test_spanish_uses_fernandez_huerta():
    easy = score("El gato come. La casa es azul. Mi hijo juega en el parque con su amigo.", "es")
    hard = score(
        "La consolidación quimioterapéutica intensificada disminuye considerablemente la probabilidad "
        "de recaída hematológica, particularmente entre individuos con enfermedad residual persistente.",
        "es",
    )
    assert easy.formula == "Fernández-Huerta" and easy.ease > hard.ease and easy.grade < hard.grade


@pytest.mark.django_db
def test_editor_page_shows_readability(editor):
    page = DraftFactory(body=HARD)
    text = signed_in_client(editor).get(f"/editor/pages/{page.pk}/").content.decode()
    assert "Reading level: about grade" in text and "aim at grade 6–8" in text


@pytest.mark.django_db
def test_admin_edits_drafts_with_history_and_cannot_change_published_pages(site_admin):
    client = signed_in_client(site_admin)
    assert client.get("/admin/education/page/").status_code == 200
    published = PageFactory()
    draft = DraftFactory()
    response = client.get(f"/admin/education/page/{published.pk}/change/")
    assert response.status_code == 200 and 'name="body"' not in response.content.decode()
    data = {
        "title": draft.title,
        "slug": draft.slug,
        "language": "en",
        "translation_key": draft.translation_key,
        "summary": draft.summary,
        "body": "Edited in the admin.",
        "sources": "",
        "audience": "family",
        "relevance_tags": "[]",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "1",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/education/page/{draft.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Page.objects.get(pk=draft.pk).body == "Edited in the admin."
    assert draft.revisions.filter(kind="edited", user=site_admin).exists()
