"""Care-plan pages: the clinician's plan on the record, the family's upcoming follow-ups,
reminder settings and the calendar feed. Thin: access via portal.care.access, writes via services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patients.clinical import selectors as clinical_selectors
from patients.clinical.exposure_store import load_exposure_summary
from patients.late_effects import selectors, services, wording
from patients.late_effects.forms import CloseItemForm, CompleteItemForm
from patients.late_effects.models import FollowUpStatus
from portal.care.access import FAMILY_PAGE, STAFF_PAGE, can_edit_patient, deny, patient_for_page
from portal.forms import save_through_service


def _clinical_patient(request, patient_id, *, edit=False):
    return patient_for_page(request, patient_id, roles=STAFF_PAGE, edit=edit, saves=edit)


def care_plan_context(user, patient) -> dict:
    """What _care_plan.html needs; the record page can include it with this context."""
    items = list(selectors.care_plan_items(user, patient))
    today = timezone.localdate()
    language = get_language()
    for item in items:
        item.current_state = item.state(today)
        item.what_local = wording.localise(item.what_plain or item.what, language)
        item.why_local = wording.localise(item.why, language)
    open_items = [i for i in items if i.status == FollowUpStatus.OPEN]
    return {
        "plan": selectors.care_plan(patient),
        "open_items": open_items,
        "history": [i for i in items if i.status != FollowUpStatus.OPEN],
        "can_edit_plan": can_edit_patient(user, patient),
        "complete_form": CompleteItemForm(initial={"done_on": today}),
        "close_form": CloseItemForm(),
    }


@login_required
@require_GET
def care_plan(request, patient_id: int):
    patient = _clinical_patient(request, patient_id)
    context = {"patient": patient, **care_plan_context(request.user, patient)}
    return render(request, "patients/care_plan.html", context)


def _item_or_404(request, patient, item_id):
    item = selectors.item_for(request.user, patient, item_id)
    if item is None:
        raise deny(request.user, patient=patient, object_type="followupitem", object_id=item_id)
    return item


def _item_action(request, patient, form, call, done_message: str):
    """Validate `form`, save through `call` (which reads form.cleaned_data), back to the care plan.

    The care-plan page is reached by redirect after every action, so the form's errors travel as one message.
    """
    if form.is_valid() and save_through_service(form, call) is None:
        messages.success(request, done_message)
    if form.errors:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("patients:care_plan", patient_id=patient.pk)


@login_required
@require_POST
def item_complete(request, patient_id: int, item_id: int):
    patient = _clinical_patient(request, patient_id, edit=True)
    item = _item_or_404(request, patient, item_id)
    form = CompleteItemForm(request.POST)
    return _item_action(
        request,
        patient,
        form,
        lambda: services.complete_item(request.user, item, **form.cleaned_data),
        _("Follow-up marked as done."),
    )


@login_required
@require_POST
def item_close(request, patient_id: int, item_id: int):
    patient = _clinical_patient(request, patient_id, edit=True)
    item = _item_or_404(request, patient, item_id)
    form = CloseItemForm(request.POST)
    return _item_action(
        request,
        patient,
        form,
        lambda: services.close_item(
            request.user, item, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
        ),
        _("Follow-up closed."),
    )


@login_required
@require_POST
def plan_release(request, patient_id: int):
    patient = _clinical_patient(request, patient_id, edit=True)
    try:
        count = services.release_plan(request.user, patient)
        messages.success(request, _("The plan is now shown to the family (%(count)d items).") % {"count": count})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("patients:care_plan", patient_id=patient.pk)


@login_required
@require_POST
def plan_recompute(request, patient_id: int):
    patient = _clinical_patient(request, patient_id, edit=True)
    summary = load_exposure_summary(patient)
    if services.recompute_care_plan(patient, summary, user=request.user) is None:
        messages.error(request, _("No rule set is active; ask an administrator to choose one."))
    else:
        messages.success(request, _("The plan was recomputed."))
    return redirect("patients:care_plan", patient_id=patient.pk)


@login_required
@require_GET
def family_follow_ups(request, patient_id: int):
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE)
    items = selectors.family_follow_ups(request.user, patient)
    today = timezone.localdate()
    language = get_language()
    for item in items:
        item.current_state = item.state(today)
        item.what_local = wording.localise(item.what_plain or item.what, language)
        item.why_local = wording.localise(item.why, language)
    visits = clinical_selectors.upcoming_appointments(request.user, patient, today=today)
    context = {"patient": patient, "items": items, "visits": visits}
    return render(request, "patients/family_follow_ups.html", context)
