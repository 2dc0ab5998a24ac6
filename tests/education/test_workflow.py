"""Editorial workflow: no self-review, no publishing without review, full history, scheduled publishing."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from education import services
from education.models import Page, PageRevision
from portal.concurrency import StaleEdit
from tests.conftest import signed_in_client
from tests.education.factories import DraftFactory, PageFactory
from tests.factories import ClinicianFactory, EditorFactory, FamilyLinkFactory

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def _data(**extra):
    data = {
        "title": "Central line care",
        "slug": "central-line-care",
        "language": "en",
        "translation_key": "central-line-care",
        "summary": "Keeping the line clean.",
        "body": "Wash your hands.",
        "sources": "A source",
        "audience": "family",
        "relevance_tags": ["central_line"],
    }
    data.update(extra)
    return data


def test_full_path_draft_review_publish_archive_keeps_history():
    author, reviewer = EditorFactory(), EditorFactory()
    page = services.create_page(author, _data())
    page = services.update_page(author, page, _data(body="Wash your hands well."), [], page.version)
    page = services.submit_for_review(author, page)
    page = services.approve(reviewer, page, note="Checked against the source")
    assert page.status == "published" and page.reviewer == reviewer and page.reviewed_on is not None
    assert page.next_review_due == services.add_months(page.reviewed_on, 24)
    page = services.archive(reviewer, page)
    kinds = list(page.revisions.order_by("number").values_list("kind", flat=True))
    assert kinds == ["created", "edited", "submitted", "approved", "archived"]
    bodies = list(page.revisions.order_by("number").values_list("body", flat=True))
    assert bodies[0] == "Wash your hands." and bodies[1] == "Wash your hands well."


def test_submitting_tells_the_other_editors():
    author, other = EditorFactory(), EditorFactory()
    page = services.submit_for_review(author, services.create_page(author, _data()))
    from portal.care.models import Notification

    notes = Notification.objects.filter(kind="education_review_request")
    assert [n.user for n in notes] == [other]
    assert notes[0].link == f"/editor/pages/{page.pk}/"


def test_author_cannot_review_own_page():
    author = EditorFactory()
    page = services.submit_for_review(author, services.create_page(author, _data()))
    with pytest.raises(ValidationError):
        services.approve(author, page)
    assert Page.objects.get(pk=page.pk).status == "in_review"


def test_anyone_who_edited_since_last_review_cannot_review():
    author, helper, reviewer = EditorFactory(), EditorFactory(), EditorFactory()
    page = services.create_page(author, _data())
    page = services.update_page(helper, page, _data(body="Changed by a second editor."), [], page.version)
    page = services.submit_for_review(author, page)
    with pytest.raises(ValidationError):
        services.approve(helper, page)
    assert services.approve(reviewer, page).status == "published"


def test_database_refuses_author_as_reviewer_and_unreviewed_publication():
    page = DraftFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.filter(pk=page.pk).update(reviewer=page.author)
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.filter(pk=page.pk).update(status="published", reviewed_on=None)


def test_no_publishing_without_review():
    author, other = EditorFactory(), EditorFactory()
    page = services.create_page(author, _data())
    with pytest.raises(ValidationError):  # a draft cannot be approved before it is submitted
        services.approve(other, page)
    assert Page.objects.get(pk=page.pk).status == "draft"


def test_only_drafts_change_and_stale_edits_are_refused():
    author, reviewer = EditorFactory(), EditorFactory()
    page = services.create_page(author, _data())
    services.update_page(author, page, _data(body="First edit"), [], 1)
    with pytest.raises(StaleEdit):
        services.update_page(author, Page.objects.get(pk=page.pk), _data(body="Stale"), [], 1)
    page = services.approve(reviewer, services.submit_for_review(author, Page.objects.get(pk=page.pk)))
    with pytest.raises(ValidationError):
        services.update_page(author, page, _data(body="Sneaky change"), [], page.version)
    page = services.reopen(author, page)
    assert page.status == "draft"


def test_non_editors_cannot_touch_the_workflow():
    with pytest.raises(PermissionDenied):
        services.create_page(ClinicianFactory(), _data())


@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO), tick=False)
def test_scheduled_page_goes_live_on_time():
    author, reviewer = EditorFactory(), EditorFactory()
    family = FamilyLinkFactory().user
    page = services.submit_for_review(author, services.create_page(author, _data()))
    go_live = datetime(2026, 3, 5, 8, 0, tzinfo=CHICAGO)
    page = services.approve(reviewer, page, publish_at=go_live)
    assert page.is_scheduled
    # A fresh sign-in at each moment: the session's idle timeout would otherwise end it.
    assert signed_in_client(family).get("/learn/en/central-line-care/").status_code == 404
    with time_machine.travel(go_live - timedelta(minutes=1), tick=False):
        assert signed_in_client(family).get("/learn/en/central-line-care/").status_code == 404
    with time_machine.travel(go_live, tick=False):
        response = signed_in_client(family).get("/learn/en/central-line-care/")
        assert response.status_code == 200
        assert "Reviewed: March 2026" in response.content.decode()


def test_periodic_review_restarts_clock_and_needs_another_editor():
    with time_machine.travel(date(2024, 1, 10), tick=False):
        page = PageFactory(reviewed_on=date(2024, 1, 10), next_review_due=date(2026, 1, 10))
    other = EditorFactory()
    with pytest.raises(ValidationError):
        services.confirm_review(page.author, page)
    with time_machine.travel(datetime(2026, 2, 1, 12, tzinfo=CHICAGO), tick=False):
        page = services.confirm_review(other, page)
        assert page.reviewed_on == date(2026, 2, 1) and page.next_review_due == date(2028, 2, 1)
    assert page.revisions.filter(kind="reviewed", user=other).exists()


def test_editor_workspace_shows_diff_and_blocks_self_review(editor):
    author_client = signed_in_client(editor)
    response = author_client.post(
        "/editor/pages/new/",
        {
            "title": "Fever rules",
            "slug": "fever-rules",
            "language": "en",
            "translation_key": "fever-rules",
            "audience": "family",
            "summary": "When to call",
            "body": "Call for a fever.",
            "sources": "A source",
            "relevance_tags": ["induction"],
            "save": "1",
        },
    )
    page = Page.objects.get(slug="fever-rules")
    assert response.status_code == 302 and page.author == editor
    preview = author_client.post(
        f"/editor/pages/{page.pk}/edit/",
        {
            **_data(title="Fever rules", slug="fever-rules", translation_key="fever-rules"),
            "body": "<script>x</script> Call now.",
            "relevance_tags": ["induction"],
            "version": page.version,
            "preview": "1",
        },
    )
    assert preview.status_code == 200 and "Preview (not saved)" in preview.content.decode()
    assert "<script>x</script>" not in preview.content.decode()
    assert Page.objects.get(pk=page.pk).body == "Call for a fever."  # a preview saves nothing
    author_client.post(
        f"/editor/pages/{page.pk}/edit/",
        {
            **_data(title="Fever rules", slug="fever-rules", translation_key="fever-rules"),
            "body": "Call right away for a fever.",
            "relevance_tags": ["induction"],
            "version": page.version,
            "save": "1",
        },
    )
    author_client.post(f"/editor/pages/{page.pk}/submit/")
    author_client.post(f"/editor/pages/{page.pk}/approve/")
    assert Page.objects.get(pk=page.pk).status == "in_review"  # refused: the author cannot approve
    edited = page.revisions.get(kind="edited")
    diff = author_client.get(f"/editor/pages/{page.pk}/revisions/{edited.pk}/")
    assert diff.status_code == 200
    text = diff.content.decode()
    assert 'class="diff-del"' in text and "Call for a fever." in text
    assert 'class="diff-add"' in text and "Call right away for a fever." in text
    reviewer_client = signed_in_client(EditorFactory())
    reviewer_client.post(f"/editor/pages/{page.pk}/approve/", {"note": "ok"})
    assert Page.objects.get(pk=page.pk).status == "published"
    assert PageRevision.objects.filter(page=page).count() == 4


def test_editor_workspace_is_not_for_families_or_clinicians(family_client, clinician_client):
    page = DraftFactory()
    for client in (family_client, clinician_client):
        assert client.get("/editor/").status_code == 404
        assert client.get(f"/editor/pages/{page.pk}/").status_code == 404
        assert client.post(f"/editor/pages/{page.pk}/submit/").status_code == 404
    assert Page.objects.get(pk=page.pk).status == "draft"
