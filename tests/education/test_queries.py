"""The library and page views do not run more queries as the content grows."""

import pytest

from tests.education.factories import PageFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _pages(n, topics):
    return [PageFactory(topics=topics, relevance_tags=["induction"]) for _ in range(n)]


def test_library_query_count_is_flat(family_client, django_assert_max_num_queries):
    topics = [TopicFactory(), TopicFactory()]
    _pages(3, topics)
    family_client.get("/learn/")
    with django_assert_max_num_queries(12) as few:
        assert family_client.get("/learn/").status_code == 200
    _pages(25, topics)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert family_client.get("/learn/").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert family_client.get("/learn/?q=words").status_code == 200


def test_page_query_count_is_flat(family_client, django_assert_max_num_queries):
    topic = TopicFactory()
    page = _pages(1, [topic])[0]
    _pages(2, [topic])
    with django_assert_max_num_queries(12) as few:
        assert family_client.get(f"/learn/en/{page.slug}/").status_code == 200
    _pages(25, [topic])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert family_client.get(f"/learn/en/{page.slug}/").status_code == 200


def test_editor_dashboard_query_count_is_flat(editor_client, django_assert_max_num_queries):
    _pages(3, [])
    with django_assert_max_num_queries(12) as few:
        assert editor_client.get("/editor/").status_code == 200
    _pages(20, [])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert editor_client.get("/editor/").status_code == 200


def test_for_you_query_count_is_flat(family_client, patient, monkeypatch, django_assert_max_num_queries):
    from patients import care_moments
    from patients.care_moments import CareMoments

    monkeypatch.setattr(care_moments, "care_moments_for", lambda p, **_: CareMoments(phase="induction"))
    _pages(3, [])
    with django_assert_max_num_queries(15) as few:
        assert family_client.get(f"/learn/for-you/{patient.pk}/").status_code == 200
    _pages(25, [])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert family_client.get(f"/learn/for-you/{patient.pk}/").status_code == 200
