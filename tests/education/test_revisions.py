"""Revisions of a published page: families keep the approved text until another editor approves the new one."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from education import selectors, services
from education.content_loader import load_content
from education.models import Page, PageRevision, PageWorkingCopy
from portal.care.models import Notification
from portal.concurrency import StaleEdit
from tests.conftest import signed_in_client
from tests.education.factories import PageFactory, TopicFactory
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

OLD_BODY = "Wash your hands before touching the line."
NEW_BODY = "Wash your hands and wear a mask: zebrafinch rule."


def _live(**extra):
    defaults = {
        "title": "Central line care",
        "slug": "central-line-care",
        "summary": "Keeping the line clean.",
        "body": OLD_BODY,
        "relevance_tags": [],
    }
    defaults.update(extra)
    return PageFactory(**defaults)


def _revise(page, editor, **changes):
    """Start and edit a revision; returns the fresh page."""
    services.start_revision(editor, page)
    page = Page.objects.get(pk=page.pk)
    data = {
        "title": "Quokkaline central line care",
        "summary": "Marmosetish summary.",
        "body": NEW_BODY,
        "sources": page.sources,
        "relevance_tags": ["induction"],
        **changes,
    }
    services.update_revision(editor, page, data, [], page.version)
    return Page.objects.get(pk=page.pk)


def test_live_page_keeps_serving_old_content_until_approval_then_swaps_with_history(family_client, clinician_client):
    page = _live()
    writer, reviewer = EditorFactory(), EditorFactory()
    page = _revise(page, writer)
    services.submit_revision(writer, page)
    asked = set(Notification.objects.filter(kind="education_review_request").values_list("user_id", flat=True))
    assert reviewer.pk in asked and writer.pk not in asked and page.author_id not in asked

    for client in (family_client, clinician_client):
        for url in ("/learn/en/central-line-care/", "/learn/en/central-line-care/print/", "/learn/"):
            text = client.get(url).content.decode()
            assert "Central line care" in text
            for leak in ("zebrafinch", "Quokkaline", "Marmosetish"):
                assert leak not in text, (url, leak)
        assert OLD_BODY in client.get("/learn/en/central-line-care/").content.decode()
    live = Page.objects.get(pk=page.pk)
    assert (live.title, live.summary, live.body, live.relevance_tags) == (
        "Central line care",
        "Keeping the line clean.",
        OLD_BODY,
        [],
    )
    assert "zebrafinch" not in live.body_html

    services.approve_revision(reviewer, Page.objects.get(pk=page.pk), note="Checked")
    live = Page.objects.get(pk=page.pk)
    assert live.status == "published" and live.body == NEW_BODY and live.title == "Quokkaline central line care"
    assert live.relevance_tags == ["induction"] and "zebrafinch" in live.body_html
    assert live.reviewer == reviewer and live.reviewed_on == timezone.localdate()
    assert live.next_review_due == services.add_months(live.reviewed_on, 24)
    assert not PageWorkingCopy.objects.filter(page=live).exists()
    text = family_client.get("/learn/en/central-line-care/").content.decode()
    assert "zebrafinch" in text and OLD_BODY not in text

    kinds = list(live.revisions.order_by("number").values_list("kind", flat=True))
    assert kinds == ["rev_started", "rev_edited", "rev_submitted", "rev_approved"]
    approved = live.revisions.get(kind="rev_approved")
    assert approved.body == NEW_BODY and approved.user == reviewer and approved.note == "Checked"
    assert live.revisions.get(kind="rev_started").body == OLD_BODY  # the working copy began as the live text
    # The approval's diff compares with what families saw before it (not with the working copy).
    diff = signed_in_client(reviewer).get(f"/editor/pages/{live.pk}/revisions/{approved.pk}/").content.decode()
    assert 'class="diff-del"' in diff and OLD_BODY in diff
    assert 'class="diff-add"' in diff and NEW_BODY in diff


def test_approval_replaces_topics_too():
    old_topic, new_topic = TopicFactory(), TopicFactory()
    page = _live(topics=[old_topic])
    writer, reviewer = EditorFactory(), EditorFactory()
    services.start_revision(writer, page)
    page = Page.objects.get(pk=page.pk)
    services.update_revision(writer, page, {"body": NEW_BODY}, [new_topic], page.version)
    assert list(Page.objects.get(pk=page.pk).topics.all()) == [old_topic]
    services.submit_revision(writer, page)
    services.approve_revision(reviewer, page)
    assert list(Page.objects.get(pk=page.pk).topics.all()) == [new_topic]


def test_self_review_and_unreviewed_publication_are_refused():
    author, writer, helper, reviewer = EditorFactory(), EditorFactory(), EditorFactory(), EditorFactory()
    page = _live(author=author)
    page = _revise(page, writer)
    with pytest.raises(ValidationError):  # not submitted yet: no publishing without review
        services.approve_revision(reviewer, page)
    services.update_revision(helper, page, {"body": NEW_BODY + " More."}, [], Page.objects.get(pk=page.pk).version)
    services.submit_revision(writer, page)
    for person in (writer, helper, author):
        with pytest.raises(ValidationError):
            services.approve_revision(person, page)
    assert Page.objects.get(pk=page.pk).body == OLD_BODY
    services.approve_revision(reviewer, page)
    assert Page.objects.get(pk=page.pk).body == NEW_BODY + " More."


def test_revision_cannot_be_scheduled_and_approval_is_immediate():
    writer, reviewer = EditorFactory(), EditorFactory()
    page = _revise(_live(), writer)
    services.submit_revision(writer, page)
    with pytest.raises(ValidationError):
        services.approve_revision(reviewer, page, publish_at=datetime(2030, 1, 1, 9, 0).astimezone())
    assert Page.objects.get(pk=page.pk).body == OLD_BODY


def test_stale_edits_and_stale_approvals_are_refused():
    writer, reviewer = EditorFactory(), EditorFactory()
    page = _revise(_live(), writer)
    seen = page.version
    services.update_revision(writer, page, {"body": "Second edit."}, [], seen)
    with pytest.raises(StaleEdit):
        services.update_revision(writer, page, {"body": "Stale edit."}, [], seen)
    assert PageWorkingCopy.objects.get(page=page).body == "Second edit."
    services.submit_revision(writer, page)
    reviewer_saw = Page.objects.get(pk=page.pk).version
    services.return_revision(reviewer, page)
    services.update_revision(writer, page, {"body": "Changed after the reviewer looked."}, [], reviewer_saw + 1)
    services.submit_revision(writer, page)
    with pytest.raises(StaleEdit):
        services.approve_revision(reviewer, page, expected_version=reviewer_saw)
    assert Page.objects.get(pk=page.pk).body == OLD_BODY


def test_discard_keeps_live_content_and_the_discarded_text_in_history():
    writer = EditorFactory()
    page = _revise(_live(), writer)
    before = Page.objects.values("title", "summary", "body", "body_html", "relevance_tags", "reviewed_on").get(
        pk=page.pk
    )
    services.discard_revision(writer, page, note="Not needed")
    assert (
        Page.objects.values("title", "summary", "body", "body_html", "relevance_tags", "reviewed_on").get(pk=page.pk)
        == before
    )
    assert not PageWorkingCopy.objects.filter(page=page).exists()
    assert page.revisions.get(kind="rev_discarded").body == NEW_BODY
    with pytest.raises(ValidationError):  # nothing left to approve
        services.approve_revision(EditorFactory(), page)


def test_one_revision_at_a_time_and_only_of_published_pages():
    writer = EditorFactory()
    page = _revise(_live(), writer)
    with pytest.raises(ValidationError):
        services.start_revision(EditorFactory(), page)
    with pytest.raises(ValidationError):
        services.start_revision(writer, PageFactory(status="draft", reviewed_on=None))


def test_confirm_review_still_works_during_a_revision_and_keeps_both():
    with time_machine.travel(date(2024, 1, 10), tick=False):
        page = _live(reviewed_on=date(2024, 1, 10), next_review_due=date(2026, 1, 10))
    writer, other = EditorFactory(), EditorFactory()
    page = _revise(page, writer)
    with time_machine.travel(datetime(2026, 2, 1, 12, tzinfo=ZoneInfo("America/Chicago")), tick=False):
        page = services.confirm_review(other, page)
    assert page.reviewed_on == date(2026, 2, 1) and page.next_review_due == date(2028, 2, 1)
    assert page.body == OLD_BODY
    assert PageWorkingCopy.objects.get(page=page).body == NEW_BODY


def test_reopen_refused_during_a_revision_and_archive_discards_it():
    writer = EditorFactory()
    page = _revise(_live(), writer)
    with pytest.raises(ValidationError):
        services.reopen(writer, page)
    page = services.archive(writer, page)
    assert page.status == "archived" and page.body == OLD_BODY
    assert not PageWorkingCopy.objects.filter(page=page).exists()
    assert list(page.revisions.order_by("-number").values_list("kind", flat=True)[:2]) == ["archived", "rev_discarded"]


def test_for_you_now_and_related_pages_ignore_working_copy_tags_and_topics(family_client, patient, monkeypatch):
    from patients import care_moments
    from patients.care_moments import CareMoments

    monkeypatch.setattr(care_moments, "care_moments_for", lambda p, **_: CareMoments(phase="induction"))
    page = _revise(_live(relevance_tags=[]), EditorFactory(), relevance_tags=["induction"])
    text = family_client.get(f"/learn/for-you/{patient.pk}/").content.decode()
    assert "Central line care" not in text and "Quokkaline" not in text
    assert Page.objects.get(pk=page.pk).relevance_tags == []


def _search_slugs(user, query):
    return [p.slug for p in selectors.search(user, query, "en")]


@pytest.mark.parametrize("engine", ["database", "fallback"])
def test_search_and_ranking_never_see_working_copy_text(family_user, engine, monkeypatch):
    if engine == "fallback":

        class FakeConnection:
            vendor = "sqlite"

        monkeypatch.setattr(selectors, "connection", FakeConnection())
    PageFactory(title="Neutropenia explained", slug="neutro", body="Neutropenia means few neutrophils.")
    second = PageFactory(title="Blood counts", slug="counts", body="Counts, including neutropenia.")
    before = _search_slugs(family_user, "neutropenia")
    assert before == ["neutro", "counts"]
    stuffed = "Neutropenia neutropenia neutropenia zebrafinch."
    _revise(second, EditorFactory(), title="Neutropenia neutropenia", summary="Neutropenia", body=stuffed)
    assert _search_slugs(family_user, "neutropenia") == before
    assert _search_slugs(family_user, "zebrafinch") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the PostgreSQL ranking")
def test_postgres_rank_values_unchanged_by_a_revision(family_user):
    PageFactory(title="Fever", slug="fever", body="Call us for a fever.")
    page = PageFactory(title="Infections", slug="infections", body="A fever can mean infection.")
    ranks = [(p.slug, p.rank) for p in selectors.search(family_user, "fever", "en")]
    _revise(page, EditorFactory(), title="Fever fever", summary="Fever", body="Fever fever fever.")
    assert [(p.slug, p.rank) for p in selectors.search(family_user, "fever", "en")] == ranks


def test_family_page_views_run_the_same_queries_with_a_pending_revision(
    family_client, patient, monkeypatch, django_assert_num_queries, django_assert_max_num_queries
):
    from patients import care_moments
    from patients.care_moments import CareMoments

    monkeypatch.setattr(care_moments, "care_moments_for", lambda p, **_: CareMoments(phase="induction"))
    topic = TopicFactory()
    page = _live(topics=[topic], relevance_tags=["induction"])
    PageFactory(topics=[topic], relevance_tags=["induction"])
    urls = ["/learn/en/central-line-care/", "/learn/", "/learn/?q=line", f"/learn/for-you/{patient.pk}/"]
    counts = {}
    for url in urls:
        family_client.get(url)
        with django_assert_max_num_queries(100) as ctx:
            family_client.get(url)
        counts[url] = len(ctx.captured_queries)
    _revise(page, EditorFactory())
    for url in urls:
        with django_assert_num_queries(counts[url]):
            assert family_client.get(url).status_code == 200


def test_content_loader_leaves_a_page_under_revision_alone(monkeypatch):
    load_content()
    page = Page.objects.get(language="en", slug="fever-and-infection")
    services.start_revision(EditorFactory(), page)
    from education import content_loader

    real_hash = content_loader.content_hash
    monkeypatch.setattr(content_loader, "content_hash", lambda *a: real_hash(*a) + "x")  # the file "changed"
    report = load_content()
    assert "en/fever-and-infection" in report.kept


# --- The editors' workspace ---------------------------------------------------------------------------


def _form(**extra):
    data = {
        "title": "Quokkaline central line care",
        "summary": "Marmosetish summary.",
        "body": NEW_BODY,
        "sources": "A source",
        "relevance_tags": ["induction"],
        "save": "1",
    }
    data.update(extra)
    return data


def test_workspace_revision_flow(editor):
    page = _live()
    writer_client = signed_in_client(editor)
    response = writer_client.post(f"/editor/pages/{page.pk}/start_revision/")
    assert response.status_code == 302 and response["Location"] == f"/editor/pages/{page.pk}/revision/edit/"
    form_page = writer_client.get(f"/editor/pages/{page.pk}/revision/edit/")
    assert form_page.status_code == 200 and OLD_BODY in form_page.content.decode()
    version = Page.objects.get(pk=page.pk).version
    stale = writer_client.post(f"/editor/pages/{page.pk}/revision/edit/", _form(version=version - 1))
    assert stale.status_code == 409
    saved = writer_client.post(f"/editor/pages/{page.pk}/revision/edit/", _form(version=version))
    assert saved.status_code == 302
    assert Page.objects.get(pk=page.pk).body == OLD_BODY

    editor_view = writer_client.get(f"/editor/pages/{page.pk}/").content.decode()
    assert "Pending revision" in editor_view and "Preview of the revision" in editor_view
    assert "zebrafinch" in editor_view  # the preview shows the working copy
    assert "revision being edited" in writer_client.get("/editor/").content.decode()
    assert "Central line care" in writer_client.get("/editor/?filter=revision").content.decode()

    writer_client.post(f"/editor/pages/{page.pk}/submit_revision/")
    assert "revision in review" in writer_client.get("/editor/").content.decode()
    version = Page.objects.get(pk=page.pk).version
    writer_client.post(f"/editor/pages/{page.pk}/approve_revision/", {"version": version})
    assert Page.objects.get(pk=page.pk).body == OLD_BODY  # refused: the writer cannot approve
    reviewer_client = signed_in_client(EditorFactory())
    reviewer_view = reviewer_client.get(f"/editor/pages/{page.pk}/").content.decode()
    assert "Approve and publish revision" in reviewer_view
    reviewer_client.post(f"/editor/pages/{page.pk}/approve_revision/", {"version": version})
    assert Page.objects.get(pk=page.pk).body == NEW_BODY
    assert PageRevision.objects.filter(page=page, kind="rev_approved").exists()


def test_revision_edit_is_not_for_families_or_clinicians(family_client, clinician_client):
    page = _revise(_live(), EditorFactory())
    for client in (family_client, clinician_client):
        assert client.get(f"/editor/pages/{page.pk}/revision/edit/").status_code == 404
        assert client.post(f"/editor/pages/{page.pk}/revision/edit/", _form(version=page.version)).status_code == 404
        assert client.post(f"/editor/pages/{page.pk}/discard_revision/").status_code == 404
    assert PageWorkingCopy.objects.filter(page=page).exists()


def test_revision_edit_without_a_revision_goes_back_to_the_page(editor_client):
    page = _live()
    response = editor_client.get(f"/editor/pages/{page.pk}/revision/edit/")
    assert response.status_code == 302 and response["Location"] == f"/editor/pages/{page.pk}/"
