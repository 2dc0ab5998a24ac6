"""Clinician pages for the patient core record: worklist, record, edit, break-the-glass."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from education import panels
from patients import page_cache, selectors, services, worklist
from patients.clinical import plot_series, record_figures
from patients.clinical import selectors as clinical_selectors
from patients.forms import BreakGlassForm, PatientForm, WorklistForm
from patients.late_effects import selectors as late_effects_selectors
from patients.models import EntryKind, Patient
from patients.views.worklist_columns import filter_query, worklist_columns
from portal.accounts.models import Role
from portal.care import break_glass as break_glass_service
from portal.care.access import (
    FAMILY_PAGE,
    STAFF_PAGE,
    can_edit_patient,
    can_view_patient,
    patient_for_page,
    record_patient_events,
)
from portal.forms import save_through_service


def _require_role(user, *roles):
    if user.role not in roles and not user.is_site_admin:
        raise PermissionDenied


@login_required
def patient_list(request):
    """The clinician's worklist (landing page): search, filters, sort, paging; one audit INSERT per page.

    Without a search the whole page, site header included, is kept (patients.page_cache) until one
    of my children, my record views or my notifications change (worklist.worklist_state); a search
    is built every time, and so is a page with a message to show (it shows once).
    """
    _require_role(request.user, Role.CLINICIAN)
    form = WorklistForm(request.GET)
    if not form.is_valid():  # No list under a refused search or filter: the page shows why.
        html, _ids = _worklist_body(request, form, None, "")
        return render(request, "patients/patient_list.html", {"body": mark_safe(html)}, status=400)
    data = form.cleaned_data
    query = worklist.WorklistQuery(
        text=data["q"],
        status=data["status"],
        phase=data["phase"],
        overdue=data["overdue"],
        questions=data["questions"],
        sort=data["sort"],
        page=data["page"],
    )

    def build(csrf_token: str) -> tuple[str, list[int]]:
        return _worklist_body(request, form, worklist.worklist_page(request.user, query), csrf_token)

    if query.text or len(get_messages(request)):
        html, ids = build("")
        selectors.audit_listed(request.user, ids)
        return render(request, "patients/patient_list.html", {"body": mark_safe(html)})
    state = worklist.worklist_state(request.user)
    request.portal_unread_notifications = state.unread  # the site header's badge: counted already
    # The header's language form returns to this very path and query.
    vary = (repr(query), request.get_full_path(), *state)
    html, ids = page_cache.kept_worklist(request, "patients/patient_list.html", vary, build)
    selectors.audit_listed(request.user, ids)
    return HttpResponse(html)


def _worklist_body(request, form, page, csrf_token: str) -> tuple[str, list[int]]:
    typed = request.GET.get("q", "").replace("\x00", "")[: selectors.SEARCH_MAX_LENGTH]
    context = {
        "page": page,
        "query": typed,
        "form": form,
        "columns": worklist_columns(request.GET, page.sort if page else worklist.DEFAULT_SORT),
        "filters": filter_query(request.GET),
        "csrf_token": csrf_token,
    }
    html = render_to_string("patients/_worklist_body.html", context)
    return html, [p.pk for p in page.patients] if page else []


@login_required
def patient_detail(request, patient_id: int):
    """The record at a glance. The page view is audited on every request; the whole page is kept per
    child, viewer, language, day and unread count (patients.page_cache), so a long history costs once."""
    if request.user.role == Role.FAMILY:
        # Check first, so another child's id answers 404 rather than a redirect that confirms it.
        patient_for_page(request, patient_id, roles=FAMILY_PAGE, audit=False)
        return redirect("patients:family_child", patient_id=patient_id)
    # The page view and the timeline read, in one INSERT.
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, audit=False)
    record_patient_events(request.user, patient, clinical_selectors.record_page_events(patient))
    html = page_cache.kept_page(
        request,
        "patients/patient_detail.html",
        "record",
        patient.pk,
        lambda csrf: _record_body(request, patient, csrf),
        context={"patient": patient},
    )
    grants = break_glass_service.grants_for_care_team(request.user, patient)
    panel = render_to_string("patients/_break_glass_grants.html", {"grants": grants}) if grants else ""
    return HttpResponse(html.replace(GRANTS_SLOT, panel))


GRANTS_SLOT = "<!-- break-glass-grants -->"


def _record_body(request, patient, csrf_token: str) -> str:
    record = clinical_selectors.clinical_record(request.user, patient, record_view=True, audit=False)
    series = plot_series.record_series(request.user, patient)
    context = {
        "patient": patient,
        "can_edit": can_edit_patient(request.user, patient),
        "record": record,
        "banner": clinical_selectors.record_banner(patient, record, series.next_appointment),
        "plots": record_figures.record_plots(
            series, record.phases, thresholds=late_effects_selectors.dose_thresholds()
        ),
        "kinds": EntryKind.choices,
        "education": panels.record_panel(request.user, patient),
        "grants_slot": mark_safe(GRANTS_SLOT),
        "csrf_token": csrf_token,
    }
    return render_to_string("patients/clinical/_record_body.html", context)


@login_required
def patient_create(request):
    _require_role(request.user, Role.CLINICIAN)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created: list[Patient] = []

        def create():
            created.append(services.create_patient(request.user, form.cleaned_data))

        if save_through_service(form, create) is None:
            messages.success(request, _("Record created."))
            return redirect("patients:detail", patient_id=created[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/patient_form.html", {"form": form, "creating": True}, status=status)


@login_required
def patient_edit(request, patient_id: int):
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, edit=True, saves=True)
    if request.method == "POST":
        form = PatientForm(request.POST, instance=Patient.objects.get(pk=patient.pk))
        status = 400
        if form.is_valid():
            expected = form.cleaned_data.get("version") or 0
            status = save_through_service(
                form, lambda: services.update_patient(request.user, patient, form.cleaned_data, expected)
            )
            if status is None:
                messages.success(request, _("Changes saved."))
                return redirect("patients:detail", patient_id=patient.pk)
        context = {"form": form, "patient": patient, "conflict": status == 409}
        return render(request, "patients/patient_form.html", context, status=status)
    form = PatientForm(instance=patient, initial={"version": patient.version})
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@login_required
def break_glass(request):
    """Emergency access to a child outside the care team: exact MRN, date of birth and a reason, in one POST.

    The MRN travels in the form body, never in a URL, and no page here shows a record: only a
    granted request redirects to the record (itself checked by get_patient_or_404). A wrong MRN and
    a wrong date of birth get the same answer; requests are limited per clinician (BREAK_GLASS_LIMIT).
    """
    _require_role(request.user, Role.CLINICIAN)
    form = BreakGlassForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not break_glass_service.request_allowed(request.user):
            form.add_error(
                None,
                _(
                    "You have made too many emergency access requests in a short time. Try again later, "
                    "or ask the child's care team or a site administrator."
                ),
            )
            status = 429
        elif (patient := break_glass_service.find_patient(request.user, data["mrn"], data["date_of_birth"])) is None:
            form.add_error(None, _("No record matches this MRN and date of birth. Check both and try again."))
        elif can_view_patient(request.user, patient):
            return redirect("patients:detail", patient_id=patient.pk)
        elif (
            save_through_service(
                form, lambda: break_glass_service.open_break_glass(request.user, patient, data["reason"])
            )
            is None
        ):
            messages.warning(
                request, _("Emergency access granted. Your access is recorded and the care team has been told.")
            )
            return redirect("patients:detail", patient_id=patient.pk)
    hours = int(settings.BREAK_GLASS_DURATION.total_seconds() // 3600)
    return render(request, "patients/break_glass.html", {"form": form, "hours": hours}, status=status)
