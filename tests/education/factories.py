"""Factories for education models."""

from datetime import date

import factory
from django.utils import timezone

from education.models import Page, PageRevision, Topic
from tests.factories import EditorFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class PageFactory(factory.django.DjangoModelFactory):
    """A published family page (reviewed today) unless told otherwise."""

    class Meta:
        model = Page
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    translation_key = factory.LazyAttribute(lambda o: o.slug)
    language = "en"
    summary = "A short summary."
    body = "Some **plain** words about care."
    sources = "A source, 2023."
    audience = "family"
    relevance_tags = factory.LazyFunction(list)
    status = "published"
    author = factory.SubFactory(EditorFactory)
    reviewed_on = factory.LazyFunction(timezone.localdate)
    next_review_due = factory.LazyFunction(lambda: date(timezone.localdate().year + 2, 1, 1))

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)


class DraftFactory(PageFactory):
    status = "draft"
    reviewed_on = None
    next_review_due = None

    @factory.post_generation
    def first_revision(obj, create, extracted, **kwargs):
        if create:
            PageRevision.objects.create(
                page=obj, number=1, kind="created", user=obj.author, title=obj.title, summary=obj.summary, body=obj.body
            )
