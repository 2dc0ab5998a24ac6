"""Care-team actions from the patient record: send a page to the family, see the family's questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from education import selectors, services
from education.forms import SendPageForm
from education.models import Audience
from portal.accounts.models import Role
from portal.care.access import FAMILY_PAGE, STAFF_PAGE, patient_for_page
from portal.forms import add_validation_errors


@login_required
def send_page(request, patient_id: int):
    is_post = request.method == "POST"
    # Care-team clinicians only (not break-the-glass readers, not families).
    patient = patient_for_page(
        request, patient_id, roles=(Role.CLINICIAN,), edit=is_post, saves=True, care_team_only=True
    )
    pages = (
        selectors.readable_pages(request.user)
        .filter(audience__in=[Audience.FAMILY, Audience.TEEN])
        .order_by("language", "title")
    )
    form = SendPageForm(request.POST or None, pages=pages)
    if is_post and form.is_valid():
        try:
            services.share_page(request.user, patient, form.cleaned_data["page"], form.cleaned_data["message"])
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("The page was sent to the family."))
            return redirect("patients:detail", patient_id=patient.pk)
    recent = patient.education_shares.select_related("page", "shared_by")[:10]
    return render(
        request,
        "education/send_page.html",
        {"patient": patient, "form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


@login_required
def record_questions(request, patient_id: int):
    """The family's questions for the next visit, as the care team sees them."""
    patient = patient_for_page(request, patient_id, roles=(*FAMILY_PAGE, *STAFF_PAGE))
    if request.user.role == Role.FAMILY:
        return redirect("education:questions", patient_id=patient.pk)
    items = selectors.family_questions(request.user, patient)
    return render(
        request,
        "education/record_questions.html",
        {
            "patient": patient,
            "open": [q for q in items if q.answered_at is None],
            "answered": [q for q in items if q.answered_at is not None],
        },
    )
