"""The editors' workspace: page list, edit with preview and readability, review, history and diffs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from education import diffing, readability, selectors, services
from education.forms import EditorFilterForm, PageForm, ReviewForm, RevisionForm
from education.models import WORKING_COPY_KINDS, Page, PageRevision, PageStatus, PageWorkingCopy
from education.rendering import plain_text, render_markdown
from portal.concurrency import StaleEdit
from portal.forms import add_validation_errors, save_through_service


def _editor(request):
    if not services.can_edit_content(request.user):
        raise Http404


@login_required
def editor_dashboard(request):
    _editor(request)
    filter_by = request.GET.get("filter", "")
    form = EditorFilterForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.editor_pages(filter_by, query), 50).get_page(request.GET.get("page"))
    filters = [
        ("", _("All")),
        *PageStatus.choices,
        ("review", _("Review due")),
        ("scheduled", _("Scheduled")),
        ("revision", _("Pending revision")),
    ]
    return render(
        request,
        "education/editor/dashboard.html",
        {"page_obj": page, "filter_by": filter_by, "query": query, "filters": filters, "form": form},
        status=400 if form.errors else 200,
    )


def _diff_fields(content) -> dict[str, str]:
    if content is None:
        return {"title": "", "summary": "", "body": "", "relevance_tags": ""}
    return {
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "relevance_tags": "\n".join(sorted(content.relevance_tags)),
    }


def _topic_names(content) -> str:
    return "\n".join(sorted(t.name for t in content.topics.all()))


def _preview(form):
    body = form.data.get("body", "")
    language = form.data.get("language") or getattr(getattr(form.instance, "page", None), "language", "en")
    return {"preview_html": render_markdown(body), "score": readability.score(plain_text(body), language)}


def _translation_initial(source_id) -> dict:
    """Start a translation from an existing page: same key, topics and tags; the text to translate."""
    source = Page.objects.filter(pk=source_id).prefetch_related("topics").first() if str(source_id).isdigit() else None
    if source is None:
        return {}
    return {
        "language": "es" if source.language == "en" else "en",
        "translation_key": source.translation_key,
        "audience": source.audience,
        "title": source.title,
        "summary": source.summary,
        "body": source.body,
        "sources": source.sources,
        "topics": list(source.topics.all()),
        "relevance_tags": list(source.relevance_tags),
    }


@login_required
def page_create(request):
    _editor(request)
    form = PageForm(request.POST or None, initial=_translation_initial(request.GET.get("translation_of")))
    context = {"form": form}
    if request.method == "POST":
        if "preview" in request.POST:
            context.update(_preview(form))
        elif form.is_valid():
            data = dict(form.cleaned_data)
            topics = data.pop("topics")
            try:
                page = services.create_page(request.user, data, topics)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("education:editor_page", page_id=page.pk)
    return render(request, "education/editor/page_form.html", context)


def _edit_page_form(request, page, form, context, save, saved_message):
    """Shared POST handling of the draft and revision editors: preview, or save through the service.

    `save(data, topics, expected_version)` calls the service; a stale edit re-renders with 409,
    invalid input with 400.
    """
    status = 200
    if request.method == "POST":
        if "preview" in request.POST:
            context.update(_preview(form))
        elif form.is_valid():
            data = dict(form.cleaned_data)
            topics = data.pop("topics")
            expected = data.pop("version") or 0
            status = save_through_service(form, lambda: save(data, topics, expected)) or 200
            if status == 200:
                messages.success(request, saved_message)
                return redirect("education:editor_page", page_id=page.pk)
        if form.errors and status == 200:
            status = 400
    return render(request, "education/editor/page_form.html", context, status=status)


@login_required
def page_edit(request, page_id: int):
    _editor(request)
    page = get_object_or_404(Page, pk=page_id)
    if page.status != PageStatus.DRAFT:
        messages.warning(request, _("Only drafts can be edited. Reopen the page for editing first."))
        return redirect("education:editor_page", page_id=page.pk)
    form = PageForm(request.POST or None, instance=page, initial={"version": page.version})

    def save(data, topics, expected):
        services.update_page(request.user, Page.objects.get(pk=page.pk), data, topics, expected)

    return _edit_page_form(request, page, form, {"form": form, "page": page}, save, _("Draft saved."))


@login_required
def editor_page(request, page_id: int):
    """A page as the editor sees it: status, review dates, readability, preview and workflow buttons."""
    _editor(request)
    page = get_object_or_404(
        Page.objects.select_related("author", "reviewer", "working_copy__started_by").prefetch_related(
            "topics", "working_copy__topics"
        ),
        pk=page_id,
    )
    may_review = request.user.pk not in services.editors_since_last_review(page)
    revision = page.pending_revision
    shown = revision or page  # the preview shows the working copy when there is one
    revision_changes = None
    if revision is not None:
        revision_changes = diffing.diff_fields(
            {**_diff_fields(page), "topics": _topic_names(page)},
            {**_diff_fields(revision), "topics": _topic_names(revision)},
        )
    return render(
        request,
        "education/editor/page.html",
        {
            "page": page,
            "revision": revision,
            "shown": shown,
            "revision_changes": revision_changes,
            "may_review_revision": revision is not None and request.user.pk not in services.working_copy_editors(page),
            "score": readability.score(plain_text(shown.body), page.language),
            "review_form": ReviewForm(),
            "may_review": may_review,
            "revisions": page.revisions.select_related("user")[:5],
            "translations": Page.objects.filter(translation_key=page.translation_key).exclude(pk=page.pk),
        },
    )


ACTIONS = {
    "submit": services.submit_for_review,
    "return": services.return_to_draft,
    "approve": services.approve,
    "confirm_review": services.confirm_review,
    "reopen": services.reopen,
    "archive": services.archive,
    "start_revision": services.start_revision,
    "submit_revision": services.submit_revision,
    "return_revision": services.return_revision,
    "approve_revision": services.approve_revision,
    "discard_revision": services.discard_revision,
}
REVISION_MESSAGES = {
    "start_revision": gettext_lazy("Revision started. Families keep seeing the published page until it is approved."),
    "submit_revision": gettext_lazy("Revision submitted for review."),
    "return_revision": gettext_lazy("Revision returned for changes."),
    "approve_revision": gettext_lazy("Revision approved: families now see the new content."),
    "discard_revision": gettext_lazy("Revision discarded. The published page is unchanged."),
}


@login_required
@require_POST
def page_action(request, page_id: int, action: str):
    _editor(request)
    page = get_object_or_404(Page, pk=page_id)
    if action not in ACTIONS:
        raise Http404
    form = ReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if action == "discard_revision" and request.POST.get("confirm") != "yes":
        # Discarding drops the working copy: one more step, which works without JavaScript.
        context = {
            "page": page,
            "title": _("Discard this revision?"),
            "what": [_("The revision in progress of “%(title)s”") % {"title": page.title}],
            "consequences": [
                _("The published page stays as it is."),
                _("The revision's text is kept in the page history."),
            ],
            "back": reverse("education:editor_page", kwargs={"page_id": page.pk}),
            "confirm_label": _("Yes, discard the revision"),
            "hidden": [("note", note)],
        }
        return render(request, "education/editor/confirm_discard.html", context)
    kwargs = {"note": note}
    if action in ("approve", "approve_revision") and form.is_valid() and form.cleaned_data.get("publish_at"):
        kwargs["publish_at"] = form.cleaned_data["publish_at"]
    if action == "approve_revision" and str(request.POST.get("version", "")).isdigit():
        kwargs["expected_version"] = int(request.POST["version"])
    try:
        ACTIONS[action](request.user, page, **kwargs)
    except StaleEdit as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if action in REVISION_MESSAGES:
            messages.success(request, REVISION_MESSAGES[action])
            if action == "start_revision":
                return redirect("education:revision_edit", page_id=page.pk)
        else:
            messages.success(request, _("Done: the page is now %(status)s.") % {"status": page.get_status_display()})
    return redirect("education:editor_page", page_id=page.pk)


@login_required
def revision_edit(request, page_id: int):
    """Edit the working copy of a published page; the live page is not touched until approval."""
    _editor(request)
    page = get_object_or_404(Page, pk=page_id)
    revision = PageWorkingCopy.objects.filter(page=page).first()
    if revision is None or revision.state != PageWorkingCopy.State.EDITING:
        messages.warning(request, _("There is no revision being edited for this page."))
        return redirect("education:editor_page", page_id=page.pk)
    form = RevisionForm(request.POST or None, instance=revision, initial={"version": page.version})

    def save(data, topics, expected):
        services.update_revision(request.user, page, data, topics, expected)

    context = {"form": form, "page": page, "revision": revision}
    saved = _("Revision saved. Families still see the published page.")
    return _edit_page_form(request, page, form, context, save, saved)


@login_required
def page_history(request, page_id: int):
    _editor(request)
    page = get_object_or_404(Page, pk=page_id)
    revisions = list(page.revisions.select_related("user"))
    return render(request, "education/editor/history.html", {"page": page, "revisions": revisions})


@login_required
def revision_diff(request, page_id: int, revision_id: int):
    """What changed in this revision compared with the one before it."""
    _editor(request)
    revision = get_object_or_404(PageRevision.objects.select_related("page", "user"), pk=revision_id, page_id=page_id)
    earlier = PageRevision.objects.filter(page_id=page_id, number__lt=revision.number).order_by("-number")
    if revision.kind == PageRevision.Kind.REVISION_APPROVED:
        # The live text when the revision began (nothing else changes a page's live text meanwhile).
        earlier = earlier.filter(kind=PageRevision.Kind.REVISION_STARTED)
    elif not revision.is_working_copy:
        # What families saw before this step: skip the snapshots of revisions' working copies.
        earlier = earlier.exclude(kind__in=WORKING_COPY_KINDS)
    previous = earlier.first()
    changes = diffing.diff_fields(_diff_fields(previous), _diff_fields(revision))
    return render(
        request,
        "education/editor/diff.html",
        {"page": revision.page, "revision": revision, "previous": previous, "changes": changes},
    )
