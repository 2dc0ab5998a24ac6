"""Starter content loads idempotently and never clobbers edits; editors hear about reviews due."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from education import services
from education.models import Page, QuestionSet
from education.readability import score
from education.rendering import plain_text
from portal.care.models import Notification
from tests.education.factories import PageFactory
from tests.factories import EditorFactory, FamilyUserFactory

pytestmark = pytest.mark.django_db


def test_starter_content_meets_the_brief():
    call_command("load_education_content")
    english = Page.objects.filter(language="en", status="published", audience="family")
    spanish = Page.objects.filter(language="es", status="published")
    assert english.count() >= 20
    assert spanish.count() >= 8
    english_keys = set(english.values_list("translation_key", flat=True))
    assert set(spanish.values_list("translation_key", flat=True)) <= english_keys
    for page in Page.objects.all():
        assert page.source_list and page.reviewed_on and page.next_review_due, page.slug
        assert page.topics.exists(), page.slug
    for key in ("induction", "consolidation", "interim-maintenance", "delayed-intensification", "maintenance"):
        assert english.filter(slug=key).exists()
    assert QuestionSet.objects.filter(language="en").count() >= 5
    grades = [score(plain_text(p.body), "en").grade for p in english]
    assert sum(grades) / len(grades) <= 8


def test_loading_twice_changes_nothing_and_edits_survive():
    call_command("load_education_content")
    count = Page.objects.count()
    page = Page.objects.get(language="en", slug="what-is-all")
    author, reviewer = EditorFactory(), EditorFactory()
    page = services.reopen(author, page)
    page = services.update_page(author, page, {"body": "Our centre's own words."}, [], page.version)
    services.approve(reviewer, services.submit_for_review(author, page))
    call_command("load_education_content")
    assert Page.objects.count() == count
    assert Page.objects.get(pk=page.pk).body == "Our centre's own words."


def test_review_reminders_reach_editors_once_a_day():
    author = EditorFactory()
    PageFactory(author=author, next_review_due=timezone.localdate() - timedelta(days=3))
    PageFactory(author=author, next_review_due=timezone.localdate() + timedelta(days=10))
    PageFactory(author=author, next_review_due=date(2099, 1, 1))
    editors = [author, EditorFactory(), FamilyUserFactory(is_active=True)][:2]
    FamilyUserFactory()  # families are never told
    from education.tasks import notify_review_due

    assert notify_review_due() == 2
    assert notify_review_due() == 0
    notes = Notification.objects.filter(kind="education_review_due")
    assert {n.user_id for n in notes} == {e.pk for e in editors}
    assert "2 education pages need review (1 overdue)" in notes.first().title
    assert len(mail.outbox) == 2


def test_overdue_flag_shown_to_editors(editor_client):
    PageFactory(title="Old page", next_review_due=timezone.localdate() - timedelta(days=1))
    text = editor_client.get("/editor/?filter=review").content.decode()
    assert "Old page" in text and "overdue" in text
