"""The family library: browse by topic, search, "for you now", page, print view, shared pages, questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from education import selectors, services, vocabulary
from education.forms import CuratedQuestionForm, QuestionForm, SearchForm
from education.models import FamilyQuestion, PageShare
from patients import care_moments
from portal.accounts.models import Role
from portal.care import audit
from portal.care.access import FAMILY_PAGE, READERS_PAGE, deny, patient_for_page, record_patient_event, visible_patients
from portal.care.models import AuditAction
from portal.forms import add_validation_errors


def _language() -> str:
    return (get_language() or "en")[:2]


@login_required
def library(request):
    language = _language()
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    children = []
    if request.user.role == Role.FAMILY:
        children = list(visible_patients(request.user).order_by("date_of_birth", "id"))
        audit.record_many(request.user, AuditAction.LIST, children)
    context = {
        "form": form,
        "query": query,
        "results": selectors.search(request.user, query, language) if query else None,
        "groups": None if query else selectors.library(request.user, language),
        "children": children,
    }
    return render(request, "education/library.html", context)


def _page_or_404(request, language, slug):
    page = selectors.page_for_reader(request.user, language, slug)
    if page is None:
        raise Http404
    return page


@login_required
def page_detail(request, language: str, slug: str):
    page = _page_or_404(request, language, slug)
    context = {
        "page": page,
        "translations": selectors.translations_of(request.user, page),
        "related": selectors.related_pages(request.user, page),
    }
    return render(request, "education/page_detail.html", context)


@login_required
def page_print(request, language: str, slug: str):
    page = _page_or_404(request, language, slug)
    return render(request, "education/page_print.html", {"page": page})


@login_required
def for_you(request, patient_id: int):
    patient = patient_for_page(request, patient_id, roles=READERS_PAGE)
    moments = care_moments.care_moments_for(patient, user=request.user)
    matches = selectors.for_you_now(request.user, patient, _language(), moments)
    rows = [(page, [vocabulary.label(k) for k in keys]) for page, keys in matches]
    return render(request, "education/for_you.html", {"patient": patient, "rows": rows})


@login_required
def shared_page(request, share_id: int):
    """Open a page the care team sent, in the reader's language where translated; only for the child's viewers."""
    share = PageShare.objects.select_related("page", "patient").filter(pk=share_id).first()
    if share is None or not visible_patients(request.user).filter(pk=share.patient_id).exists():
        raise deny(request.user, object_type="pageshare", object_id=share_id)
    record_patient_event(request.user, AuditAction.VIEW, patient=share.patient, obj=share)
    if selectors.page_for_reader(request.user, share.page.language, share.page.slug) is None:
        raise Http404
    # The reader's own language when the shared page has a live translation in it.
    page = share.page
    if page.language != _language():
        page = (
            selectors.readable_pages(request.user)
            .filter(translation_key=page.translation_key, language=_language())
            .only("language", "slug")
            .first()
        ) or page
    return redirect("education:page", language=page.language, slug=page.slug)


@login_required
def questions(request, patient_id: int):
    """A family's list of questions for the next visit, with curated questions to add."""
    is_post = request.method == "POST"
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE, saves=True)
    form = QuestionForm(request.POST if is_post and "text" in request.POST else None)
    curated_form = CuratedQuestionForm(request.POST if is_post and request.POST.get("curated") else None)
    if is_post:
        curated = curated_form.cleaned_data["curated"] if curated_form.is_valid() else None
        try:
            if curated is not None:
                services.add_question(request.user, patient, curated=curated)
                messages.success(request, _("Question added to your list."))
                return redirect("education:questions", patient_id=patient.pk)
            if form.is_valid():
                services.add_question(request.user, patient, form.cleaned_data["text"])
                messages.success(request, _("Question added to your list."))
                return redirect("education:questions", patient_id=patient.pk)
        except ValidationError as exc:
            if curated is not None:
                messages.warning(request, " ".join(exc.messages))
                return redirect("education:questions", patient_id=patient.pk)
            add_validation_errors(form, exc)
    items = selectors.family_questions(request.user, patient)
    saved = {q.curated_id for q in items if q.curated_id and q.answered_at is None}
    context = {
        "patient": patient,
        "form": form,
        "curated_form": curated_form,
        "open": [q for q in items if q.answered_at is None],
        "answered": [q for q in items if q.answered_at is not None],
        "sets": selectors.question_sets(_language()),
        "saved": saved,
    }
    status = 400 if form.errors or curated_form.errors else 200
    return render(request, "education/questions.html", context, status=status)


@login_required
def question_answered(request, patient_id: int, question_id: int):
    """POST only; the child is resolved first so a probe answers 404 whatever the method."""
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE, audit=False)  # set_answered records the write
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    question = FamilyQuestion.objects.filter(pk=question_id, patient=patient).first()
    if question is None:
        raise deny(request.user, patient=patient, object_type="familyquestion", object_id=question_id)
    services.set_answered(request.user, patient, question, request.POST.get("answered") == "1")
    return redirect("education:questions", patient_id=patient.pk)
