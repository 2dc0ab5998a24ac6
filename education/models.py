"""Curated education pages, their editorial history, and the questions families bring to visits.

A page moves draft → in review → published → archived (education/services.py holds the rules;
the database refuses a published page without a review date, or one reviewed by its author).
A published page is revised through a PageWorkingCopy, so families keep reading the approved text.
Families read pages only through education/selectors.py. Family questions are patient data and
are read and written only through portal.care.access and the audit trail.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from education.rendering import render_markdown
from patients.care_keys import ALL_KEYS
from portal.fields import BoundedTextField


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Audience(models.TextChoices):
    FAMILY = "family", _("Families")
    TEEN = "teen", _("Teens")
    CLINICIAN = "clinician", _("Clinicians")


class PageStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def name_for(self, language: str) -> str:
        return self.name_es if language == "es" and self.name_es else self.name


def validate_relevance_tags(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Relevance tags must be a list of keys."))
    unknown = sorted(set(value) - set(ALL_KEYS))
    if unknown:
        raise ValidationError(_("Unknown relevance tags: %(tags)s"), params={"tags": ", ".join(unknown)})


class Page(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    translation_key = models.SlugField(
        _("translation key"),
        max_length=120,
        help_text=_("Pages in different languages that share this key are translations of each other."),
    )
    summary = models.CharField(_("summary"), max_length=400)
    body = BoundedTextField(_("body (Markdown)"), max_length=60000)
    body_html = models.TextField(editable=False, default="")
    sources = BoundedTextField(_("sources"), max_length=4000, blank=True, help_text=_("One source per line."))
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices, default=Audience.FAMILY)
    topics = models.ManyToManyField(Topic, related_name="pages", blank=True, verbose_name=_("topics"))
    relevance_tags = models.JSONField(
        _("relevance tags"), default=list, blank=True, validators=[validate_relevance_tags]
    )

    status = models.CharField(max_length=12, choices=PageStatus.choices, default=PageStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="authored_pages"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reviewed_pages"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Leave empty to publish as soon as it is approved.")
    )
    published_at = models.DateTimeField(null=True, blank=True)
    imported_hash = models.CharField(max_length=64, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="education_page_slug_per_language"),
            models.UniqueConstraint(
                fields=["translation_key", "language"], name="education_one_page_per_language_per_key"
            ),
            # No page goes live without a review, and never one its author reviewed.
            models.CheckConstraint(
                condition=~Q(status="published") | Q(reviewed_on__isnull=False),
                name="education_published_needs_review",
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | Q(author__isnull=True) | ~Q(reviewer=F("author")),
                name="education_reviewer_is_not_author",
            ),
        ]
        indexes = [models.Index(fields=["status", "language", "audience"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]

    @property
    def is_live(self) -> bool:
        return self.status == PageStatus.PUBLISHED and (self.publish_at is None or self.publish_at <= timezone.now())

    @property
    def is_scheduled(self) -> bool:
        return self.status == PageStatus.PUBLISHED and self.publish_at is not None and self.publish_at > timezone.now()

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    @property
    def pending_revision(self) -> "PageWorkingCopy | None":
        try:
            return self.working_copy
        except ObjectDoesNotExist:
            return None


class PageWorkingCopy(models.Model):
    """A revision of a published page being written or reviewed; the live Page row is untouched.

    Why a separate table rather than draft_* columns on Page: every reader query (library,
    full-text search vector, "for you now", related pages) reads Page's own columns, so text kept
    here cannot reach families or clinicians by construction — no reader query joins this table.
    The one-to-one key allows at most one pending revision per page; approval copies the fields
    onto the page and deletes this row in one transaction. Slug, language, translation key and
    audience identify the page and who it is for, so a revision does not change them (reopen does).
    Stale edits are refused through the page's `version`, which every revision step bumps.
    """

    class State(models.TextChoices):
        EDITING = "editing", _("Being edited")
        IN_REVIEW = "in_review", _("In review")

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="working_copy")
    state = models.CharField(max_length=12, choices=State.choices, default=State.EDITING)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400)
    body = BoundedTextField(_("body (Markdown)"), max_length=60000)
    body_html = models.TextField(editable=False, default="")
    sources = BoundedTextField(_("sources"), max_length=4000, blank=True, help_text=_("One source per line."))
    topics = models.ManyToManyField(Topic, related_name="+", blank=True, verbose_name=_("topics"))
    relevance_tags = models.JSONField(
        _("relevance tags"), default=list, blank=True, validators=[validate_relevance_tags]
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("page working copy")
        verbose_name_plural = _("page working copies")

    def __str__(self) -> str:
        return f"working copy of page {self.page_id}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class PageRevision(models.Model):
    """Append-only history: a snapshot of the content at every edit and workflow step."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned to draft")
        APPROVED = "approved", _("Approved and published")
        REVIEWED = "reviewed", _("Review confirmed")
        REOPENED = "reopened", _("Reopened for editing")
        ARCHIVED = "archived", _("Archived")
        IMPORTED = "imported", _("Loaded from starter content")
        REVISION_STARTED = "rev_started", _("Revision started")
        REVISION_EDITED = "rev_edited", _("Revision edited")
        REVISION_SUBMITTED = "rev_submitted", _("Revision submitted for review")
        REVISION_RETURNED = "rev_returned", _("Revision returned for changes")
        REVISION_APPROVED = "rev_approved", _("Revision approved and published")
        REVISION_DISCARDED = "rev_discarded", _("Revision discarded")

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400)
    body = BoundedTextField(max_length=60000)
    relevance_tags = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="education_revision_number")]

    def __str__(self) -> str:
        return f"{self.page_id} r{self.number} {self.kind}"

    @property
    def is_working_copy(self) -> bool:
        """A snapshot of a revision's working copy, not of the content the page showed at the time."""
        return self.kind in WORKING_COPY_KINDS


WORKING_COPY_KINDS = frozenset(
    {
        PageRevision.Kind.REVISION_STARTED,
        PageRevision.Kind.REVISION_EDITED,
        PageRevision.Kind.REVISION_SUBMITTED,
        PageRevision.Kind.REVISION_RETURNED,
        PageRevision.Kind.REVISION_DISCARDED,
    }
)


class PageShare(models.Model):
    """A clinician sent a page to a child's family from the record."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="education_shares")
    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.CharField(_("note to the family"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"page {self.page_id} → patient {self.patient_id}"


class QuestionSet(models.Model):
    """Curated questions on one theme (treatment options, side effects, hospital stays, ...)."""

    slug = models.SlugField(max_length=80)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]
        constraints = [models.UniqueConstraint(fields=["slug", "language"], name="education_question_set_per_language")]

    def __str__(self) -> str:
        return self.title


class CuratedQuestion(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question_set", "order", "id"]

    def __str__(self) -> str:
        return self.text


class FamilyQuestion(models.Model):
    """A question a family wants to ask at the child's next visit. Patient data: see portal.care.access."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="family_questions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    curated = models.ForeignKey(CuratedQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.CharField(_("question"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "created_at", "id"]
        indexes = [models.Index(fields=["patient", "answered_at"])]

    def __str__(self) -> str:
        return f"question {self.pk} for patient {self.patient_id}"
