"""Full-text search: PostgreSQL ranking in English and Spanish over the starter content; SQLite fallback."""

import pytest
from django.db import connection

from education import selectors
from education.content_loader import load_content
from tests.factories import FamilyUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library_loaded(db):
    load_content()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("en", "spinal tap", "lumbar-puncture"),
        ("en", "port dressing", "central-line"),
        ("en", "echocardiogram heart", "heart-health"),
        ("en", "minimal residual disease", "mrd"),
        ("en", "fever", "fever-and-infection"),
        ("en", "going back to school", "school-during-treatment"),
        ("es", "punción lumbar", "puncion-lumbar"),
        ("es", "fiebre", "fiebre-e-infecciones"),
        ("es", "médula ósea", "prueba-de-medula-osea"),
        ("es", "efectos tardíos", "efectos-tardios"),
    ],
)
def test_postgres_ranking_puts_the_expected_page_first(library_loaded, language, query, expected):
    results = selectors.search(FamilyUserFactory(), query, language)
    assert results, query
    assert results[0].slug == expected, [p.slug for p in results[:5]]
    languages = [p.language for p in results]
    # The reader's language first; English only for pages with no matching translation.
    assert languages == sorted(languages, key=lambda code: code != language)
    keys = [p.translation_key for p in results]
    assert len(keys) == len(set(keys))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_stemming_uses_the_language_config(library_loaded):
    # "infections" → stem "infect" (english); "infecciones" → "infeccion" (spanish).
    assert any(p.slug == "fever-and-infection" for p in selectors.search(FamilyUserFactory(), "infections", "en"))
    assert any(p.slug == "fiebre-e-infecciones" for p in selectors.search(FamilyUserFactory(), "infecciones", "es"))


def test_fallback_search_without_postgres(library_loaded, monkeypatch):
    class FakeConnection:
        vendor = "sqlite"

    monkeypatch.setattr(selectors, "connection", FakeConnection())
    results = selectors.search(FamilyUserFactory(), "lumbar puncture", "en")
    assert results[0].slug == "lumbar-puncture"
    assert selectors.search(FamilyUserFactory(), "", "en") == []
