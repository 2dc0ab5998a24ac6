"""Clinician pages of the clinical record: thin views over patients.clinical services and selectors.

Every view resolves the child through portal.care.access.patient_for_page (404 + audit row for anyone
else, POSTs included, family accounts too); families read the timeline on their own page
(views/family.py). Stale edits become a form error with status 409; bad input a 400 with
field errors.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from weasyprint import CSS, HTML

from patients import page_cache
from patients.clinical import selectors, services
from patients.clinical.forms import (
    DecisionForm,
    DiagnosisForm,
    ManualSummaryForm,
    PhaseForm,
    PlanForm,
    entry_form_class,
    entry_initial,
)
from patients.late_effects import selectors as late_effects_selectors
from patients.late_effects.models import FollowUpStatus
from patients.models import EntryKind, ManualTreatmentSummary, RiskAssessment, TreatmentPhase, TreatmentPlan
from patients.risk import get_scheme
from portal.care.access import STAFF_PAGE, can_release_entries, deny, patient_for_page, record_patient_events
from portal.concurrency import StaleEdit
from portal.forms import save_through_service


def _patient(request, patient_id, *, edit: bool = False):
    # Pages that edit save on POST (the service records the write); every other request is a read.
    return patient_for_page(request, patient_id, roles=STAFF_PAGE, edit=edit, saves=edit)


def _detail_url(patient, anchor: str = "") -> str:
    return reverse("patients:detail", kwargs={"patient_id": patient.pk}) + (f"#{anchor}" if anchor else "")


def _form_page(request, patient, form, title, *, status=200, back=None, delete_url=None):
    context = {
        "patient": patient,
        "form": form,
        "title": title,
        "back": back or _detail_url(patient),
        "delete_url": delete_url,
    }
    return render(request, "patients/clinical/form_page.html", context, status=status)


def singleton_form_view(form_class, *, load, save, title, anchor: str, saved_message=None, for_patient=False):
    """The edit page of something a child has at most one of (diagnosis, treatment plan, manual summary).

    GET shows `form_class` for `load(patient)` (empty when the child has none yet). POST parses the form
    and saves through `save(user, patient, data, expected_version)`: back to the record at `anchor`
    on success, else the form again with 409 (stale edit) or 400 (invalid). With `for_patient` the
    form is given the child (`patient=`), to show only the fields that apply to them.
    """

    @login_required
    def view(request, patient_id: int):
        patient = _patient(request, patient_id, edit=True)
        instance = load(patient)
        extra = {"patient": patient} if for_patient else {}
        if request.method == "POST":
            form = form_class(request.POST, instance=instance, **extra)
            status = 400
            if form.is_valid():
                data = dict(form.cleaned_data)
                version = data.pop("version", None)
                status = save_through_service(form, lambda: save(request.user, patient, data, version))
                if status is None:
                    if saved_message:
                        messages.success(request, str(saved_message))
                    return redirect(_detail_url(patient, anchor))
            return _form_page(request, patient, form, title, status=status)
        form = form_class(instance=instance, initial={"version": instance.version if instance else None}, **extra)
        return _form_page(request, patient, form, title)

    return view


diagnosis_edit = singleton_form_view(
    DiagnosisForm,
    load=selectors.diagnosis_of,
    save=lambda *args: services.save_diagnosis(*args),
    title=gettext_lazy("Diagnosis"),
    anchor="diagnosis",
    saved_message=gettext_lazy("Diagnosis saved. The risk assessment was updated."),
    for_patient=True,
)
plan_edit = singleton_form_view(
    PlanForm,
    load=lambda patient: TreatmentPlan.objects.filter(patient=patient).first(),
    save=lambda *args: services.save_plan(*args),
    title=gettext_lazy("Treatment plan"),
    anchor="treatment",
)
manual_summary_edit = singleton_form_view(
    ManualSummaryForm,
    load=lambda patient: ManualTreatmentSummary.objects.filter(patient=patient).first(),
    save=lambda *args: services.save_manual_summary(*args),
    title=gettext_lazy("Treatment summary from another centre"),
    anchor="exposures",
)


def _phase_of(request, patient, phase_id) -> TreatmentPhase:
    phase = TreatmentPhase.objects.filter(patient=patient, pk=phase_id).first()
    if phase is None:
        raise deny(request.user, patient=patient, object_type="treatmentphase", object_id=phase_id)
    return phase


@login_required
def phase_edit(request, patient_id: int, phase_id: int | None = None):
    patient = _patient(request, patient_id, edit=True)
    phase = _phase_of(request, patient, phase_id) if phase_id else None
    delete_url = (
        reverse("patients:phase_delete", kwargs={"patient_id": patient.pk, "phase_id": phase.pk}) if phase else None
    )
    if request.method == "POST":
        form = PhaseForm(request.POST, instance=TreatmentPhase.objects.get(pk=phase.pk) if phase else None)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            status = save_through_service(
                form,
                lambda: services.save_phase(request.user, patient, data, phase=phase, expected_version=version),
            )
            if status is None:
                return redirect(_detail_url(patient, "treatment"))
        return _form_page(request, patient, form, _("Treatment phase"), status=status, delete_url=delete_url)
    form = PhaseForm(instance=phase, initial={"version": phase.version if phase else None})
    return _form_page(request, patient, form, _("Treatment phase"), delete_url=delete_url)


def _confirmed(request) -> bool:
    """A delete happens only on a POST that carries confirm=yes: the confirmation page's button.

    A GET, or a POST without it (an old one-click form, a stray request), shows the confirmation page.
    """
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _phase_label(phase) -> str:
    start = phase.actual_start or phase.planned_start
    return f"{phase}, {date_format(start)}" if start else str(phase)


def _confirm_delete(request, patient, *, title, what, consequences, back):
    context = {"patient": patient, "title": title, "what": what, "consequences": consequences, "back": back}
    return render(request, "patients/clinical/confirm_delete.html", context)


@login_required
def phase_delete(request, patient_id: int, phase_id: int):
    patient = _patient(request, patient_id, edit=True)
    phase = _phase_of(request, patient, phase_id)
    if _confirmed(request):
        services.delete_phase(request.user, patient, phase)
        messages.success(request, _("Phase deleted."))
        return redirect(_detail_url(patient, "treatment"))
    linked = phase.entries.count()
    consequences = []
    if linked:
        consequences.append(
            ngettext(
                "%(count)d timeline entry stays on the timeline without a phase.",
                "%(count)d timeline entries stay on the timeline without a phase.",
                linked,
            )
            % {"count": linked}
        )
    return _confirm_delete(
        request,
        patient,
        title=_("Delete this treatment phase?"),
        what=[_("Treatment phase: %(name)s") % {"name": _phase_label(phase)}],
        consequences=consequences,
        back=reverse("patients:phase_edit", kwargs={"patient_id": patient.pk, "phase_id": phase.pk}),
    )


@login_required
def timeline(request, patient_id: int):
    """The full timeline, keyset-paged; audited on every request, the whole page kept (patients.page_cache)."""
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, audit=False)
    record_patient_events(request.user, patient, selectors.timeline_page_events(patient))
    kind = request.GET.get("kind", "")
    if kind and kind not in EntryKind.values:
        kind = ""
    before, after = request.GET.get("before"), request.GET.get("after")

    def build(csrf_token: str) -> str:
        page = selectors.timeline_page(
            request.user, patient, kind=kind or None, before=before, after=after, audit=False
        )
        context = {
            "patient": patient,
            "page": page,
            "entries": page.entries,
            "kind": kind,
            "kinds": EntryKind.choices,
            "releasable": can_release_entries(request.user, patient),
            "csrf_token": csrf_token,
        }
        return render_to_string("patients/clinical/_timeline_body.html", context)

    vary = (kind, *selectors.page_cursors(before, after))
    html = page_cache.kept_page(
        request,
        "patients/clinical/timeline.html",
        "timeline",
        patient.pk,
        build,
        context={"patient": patient},
        vary=vary,
    )
    return HttpResponse(html)


@login_required
def entry_create(request, patient_id: int, kind: str):
    if kind not in EntryKind.values:
        raise Http404
    patient = _patient(request, patient_id, edit=True)
    form_class = entry_form_class(kind, patient)
    title = _("Add: %(kind)s") % {"kind": EntryKind(kind).label}
    back = reverse("patients:timeline", kwargs={"patient_id": patient.pk})
    if request.method == "POST":
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            base = {n: form.cleaned_data.get(n) for n in form.base_names if n != "version"}
            detail = {n: form.cleaned_data.get(n) for n in form.detail_names}
            status = save_through_service(
                form, lambda: services.save_entry(request.user, patient, base, detail, kind=kind)
            )
            if status is None:
                messages.success(request, _("Entry added."))
                return redirect(back)
        return _form_page(request, patient, form, title, status=status, back=back)
    return _form_page(request, patient, form_class(), title, back=back)


def _entry_of(request, patient, entry_id):
    entry = selectors.entry_for(request.user, patient, entry_id)
    if entry is None:
        raise deny(request.user, patient=patient, object_type="timelineentry", object_id=entry_id)
    return entry


@login_required
def entry_edit(request, patient_id: int, entry_id: int):
    patient = _patient(request, patient_id, edit=True)
    entry = _entry_of(request, patient, entry_id)
    form_class = entry_form_class(entry.kind, patient)
    title = _("Edit: %(kind)s") % {"kind": entry.get_kind_display()}
    back = reverse("patients:timeline", kwargs={"patient_id": patient.pk})
    delete_url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    if request.method == "POST":
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            base = {n: form.cleaned_data.get(n) for n in form.base_names if n != "version"}
            detail = {n: form.cleaned_data.get(n) for n in form.detail_names}
            version = form.cleaned_data.get("version")
            status = save_through_service(
                form,
                lambda: services.save_entry(request.user, patient, base, detail, entry=entry, expected_version=version),
            )
            if status is None:
                messages.success(request, _("Entry saved."))
                return redirect(back)
        return _form_page(request, patient, form, title, status=status, back=back, delete_url=delete_url)
    form = form_class(initial=entry_initial(entry))
    return _form_page(request, patient, form, title, back=back, delete_url=delete_url)


@login_required
def entry_delete(request, patient_id: int, entry_id: int):
    patient = _patient(request, patient_id, edit=True)
    entry = _entry_of(request, patient, entry_id)
    if _confirmed(request):
        services.delete_entry(request.user, patient, entry)
        messages.success(request, _("Entry deleted."))
        return redirect("patients:timeline", patient_id=patient.pk)
    what = f"{entry.get_kind_display()}, {date_format(entry.occurred_on)}"
    if entry.title:
        what += f": {entry.title}"
    consequences = [_("Its details and notes are deleted with it.")]
    if entry.visibility == "released":
        consequences.append(_("The family no longer sees it."))
    if entry.kind in services.RISK_KINDS or entry.kind in services.EXPOSURE_KINDS:
        consequences.append(_("The risk assessment and the exposure totals are recalculated without it."))
    return _confirm_delete(
        request,
        patient,
        title=_("Delete this timeline entry?"),
        what=[what],
        consequences=consequences,
        back=reverse("patients:entry_edit", kwargs={"patient_id": patient.pk, "entry_id": entry.pk}),
    )


@login_required
@require_POST
def entry_release(request, patient_id: int):
    """Release timeline entries to the family: one (the row's button, `entry`) or the ticked ones
    (`entries`). Care-team clinicians only; a break-the-glass holder or anyone else gets the 404."""
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, edit=True, saves=True, care_team_only=True)
    ids = [request.POST["entry"]] if request.POST.get("entry") else request.POST.getlist("entries")
    entries = [_entry_of(request, patient, i) for i in dict.fromkeys(ids) if str(i).isdigit()]
    back = reverse("patients:timeline", kwargs={"patient_id": patient.pk})
    if request.POST.get("kind") in EntryKind.values:
        back += f"?kind={request.POST['kind']}"
    if not entries:
        messages.warning(request, _("Choose at least one entry to release."))
        return redirect(back)
    try:
        released = services.release_entries(request.user, patient, entries)
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(count)d entry released: the family can see it now.",
            "%(count)d entries released: the family can see them now.",
            len(released),
        )
        % {"count": len(released)},
    )
    return redirect(back)


@login_required
@require_POST
def risk_decide(request, patient_id: int, assessment_id: int):
    patient = _patient(request, patient_id, edit=True)
    assessment = RiskAssessment.objects.filter(patient=patient, pk=assessment_id).first()
    if assessment is None:
        raise deny(request.user, patient=patient, object_type="riskassessment", object_id=assessment_id)
    form = DecisionForm(request.POST, groups=get_scheme(assessment.scheme).groups)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        status = save_through_service(
            form,
            lambda: services.decide_risk(
                request.user,
                patient,
                assessment.pk,
                decision=data["decision"],
                group=data.get("group", ""),
                reason=data.get("reason", ""),
            ),
        )
        if status is None:
            messages.success(request, _("Risk decision recorded."))
            return redirect(_detail_url(patient, "risk"))
    return _form_page(
        request, patient, form, _("Risk group decision"), status=status, back=_detail_url(patient, "risk")
    )


def _summary_context(request, patient_id: int) -> dict:
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, audit=False)  # the selector records the print
    return {
        "patient": patient,
        "s": selectors.treatment_summary(request.user, patient),
        "follow_ups": late_effects_selectors.care_plan_items(request.user, patient).filter(status=FollowUpStatus.OPEN),
        "centre": {"name": settings.CENTRE_NAME, "address": settings.CENTRE_ADDRESS, "phone": settings.CENTRE_PHONE},
    }


@login_required
def treatment_summary(request, patient_id: int):
    """End-of-therapy treatment summary for a survivorship clinic (Passport for Care's contents); print CSS."""
    return render(request, "patients/clinical/treatment_summary.html", _summary_context(request, patient_id))


@login_required
def treatment_summary_pdf(request, patient_id: int):
    """The same summary as a PDF (WeasyPrint), from the same sheet and the same print stylesheet."""
    context = _summary_context(request, patient_id)
    html = render_to_string("patients/clinical/treatment_summary_pdf.html", context, request=request)
    stylesheets = [CSS(filename=finders.find(name)) for name in ("patients/treatment_summary.css",)]
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(stylesheets=stylesheets)
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name names no child and no health detail.
    response["Content-Disposition"] = f'attachment; filename="summary-{context["patient"].pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
