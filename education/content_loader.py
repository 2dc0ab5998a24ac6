"""Loads the starter pages and question sets shipped in education/content/ (idempotent).

Each page is a Markdown file with YAML front matter under content/<language>/. A page missing
from the database is created as published, carrying the review date from its file. A page that
exists is only refreshed when nobody changed it since the last load (its content still hashes
to what was loaded); editors' changes are never overwritten. Everything loads in one
transaction: a bad file stops the load and nothing is half-saved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from education.models import CuratedQuestion, Page, PageRevision, PageStatus, PageWorkingCopy, QuestionSet, Topic
from education.services import next_review_due

CONTENT_DIR = Path(__file__).resolve().parent / "content"
REQUIRED = ("title", "slug", "translation_key", "summary", "reviewed_on", "sources")


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    topics: int = 0
    questions: int = 0


def parse_page_file(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValidationError(f"{path.name}: missing front matter")
    _, meta_text, body = text.split("---\n", 2)
    meta = yaml.safe_load(meta_text) or {}
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise ValidationError(f"{path.name}: missing {', '.join(missing)}")
    return meta, body.strip() + "\n"


def content_hash(title: str, summary: str, body: str, sources: str, tags) -> str:
    payload = json.dumps([title, summary, body.strip(), sources.strip(), sorted(tags)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _page_hash(page: Page) -> str:
    return content_hash(page.title, page.summary, page.body, page.sources, page.relevance_tags)


def _load_topics(content_dir: Path) -> dict[str, Topic]:
    rows = yaml.safe_load((content_dir / "topics.yaml").read_text(encoding="utf-8"))
    topics = {}
    for order, row in enumerate(rows):
        topic, _ = Topic.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "name_es": row.get("name_es", ""), "order": order}
        )
        topics[topic.slug] = topic
    return topics


def _load_questions(content_dir: Path, report: LoadReport) -> None:
    for path in sorted((content_dir / "questions").glob("*.yaml")):
        language = path.stem
        for order, row in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            qset, created = QuestionSet.objects.get_or_create(
                slug=row["slug"], language=language, defaults={"title": row["title"], "order": order}
            )
            if created:
                CuratedQuestion.objects.bulk_create(
                    [CuratedQuestion(question_set=qset, text=t, order=i) for i, t in enumerate(row["questions"])]
                )
                report.questions += len(row["questions"])


def _load_page(path: Path, language: str, topics: dict[str, Topic], report: LoadReport) -> None:
    meta, body = parse_page_file(path)
    sources = "\n".join(meta["sources"])
    tags = list(meta.get("relevance_tags", []))
    reviewed_on = meta["reviewed_on"]
    if not isinstance(reviewed_on, date):
        raise ValidationError(f"{path.name}: reviewed_on must be a date (YYYY-MM-DD)")
    unknown_topics = set(meta.get("topics", [])) - set(topics)
    if unknown_topics:
        raise ValidationError(f"{path.name}: unknown topics {sorted(unknown_topics)}")
    values = {
        "title": meta["title"],
        "translation_key": meta["translation_key"],
        "summary": meta["summary"],
        "body": body,
        "sources": sources,
        "audience": meta.get("audience", "family"),
        "relevance_tags": tags,
    }
    new_hash = content_hash(values["title"], values["summary"], body, sources, tags)
    key = f"{language}/{meta['slug']}"
    page = Page.objects.filter(language=language, slug=meta["slug"]).first()
    if page is not None:
        untouched = (
            page.imported_hash
            and _page_hash(page) == page.imported_hash
            and page.status == PageStatus.PUBLISHED
            # An editor is revising it: refreshing the live text now would be overwritten on approval.
            and not PageWorkingCopy.objects.filter(page=page).exists()
        )
        if not untouched or page.imported_hash == new_hash:
            report.kept.append(key)
            return
        for name, value in values.items():
            setattr(page, name, value)
        report.updated.append(key)
    else:
        page = Page(language=language, slug=meta["slug"], status=PageStatus.PUBLISHED, **values)
        report.created.append(key)
    page.reviewed_on = reviewed_on
    page.next_review_due = next_review_due(reviewed_on)
    page.imported_hash = new_hash
    page.full_clean(exclude=["version", "author", "reviewer", "topics"])
    page.save()
    page.topics.set([topics[t] for t in meta.get("topics", [])])
    last = page.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    PageRevision.objects.create(
        page=page,
        number=last + 1,
        kind=PageRevision.Kind.IMPORTED,
        note=f"education/content/{language}/{path.name}",
        title=page.title,
        summary=page.summary,
        body=page.body,
        relevance_tags=tags,
    )


def load_content(content_dir: Path = CONTENT_DIR) -> LoadReport:
    report = LoadReport()
    with transaction.atomic():
        topics = _load_topics(content_dir)
        report.topics = len(topics)
        for language in ("en", "es"):
            for path in sorted((content_dir / language).glob("*.md")):
                try:
                    _load_page(path, language, topics, report)
                except ValidationError as exc:
                    raise ValidationError(f"{language}/{path.name}: {'; '.join(exc.messages)}") from exc
        _load_questions(content_dir, report)
    return report
