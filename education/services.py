"""Writes: the editorial workflow, sharing pages with families, and families' question lists.

Workflow (draft → in review → published → archived):
* editors write drafts; only a draft's content can change (a published page is reopened first);
* a draft is submitted for review; a different editor approves it (never its author or anyone
  who edited it since the last review), which publishes it at once or at `publish_at`;
* approval stamps reviewed-on and next-review-due (EDUCATION_REVIEW_INTERVAL_MONTHS, default 24);
  a later periodic review confirms a published page without changing it;
* every step leaves a PageRevision snapshot, so the history and diffs are complete.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from education.models import (
    CuratedQuestion,
    FamilyQuestion,
    Page,
    PageRevision,
    PageShare,
    PageStatus,
)
from portal import audit
from portal.concurrency import StaleEdit, save_versioned
from portal.models import AuditAction, Notification, Role, User

CONTENT_FIELDS = ["title", "slug", "language", "translation_key", "summary", "body", "sources", "audience"]
Kind = PageRevision.Kind


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def next_review_due(reviewed_on: date) -> date:
    return add_months(reviewed_on, settings.EDUCATION_REVIEW_INTERVAL_MONTHS)


def can_edit_content(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and (user.is_editor or user.is_site_admin)


def _require_editor(user) -> None:
    if not can_edit_content(user):
        raise PermissionDenied


def _snapshot(page: Page, kind: str, user=None, note: str = "") -> PageRevision:
    last = page.revisions.aggregate(n=Max("number"))["n"] or 0
    return PageRevision.objects.create(
        page=page,
        number=last + 1,
        kind=kind,
        user=user,
        note=note[:500],
        title=page.title,
        summary=page.summary,
        body=page.body,
        relevance_tags=list(page.relevance_tags),
    )


def _validate(page: Page) -> None:
    page.full_clean(exclude=["version", "author", "reviewer", "topics"], validate_unique=True)


def _locked(page: Page) -> Page:
    return Page.objects.select_for_update().get(pk=page.pk)


# --- Editing ------------------------------------------------------------------------------------


def create_page(user, data: dict, topics=()) -> Page:
    _require_editor(user)
    page = Page(**{k: v for k, v in data.items() if k in [*CONTENT_FIELDS, "relevance_tags", "publish_at"]})
    page.author = user
    page.status = PageStatus.DRAFT
    _validate(page)
    try:
        with transaction.atomic():
            page.save()
            page.topics.set(topics)
            _snapshot(page, Kind.CREATED, user)
    except IntegrityError as exc:
        raise ValidationError(
            {"slug": _("A page with this slug or translation key already exists in this language.")}
        ) from exc
    return page


def update_page(user, page: Page, data: dict, topics, expected_version: int) -> Page:
    """Change a draft's content. Refuses a stale edit (StaleEdit) and any page that is not a draft."""
    _require_editor(user)
    if page.status != PageStatus.DRAFT:
        raise ValidationError(_("Only drafts can be edited. Reopen the page for editing first."))
    fields = [f for f in [*CONTENT_FIELDS, "relevance_tags", "publish_at"] if f in data]
    for name in fields:
        setattr(page, name, data[name])
    _validate(page)
    from education.rendering import render_markdown

    page.body_html = render_markdown(page.body)
    try:
        with transaction.atomic():
            save_versioned(page, expected_version, [*fields, "body_html"])
            page.topics.set(topics)
            _snapshot(page, Kind.EDITED, user)
    except IntegrityError as exc:
        raise ValidationError(
            {"slug": _("A page with this slug or translation key already exists in this language.")}
        ) from exc
    return page


# --- Workflow -----------------------------------------------------------------------------------


def _transition(user, page: Page, allowed_from: set[str], to: str, kind: str, note: str = "", **extra) -> Page:
    _require_editor(user)
    with transaction.atomic():
        current = _locked(page)
        if current.status not in allowed_from:
            raise ValidationError(
                _("This page is %(status)s; that step is not possible now.") % {"status": current.get_status_display()}
            )
        current.status = to
        for name, value in extra.items():
            setattr(current, name, value)
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at", "body_html", *extra])
        _snapshot(current, kind, user, note)
    page.refresh_from_db()
    return page


def submit_for_review(user, page: Page, note: str = "") -> Page:
    """Draft → in review; every other active editor is told a page is waiting for a reviewer."""
    page = _transition(user, page, {PageStatus.DRAFT}, PageStatus.IN_REVIEW, Kind.SUBMITTED, note)
    reviewers = User.objects.filter(role=Role.EDITOR, is_active=True).exclude(pk__in=editors_since_last_review(page))
    link = reverse("education:editor_page", kwargs={"page_id": page.pk})
    Notification.objects.bulk_create(
        [
            Notification(user=r, kind="education_review_request", title=_("A page is waiting for review"), link=link)
            for r in reviewers
        ]
    )
    return page


def return_to_draft(user, page: Page, note: str = "") -> Page:
    return _transition(user, page, {PageStatus.IN_REVIEW}, PageStatus.DRAFT, Kind.RETURNED, note)


def editors_since_last_review(page: Page) -> set[int]:
    """Who wrote the content now under review: the author and everyone who edited since the last approval."""
    last_review = page.revisions.filter(kind__in=[Kind.APPROVED, Kind.IMPORTED]).aggregate(n=Max("number"))["n"] or 0
    editors = set(
        page.revisions.filter(number__gt=last_review, kind__in=[Kind.CREATED, Kind.EDITED])
        .exclude(user__isnull=True)
        .values_list("user_id", flat=True)
    )
    if page.author_id:
        editors.add(page.author_id)
    return editors


def _check_reviewer(user, page: Page) -> None:
    if user.pk in editors_since_last_review(page):
        raise ValidationError(_("You wrote or edited this page, so someone else must review it."))


def approve(user, page: Page, *, publish_at: datetime | None = None, note: str = "") -> Page:
    """Review passed: the page is published now, or goes live at `publish_at` (checked at query time)."""
    _require_editor(user)
    _check_reviewer(user, page)
    today = timezone.localdate()
    publish_at = publish_at if publish_at is not None else page.publish_at
    return _transition(
        user,
        page,
        {PageStatus.IN_REVIEW},
        PageStatus.PUBLISHED,
        Kind.APPROVED,
        note,
        reviewer=user,
        reviewed_on=today,
        next_review_due=next_review_due(today),
        publish_at=publish_at,
        published_at=max(publish_at, timezone.now()) if publish_at else timezone.now(),
    )


def confirm_review(user, page: Page, note: str = "") -> Page:
    """Periodic review of a published page whose content still holds: restarts the review clock."""
    _require_editor(user)
    _check_reviewer(user, page)
    today = timezone.localdate()
    return _transition(
        user,
        page,
        {PageStatus.PUBLISHED},
        PageStatus.PUBLISHED,
        Kind.REVIEWED,
        note,
        reviewer=user,
        reviewed_on=today,
        next_review_due=next_review_due(today),
    )


def reopen(user, page: Page, note: str = "") -> Page:
    """Take a published or archived page back to draft (families stop seeing it until it is approved again)."""
    return _transition(user, page, {PageStatus.PUBLISHED, PageStatus.ARCHIVED}, PageStatus.DRAFT, Kind.REOPENED, note)


def archive(user, page: Page, note: str = "") -> Page:
    return _transition(
        user,
        page,
        {PageStatus.DRAFT, PageStatus.IN_REVIEW, PageStatus.PUBLISHED},
        PageStatus.ARCHIVED,
        Kind.ARCHIVED,
        note,
    )


# --- Review reminders (Celery beat) ---------------------------------------------------------------


def pages_needing_review(today: date | None = None):
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.EDUCATION_REVIEW_WARNING_DAYS)
    return Page.objects.filter(status=PageStatus.PUBLISHED, next_review_due__lte=horizon).order_by("next_review_due")


def notify_review_due(today: date | None = None) -> int:
    """Tell every active editor how many pages are due or overdue for review; once a day per editor."""
    today = today or timezone.localdate()
    pages = list(pages_needing_review(today).only("id", "next_review_due"))
    if not pages:
        return 0
    overdue = sum(1 for p in pages if p.next_review_due < today)
    editors = list(User.objects.filter(Q(role=Role.EDITOR) | Q(role=Role.ADMIN), is_active=True))
    already = set(
        Notification.objects.filter(kind="education_review_due", user__in=editors, created_at__date=today).values_list(
            "user_id", flat=True
        )
    )
    title = _("%(due)d education pages need review (%(overdue)d overdue)") % {"due": len(pages), "overdue": overdue}
    link = reverse("education:editor_dashboard") + "?filter=review"
    fresh = [u for u in editors if u.pk not in already]
    Notification.objects.bulk_create(
        [Notification(user=u, kind="education_review_due", title=title, link=link) for u in fresh]
    )
    for user in fresh:
        send_mail(
            title,
            _("Sign in to the portal to see which pages are due: %(url)s") % {"url": settings.SITE_URL + link},
            None,
            [user.email],
            fail_silently=True,
        )
    return len(fresh)


# --- Sharing a page with a family -------------------------------------------------------------------


def _in_language(language: str, message: str) -> str:
    """A message in the recipient's language (not the sender's): notifications are stored as text."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(message)


def share_page(user, patient, page: Page, message: str = "") -> PageShare:
    """A care-team clinician sends a live family page to the child's family (patient resolved by the caller)."""
    from education.selectors import family_members_of

    if not page.is_live or page.audience == "clinician":
        raise ValidationError({"page": _("Only published pages for families can be sent.")})
    with transaction.atomic():
        share = PageShare.objects.create(patient=patient, page=page, shared_by=user, message=message[:300])
        link = reverse("education:shared_page", kwargs={"share_id": share.pk})
        title = gettext_noop("Your care team sent you a page to read")
        Notification.objects.bulk_create(
            [
                Notification(
                    user=member,
                    patient=patient,
                    kind="education_page_shared",
                    title=_in_language(member.preferred_language, title),
                    body=share.message,
                    link=link,
                )
                for member in family_members_of(patient)
            ]
        )
        audit.record(user, AuditAction.CREATE, patient=patient, obj=share)
    return share


# --- Families' questions -----------------------------------------------------------------------------


def add_question(user, patient, text: str = "", curated: CuratedQuestion | None = None) -> FamilyQuestion:
    text = (text or (curated.text if curated else "")).strip()
    if not text:
        raise ValidationError({"text": _("Write your question first.")})
    if len(text) > 500:
        raise ValidationError({"text": _("Please keep a question under 500 characters.")})
    if user.role != Role.FAMILY:
        raise PermissionDenied
    with transaction.atomic():
        if (
            curated
            and FamilyQuestion.objects.filter(patient=patient, curated=curated, answered_at__isnull=True).exists()
        ):
            raise ValidationError({"text": _("This question is already on your list.")})
        question = FamilyQuestion.objects.create(patient=patient, created_by=user, text=text, curated=curated)
        audit.record(user, AuditAction.CREATE, patient=patient, obj=question)
    return question


def set_answered(user, patient, question: FamilyQuestion, answered: bool) -> FamilyQuestion:
    if question.patient_id != patient.pk:
        raise PermissionDenied
    with transaction.atomic():
        question.answered_at = timezone.now() if answered else None
        question.save(update_fields=["answered_at"])
        audit.record(
            user, AuditAction.UPDATE, patient=patient, obj=question, detail="answered" if answered else "reopened"
        )
    return question


__all__ = [
    "StaleEdit",
    "add_question",
    "approve",
    "archive",
    "confirm_review",
    "create_page",
    "notify_review_due",
    "reopen",
    "return_to_draft",
    "set_answered",
    "share_page",
    "submit_for_review",
    "update_page",
]
