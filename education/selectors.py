"""Reads of education pages and of families' questions.

Who sees which pages: families (and the patient's own account) read live pages for families and
teens; clinicians read every live page; drafts are only ever shown in the editors' workspace.
"Live" is decided at query time (published and publish_at reached), so a scheduled page goes
live on the minute without waiting for a job. A pending revision's text (PageWorkingCopy) is
never read here: reader queries touch only Page's own columns. With EDUCATION_HIDE_OVERDUE_PAGES a page past its
review date is hidden from families until it is reviewed again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from education import matching
from education.models import Audience, FamilyQuestion, Page, PageStatus, QuestionSet, Topic
from portal.accounts.models import Role, User
from portal.care import access

SEARCH_CONFIG = {"en": "english", "es": "spanish"}


def audiences_for(user) -> list[str]:
    if getattr(user, "role", None) == Role.FAMILY:
        return [Audience.FAMILY, Audience.TEEN]
    return [Audience.FAMILY, Audience.TEEN, Audience.CLINICIAN]


def live_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(status=PageStatus.PUBLISHED) & (Q(publish_at__isnull=True) | Q(publish_at__lte=now))


def readable_pages(user, now=None) -> QuerySet[Page]:
    """Every page this reader may open: live, in their audiences (never a draft)."""
    if not getattr(user, "is_authenticated", False):
        return Page.objects.none()
    qs = Page.objects.filter(live_q(now), audience__in=audiences_for(user))
    if settings.EDUCATION_HIDE_OVERDUE_PAGES and getattr(user, "role", None) == Role.FAMILY:
        qs = qs.exclude(next_review_due__lt=timezone.localdate())
    return qs


def pick_language(pages, language: str) -> list[Page]:
    """One page per translation: the reader's language where it exists, else English."""
    chosen: dict[str, Page] = {}
    for page in pages:
        have = chosen.get(page.translation_key)
        if have is None or (page.language == language and have.language != language):
            chosen[page.translation_key] = page
    return sorted(chosen.values(), key=lambda p: p.title.lower())


def library(user, language: str) -> list[tuple[Topic, list[Page]]]:
    """Pages grouped by topic, in the reader's language (English where no translation exists)."""
    pages = pick_language(
        readable_pages(user)
        .filter(language__in={language, "en"})
        .prefetch_related("topics")
        .only("id", "title", "slug", "language", "translation_key", "summary", "audience"),
        language,
    )
    by_topic: dict[int, list[Page]] = {}
    topics: dict[int, Topic] = {}
    other: list[Page] = []
    for page in pages:
        page_topics = list(page.topics.all())
        if not page_topics:
            other.append(page)
        for topic in page_topics:
            topics[topic.pk] = topic
            by_topic.setdefault(topic.pk, []).append(page)
    grouped = [(topic, by_topic[topic.pk]) for topic in sorted(topics.values(), key=lambda t: (t.order, t.name))]
    if other:
        grouped.append((None, other))
    return grouped


def search(user, query: str, language: str, limit: int = 20) -> list[Page]:
    """Full-text search in the reader's language, best match first.

    PostgreSQL: weighted tsvector (title A, summary B, body C) with the language's text search
    configuration and websearch syntax, ranked by SearchRank. Elsewhere (SQLite): every word must
    appear somewhere; title matches first.
    """
    query = (query or "").strip()[:200]
    if not query:
        return []
    found = _search_language(user, query, language, limit)
    if language != "en" and len(found) < limit:
        # Pages not yet translated: English matches whose translation did not already match.
        have = {p.translation_key for p in found}
        found += [p for p in _search_language(user, query, "en", limit) if p.translation_key not in have]
    return found[:limit]


def _search_language(user, query: str, language: str, limit: int) -> list[Page]:
    base = readable_pages(user).filter(language=language)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        config = SEARCH_CONFIG.get(language, "simple")
        vector = (
            SearchVector("title", weight="A", config=config)
            + SearchVector("summary", weight="B", config=config)
            + SearchVector("body", weight="C", config=config)
        )
        search_query = SearchQuery(query, config=config, search_type="websearch")
        return list(
            base.annotate(rank=SearchRank(vector, search_query)).filter(rank__gt=0).order_by("-rank", "title")[:limit]
        )
    terms = Q()
    for word in query.split():
        terms &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    pages = list(base.filter(terms)[: limit * 5])
    words = [w.lower() for w in query.split()]
    pages.sort(key=lambda p: (-sum(w in p.title.lower() for w in words), p.title.lower()))
    return pages[:limit]


def page_for_reader(user, language: str, slug: str) -> Page | None:
    return (
        readable_pages(user)
        .filter(language=language, slug=slug)
        .select_related("reviewer")
        .prefetch_related("topics")
        .first()
    )


def translations_of(user, page: Page) -> list[Page]:
    return list(
        readable_pages(user)
        .filter(translation_key=page.translation_key)
        .exclude(pk=page.pk)
        .only("id", "title", "slug", "language")
    )


def related_pages(user, page: Page, limit: int = 4) -> list[Page]:
    """Pages sharing a topic or a relevance tag, in the same language."""
    topic_ids = [t.pk for t in page.topics.all()]
    candidates = list(
        readable_pages(user)
        .filter(language=page.language)
        .exclude(pk=page.pk)
        .filter(topics__in=topic_ids)
        .distinct()
        .only("id", "title", "slug", "language", "summary", "relevance_tags")
    )
    tags = set(page.relevance_tags)
    candidates.sort(key=lambda p: (-len(tags & set(p.relevance_tags)), p.title.lower()))
    return candidates[:limit]


def for_you_now(user, patient, language: str, moments, limit: int = 8) -> list[tuple[Page, tuple[str, ...]]]:
    """Pages matched to the child's current moments (patient already resolved through portal.care.access)."""
    pages = pick_language(
        readable_pages(user)
        .filter(language__in={language, "en"})
        .only("id", "title", "slug", "language", "translation_key", "summary", "relevance_tags"),
        language,
    )
    by_id = {p.pk: p for p in pages}
    candidates = [matching.Candidate(p.pk, p.title, frozenset(p.relevance_tags)) for p in pages]
    return [(by_id[m.page_id], m.matched) for m in matching.match_pages(moments, candidates, limit)]


def topics() -> list[Topic]:
    return list(Topic.objects.all())


# --- Families and their questions --------------------------------------------------------------------


def family_members_of(patient, today: date | None = None) -> list[User]:
    """Family accounts that may currently see this child (delegates to the access policy)."""
    return list(access.family_members_of(patient, today))


def question_sets(language: str) -> list[QuestionSet]:
    sets = list(QuestionSet.objects.filter(language=language).prefetch_related("questions"))
    if not sets and language != "en":
        sets = list(QuestionSet.objects.filter(language="en").prefetch_related("questions"))
    return sets


def family_questions(user, patient, *, open_only: bool = False) -> list[FamilyQuestion]:
    """A child's question list (patient resolved and audited by the caller through portal.care.access)."""
    qs = FamilyQuestion.objects.filter(patient=patient).select_related("created_by")
    if open_only:
        qs = qs.filter(answered_at__isnull=True)
    return list(qs)


def open_questions_for_record(user, patient) -> list[FamilyQuestion]:
    """The family's open questions shown on the record page.

    Not audited again here: the record page's own read (get_patient_or_404) already records that
    this user opened the child's record, questions included; one page view, one audit row.
    """
    return family_questions(user, patient, open_only=True)


# --- Editors ---------------------------------------------------------------------------------------


def editor_pages(filter_by: str = "", query: str = "") -> QuerySet[Page]:
    qs = Page.objects.select_related("author", "reviewer", "working_copy").order_by("title", "language")
    today = timezone.localdate()
    if filter_by in PageStatus.values:
        qs = qs.filter(status=filter_by)
    elif filter_by == "review":
        horizon = today + timedelta(days=settings.EDUCATION_REVIEW_WARNING_DAYS)
        qs = qs.filter(status=PageStatus.PUBLISHED, next_review_due__lte=horizon).order_by("next_review_due")
    elif filter_by == "scheduled":
        qs = qs.filter(status=PageStatus.PUBLISHED, publish_at__gt=timezone.now())
    elif filter_by == "revision":
        qs = qs.filter(working_copy__isnull=False)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(slug__icontains=query))
    return qs
