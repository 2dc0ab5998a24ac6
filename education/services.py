"""Writes: the editorial workflow, sharing pages with families, and families' question lists.

Workflow (draft → in review → published → archived):
* editors write drafts; only a draft's content can change (a published page is reopened first);
* a draft is submitted for review; a different editor approves it (never its author or anyone
  who edited it since the last review), which publishes it at once or at `publish_at`;
* approval stamps reviewed-on and next-review-due (EDUCATION_REVIEW_INTERVAL_MONTHS, default 24);
  a later periodic review confirms a published page without changing it;
* every step leaves a PageRevision snapshot, so the history and diffs are complete.

Revisions of a published page (start → edit → submit → approve, or return / discard): the
changes are written in a PageWorkingCopy while families keep reading the live page; the same
review rules apply, and approval swaps the content in atomically. A revision is published the
moment it is approved: scheduled publishing (publish_at) is decided at query time on the live
row, which cannot hold two versions of the text, so scheduling a revision would need a separate
swap job — not built; `approve_revision` refuses a publish_at instead of ignoring it.
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
    PageWorkingCopy,
)
from education.rendering import render_markdown
from education.selectors import family_members_of
from portal.accounts.models import Role, User
from portal.care.access import care_team_clinicians_of, record_patient_event
from portal.care.models import AuditAction, Notification
from portal.concurrency import StaleEdit, save_versioned

CONTENT_FIELDS = ["title", "slug", "language", "translation_key", "summary", "body", "sources", "audience"]
# What a revision of a published page may change (identity and audience stay; see PageWorkingCopy).
REVISION_FIELDS = ["title", "summary", "body", "sources", "relevance_tags"]
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


def _snapshot(page: Page, kind: str, user=None, note: str = "", content=None) -> PageRevision:
    """Record a step; `content` is what the snapshot holds (the page itself, or its working copy)."""
    content = content if content is not None else page
    last = PageRevision.objects.filter(page_id=page.pk).aggregate(n=Max("number"))["n"] or 0
    return PageRevision.objects.create(
        page=page,
        number=last + 1,
        kind=kind,
        user=user,
        note=note[:500],
        title=content.title,
        summary=content.summary,
        body=content.body,
        relevance_tags=list(content.relevance_tags),
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
    _notify_reviewers(page, editors_since_last_review(page))
    return page


def _notify_reviewers(page: Page, exclude: set[int]) -> None:
    reviewers = User.objects.filter(role=Role.EDITOR, is_active=True).exclude(pk__in=exclude)
    link = reverse("education:editor_page", kwargs={"page_id": page.pk})
    Notification.objects.bulk_create(
        [
            Notification(
                user=r,
                kind="education_review_request",
                title=_in_language(r.preferred_language, gettext_noop("A page is waiting for review")),
                link=link,
            )
            for r in reviewers
        ]
    )


def return_to_draft(user, page: Page, note: str = "") -> Page:
    return _transition(user, page, {PageStatus.IN_REVIEW}, PageStatus.DRAFT, Kind.RETURNED, note)


def editors_since_last_review(page: Page) -> set[int]:
    """Who wrote the content now under review: the author and everyone who edited since the last approval."""
    reviewed = [Kind.APPROVED, Kind.REVISION_APPROVED, Kind.IMPORTED]
    last_review = page.revisions.filter(kind__in=reviewed).aggregate(n=Max("number"))["n"] or 0
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
    """Take a published or archived page back to draft (families stop seeing it until it is approved again).

    Refused while a revision is pending: finish or discard it first, so no work is silently lost.
    """
    if PageWorkingCopy.objects.filter(page_id=page.pk).exists():
        raise ValidationError(_("This page has a revision in progress: approve or discard it first."))
    return _transition(user, page, {PageStatus.PUBLISHED, PageStatus.ARCHIVED}, PageStatus.DRAFT, Kind.REOPENED, note)


def archive(user, page: Page, note: str = "") -> Page:
    """Take a page out of use; a pending revision is discarded with it (kept in the history)."""
    _require_editor(user)
    with transaction.atomic():
        _locked(page)  # page first, then its working copy: the same lock order as every revision step
        copy = PageWorkingCopy.objects.select_for_update().filter(page_id=page.pk).first()
        if copy is not None:
            _snapshot(page, Kind.REVISION_DISCARDED, user, _("Discarded when the page was archived."), content=copy)
            copy.delete()
        return _transition(
            user,
            page,
            {PageStatus.DRAFT, PageStatus.IN_REVIEW, PageStatus.PUBLISHED},
            PageStatus.ARCHIVED,
            Kind.ARCHIVED,
            note,
        )


# --- Revisions of a published page -----------------------------------------------------------------


def working_copy_editors(page: Page) -> set[int]:
    """Who may not review the pending revision: the page's author and everyone who started or edited it."""
    started = (
        page.revisions.filter(kind=Kind.REVISION_STARTED).order_by("-number").values_list("number", flat=True).first()
    )
    editors = set()
    if started is not None:
        editors = set(
            page.revisions.filter(number__gte=started, kind__in=[Kind.REVISION_STARTED, Kind.REVISION_EDITED])
            .exclude(user__isnull=True)
            .values_list("user_id", flat=True)
        )
    if page.author_id:
        editors.add(page.author_id)
    return editors


def _revision_step(user, page: Page, states: set[str] | None, step, expected_version: int | None = None):
    """Lock the page, check the working copy's state (None: there must be none), run `step`, bump the version."""
    _require_editor(user)
    with transaction.atomic():
        current = _locked(page)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit()
        if current.status != PageStatus.PUBLISHED:
            raise ValidationError(_("Only a published page can be revised; edit the draft instead."))
        copy = PageWorkingCopy.objects.select_for_update().filter(page=current).first()
        if states is None and copy is not None:
            raise ValidationError(_("This page already has a revision in progress."))
        if states is not None and (copy is None or copy.state not in states):
            raise ValidationError(_("That step is not possible for this revision now."))
        result = step(current, copy)
        Page.objects.filter(pk=current.pk).update(version=current.version + 1)
    page.refresh_from_db()
    return result


def start_revision(user, page: Page, note: str = "") -> PageWorkingCopy:
    """Open a working copy of a published page's content; the live page stays as it is."""

    def step(current, _copy):
        copy = PageWorkingCopy(page=current, started_by=user, **{f: getattr(current, f) for f in REVISION_FIELDS})
        copy.relevance_tags = list(current.relevance_tags)
        copy.save()
        copy.topics.set(current.topics.all())
        _snapshot(current, Kind.REVISION_STARTED, user, note, content=copy)
        return copy

    return _revision_step(user, page, None, step)


def update_revision(user, page: Page, data: dict, topics, expected_version: int) -> PageWorkingCopy:
    """Change the working copy (only while it is being edited). Refuses a stale edit (StaleEdit)."""

    def step(current, copy):
        for name in REVISION_FIELDS:
            if name in data:
                setattr(copy, name, data[name])
        copy.full_clean(exclude=["page", "started_by", "topics"])
        copy.save()
        copy.topics.set(topics)
        _snapshot(current, Kind.REVISION_EDITED, user, content=copy)
        return copy

    return _revision_step(user, page, {PageWorkingCopy.State.EDITING}, step, expected_version)


def submit_revision(user, page: Page, note: str = "") -> PageWorkingCopy:
    def step(current, copy):
        copy.state = PageWorkingCopy.State.IN_REVIEW
        copy.save(update_fields=["state", "body_html", "updated_at"])
        _snapshot(current, Kind.REVISION_SUBMITTED, user, note, content=copy)
        return copy

    copy = _revision_step(user, page, {PageWorkingCopy.State.EDITING}, step)
    _notify_reviewers(page, working_copy_editors(page))
    return copy


def return_revision(user, page: Page, note: str = "") -> PageWorkingCopy:
    def step(current, copy):
        copy.state = PageWorkingCopy.State.EDITING
        copy.save(update_fields=["state", "body_html", "updated_at"])
        _snapshot(current, Kind.REVISION_RETURNED, user, note, content=copy)
        return copy

    return _revision_step(user, page, {PageWorkingCopy.State.IN_REVIEW}, step)


def approve_revision(
    user, page: Page, *, note: str = "", publish_at: datetime | None = None, expected_version: int | None = None
) -> Page:
    """Review passed: the working copy replaces the live content now, in one transaction.

    `expected_version` (the version the reviewer saw) refuses approving text changed meanwhile.
    """
    if publish_at is not None:
        raise ValidationError(
            _("A revision is published as soon as it is approved and cannot be scheduled; approve it when it is due.")
        )

    def step(current, copy):
        if user.pk in working_copy_editors(current):  # checked under the page lock
            raise ValidationError(_("You wrote or edited this revision, so someone else must review it."))
        today = timezone.localdate()
        for name in REVISION_FIELDS:
            setattr(current, name, getattr(copy, name))
        current.relevance_tags = list(copy.relevance_tags)
        current.reviewer = user
        current.reviewed_on = today
        current.next_review_due = next_review_due(today)
        current.save(
            update_fields=[*REVISION_FIELDS, "body_html", "reviewer", "reviewed_on", "next_review_due", "updated_at"]
        )
        current.topics.set(copy.topics.all())
        copy.delete()
        _snapshot(current, Kind.REVISION_APPROVED, user, note)
        return current

    _revision_step(user, page, {PageWorkingCopy.State.IN_REVIEW}, step, expected_version)
    return page


def discard_revision(user, page: Page, note: str = "") -> Page:
    """Drop the working copy; the live page is not touched. Its text stays in the history."""

    def step(current, copy):
        _snapshot(current, Kind.REVISION_DISCARDED, user, note, content=copy)
        copy.delete()

    _revision_step(user, page, {PageWorkingCopy.State.EDITING, PageWorkingCopy.State.IN_REVIEW}, step)
    return page


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
    counts = {"due": len(pages), "overdue": overdue}
    link = reverse("education:editor_dashboard") + "?filter=review"
    fresh = [u for u in editors if u.pk not in already]
    # Each editor's own language: the notification and the email are stored / sent as text.
    titles = {
        u.pk: _in_language(
            u.preferred_language, gettext_noop("%(due)d education pages need review (%(overdue)d overdue)")
        )
        % counts
        for u in fresh
    }
    Notification.objects.bulk_create(
        [Notification(user=u, kind="education_review_due", title=titles[u.pk], link=link) for u in fresh]
    )
    for user in fresh:
        send_mail(
            titles[user.pk],
            _in_language(
                user.preferred_language, gettext_noop("Sign in to the portal to see which pages are due: %(url)s")
            )
            % {"url": settings.SITE_URL + link},
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
    if not page.is_live or page.audience == "clinician":
        raise ValidationError({"page": _("Only published pages for families can be sent.")})
    with transaction.atomic():
        share = PageShare.objects.create(patient=patient, page=page, shared_by=user, message=message[:300])
        link = reverse("education:shared_page", kwargs={"share_id": share.pk})
        title = gettext_noop("Your care team sent you a page to read")
        _notify_about_child(
            family_members_of(patient), patient, "education_page_shared", title, link, body=lambda _lang: share.message
        )
        record_patient_event(user, AuditAction.CREATE, patient=patient, obj=share)
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
        record_patient_event(user, AuditAction.CREATE, patient=patient, obj=question)
        _notify_care_team_of_question(patient, question)
    return question


def _notify_about_child(recipients, patient, kind: str, title: str, link: str, *, body, key: str = "") -> None:
    """One notification per recipient about a child, each in the recipient's language, in one INSERT.

    `title` is a gettext_noop message; `body(language)` gives the body text. With a `key`, a repeat
    for the same recipient and key is skipped (the notification's unique (user, dedup_key)).
    """
    Notification.objects.bulk_create(
        [
            Notification(
                user=member,
                patient=patient,
                kind=kind,
                title=_in_language(member.preferred_language, title),
                body=body(member.preferred_language),
                link=link,
                dedup_key=key,
            )
            for member in recipients
        ],
        ignore_conflicts=bool(key),
    )


def _notify_care_team_of_question(patient, question: FamilyQuestion) -> None:
    """Tell the child's care team (per-child and named teams) that the family has a new question.

    The notice names the MRN only, never the question (it may describe the child's health); it links
    to the record, where the care team reads it.
    """
    body = gettext_noop("The family of %(mrn)s added a question. Open the record to read it.")
    _notify_about_child(
        care_team_clinicians_of(patient).only("id", "preferred_language"),
        patient,
        "family_question",
        gettext_noop("A family added a question for the next visit"),
        reverse("patients:detail", kwargs={"patient_id": patient.pk}),
        body=lambda language: _in_language(language, body) % {"mrn": patient.mrn},
        key=f"question:{question.pk}",
    )


def set_answered(user, patient, question: FamilyQuestion, answered: bool) -> FamilyQuestion:
    if question.patient_id != patient.pk:
        raise PermissionDenied
    with transaction.atomic():
        question.answered_at = timezone.now() if answered else None
        question.save(update_fields=["answered_at"])
        record_patient_event(
            user, AuditAction.UPDATE, patient=patient, obj=question, detail="answered" if answered else "reopened"
        )
    return question


__all__ = [
    "StaleEdit",
    "add_question",
    "approve",
    "approve_revision",
    "archive",
    "confirm_review",
    "create_page",
    "discard_revision",
    "notify_review_due",
    "reopen",
    "return_revision",
    "return_to_draft",
    "set_answered",
    "share_page",
    "start_revision",
    "submit_for_review",
    "submit_revision",
    "update_page",
    "update_revision",
]
