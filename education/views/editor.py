"""The editors' workspace: page list, edit with preview and readability, review, history and diffs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from education import diffing, readability, selectors, services
from education.forms import PageForm, ReviewForm
from education.models import Page, PageRevision, PageStatus
from education.rendering import plain_text, render_markdown
from portal.concurrency import StaleEdit
from portal.forms import add_validation_errors


def _editor(request):
    if not services.can_edit_content(request.user):
        raise Http404


@login_required
def editor_dashboard(request):
    _editor(request)
    filter_by = request.GET.get("filter", "")
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.editor_pages(filter_by, query), 50).get_page(request.GET.get("page"))
    filters = [
        ("", _("All")),
        *PageStatus.choices,
        ("review", _("Review due")),
        ("scheduled", _("Scheduled")),
    ]
    return render(
        request,
        "education/editor/dashboard.html",
        {"page_obj": page, "filter_by": filter_by, "query": query, "filters": filters},
    )


def _preview(form):
    body = form.data.get("body", "")
    language = form.data.get("language", "en")
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


@login_required
def page_edit(request, page_id: int):
    _editor(request)
    page = get_object_or_404(Page, pk=page_id)
    if page.status != PageStatus.DRAFT:
        messages.warning(request, _("Only drafts can be edited. Reopen the page for editing first."))
        return redirect("education:editor_page", page_id=page.pk)
    form = PageForm(request.POST or None, instance=page, initial={"version": page.version})
    context = {"form": form, "page": page}
    status = 200
    if request.method == "POST":
        if "preview" in request.POST:
            context.update(_preview(form))
        elif form.is_valid():
            data = dict(form.cleaned_data)
            topics = data.pop("topics")
            expected = data.pop("version") or 0
            try:
                services.update_page(request.user, Page.objects.get(pk=page.pk), data, topics, expected)
            except StaleEdit as exc:
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("education:editor_page", page_id=page.pk)
        if form.errors and status == 200:
            status = 400
    return render(request, "education/editor/page_form.html", context, status=status)


@login_required
def editor_page(request, page_id: int):
    """A page as the editor sees it: status, review dates, readability, preview and workflow buttons."""
    _editor(request)
    page = get_object_or_404(Page.objects.select_related("author", "reviewer").prefetch_related("topics"), pk=page_id)
    may_review = request.user.pk not in services.editors_since_last_review(page)
    return render(
        request,
        "education/editor/page.html",
        {
            "page": page,
            "score": readability.score(plain_text(page.body), page.language),
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
    kwargs = {"note": note}
    if action == "approve" and form.is_valid() and form.cleaned_data.get("publish_at"):
        kwargs["publish_at"] = form.cleaned_data["publish_at"]
    try:
        ACTIONS[action](request.user, page, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: the page is now %(status)s.") % {"status": page.get_status_display()})
    return redirect("education:editor_page", page_id=page.pk)


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
    previous = PageRevision.objects.filter(page_id=page_id, number__lt=revision.number).order_by("-number").first()

    def fields(rev):
        if rev is None:
            return {"title": "", "summary": "", "body": "", "relevance_tags": ""}
        return {
            "title": rev.title,
            "summary": rev.summary,
            "body": rev.body,
            "relevance_tags": "\n".join(sorted(rev.relevance_tags)),
        }

    changes = diffing.diff_fields(fields(previous), fields(revision))
    return render(
        request,
        "education/editor/diff.html",
        {"page": revision.page, "revision": revision, "previous": previous, "changes": changes},
    )
