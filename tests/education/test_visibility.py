"""Families see only live pages for their audience; drafts never leak."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import signed_in_client
from tests.education.factories import DraftFactory, PageFactory

pytestmark = pytest.mark.django_db


def test_family_sees_only_published_family_pages(family_client):
    PageFactory(title="Family page", slug="fam")
    PageFactory(title="Teen page", slug="teen", audience="teen")
    PageFactory(title="Clinician page", slug="clin", audience="clinician")
    DraftFactory(title="Secret draft", slug="draft")
    PageFactory(title="Review pending", slug="inrev", status="in_review", reviewed_on=None)
    PageFactory(title="Old archived", slug="arch", status="archived")
    PageFactory(title="Later page", slug="later", publish_at=timezone.now() + timedelta(days=2))
    text = family_client.get("/learn/").content.decode()
    assert "Family page" in text and "Teen page" in text
    for hidden in ("Clinician page", "Secret draft", "Review pending", "Old archived", "Later page"):
        assert hidden not in text
    assert family_client.get("/learn/en/fam/").status_code == 200
    for slug in ("clin", "draft", "inrev", "arch", "later"):
        assert family_client.get(f"/learn/en/{slug}/").status_code == 404
        assert family_client.get(f"/learn/en/{slug}/print/").status_code == 404


def test_drafts_404_for_clinicians_too_but_clinician_pages_show(clinician_client):
    DraftFactory(slug="draft")
    PageFactory(slug="clin", audience="clinician")
    assert clinician_client.get("/learn/en/draft/").status_code == 404
    assert clinician_client.get("/learn/en/clin/").status_code == 200


def test_search_never_returns_drafts(family_client):
    DraftFactory(title="Neutropenia draft", slug="d", body="neutropenia")
    PageFactory(title="Neutropenia explained", slug="p", body="neutropenia")
    text = family_client.get("/learn/?q=neutropenia").content.decode()
    assert "Neutropenia explained" in text and "Neutropenia draft" not in text


def test_overdue_pages_hidden_only_when_the_setting_says_so(family_client, settings):
    PageFactory(slug="overdue", next_review_due=timezone.localdate() - timedelta(days=1))
    settings.EDUCATION_HIDE_OVERDUE_PAGES = False
    assert family_client.get("/learn/en/overdue/").status_code == 200
    settings.EDUCATION_HIDE_OVERDUE_PAGES = True
    assert family_client.get("/learn/en/overdue/").status_code == 404


def test_page_shows_review_date_sources_translation_and_print_view(family_user):
    en = PageFactory(title="Lumbar puncture", slug="lumbar-puncture", translation_key="lp")
    PageFactory(title="Punción lumbar", slug="puncion-lumbar", translation_key="lp", language="es")
    client = signed_in_client(family_user)
    text = client.get("/learn/en/lumbar-puncture/").content.decode()
    assert f"Reviewed: {en.reviewed_on:%B %Y}" in text
    assert "A source, 2023." in text
    assert 'href="/learn/es/puncion-lumbar/"' in text
    printed = client.get("/learn/en/lumbar-puncture/print/")
    assert printed.status_code == 200 and "site-header" not in printed.content.decode()


def test_spanish_reader_gets_spanish_where_it_exists(family_user):
    PageFactory(title="Lumbar puncture", slug="lumbar-puncture", translation_key="lp")
    PageFactory(title="Punción lumbar", slug="puncion-lumbar", translation_key="lp", language="es")
    PageFactory(title="Heart health", slug="heart", translation_key="heart")
    client = signed_in_client(family_user)
    client.cookies["django_language"] = "es"
    text = client.get("/learn/").content.decode()
    assert "Punción lumbar" in text and "Heart health" in text and ">Lumbar puncture<" not in text


def test_spanish_search_falls_back_to_untranslated_english_pages(family_user):
    from education import selectors

    PageFactory(
        title="Punción lumbar",
        slug="puncion-lumbar",
        translation_key="lp",
        language="es",
        body="La punción lumbar saca líquido.",
    )
    PageFactory(title="Lumbar puncture", slug="lumbar-puncture", translation_key="lp", body="lumbar puncture")
    PageFactory(title="Lumbar pain at home", slug="lumbar-home", translation_key="lh", body="lumbar pain")
    slugs = [p.slug for p in selectors.search(family_user, "lumbar", "es")]
    assert slugs[0] == "puncion-lumbar" and "lumbar-home" in slugs and "lumbar-puncture" not in slugs


def test_editor_starts_a_translation_prefilled(editor_client):
    page = PageFactory(title="Maintenance", slug="maintenance", relevance_tags=["maintenance"])
    text = editor_client.get(f"/editor/pages/{page.pk}/").content.decode()
    assert f"?translation_of={page.pk}" in text
    form = editor_client.get(f"/editor/pages/new/?translation_of={page.pk}").content.decode()
    assert 'value="maintenance"' in form and 'value="es" selected' in form
