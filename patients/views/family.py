"""Family pages: the children a family account follows, in plain language."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from education import panels
from patients import selectors
from patients.clinical import selectors as clinical_selectors
from portal.accounts.models import Role
from portal.care.access import FAMILY_PAGE, patient_for_page
from portal.care.models import AuditAction, AuditEvent

SHOWN_TO_FAMILY = (
    AuditAction.VIEW,
    AuditAction.CREATE,
    AuditAction.UPDATE,
    AuditAction.DELETE,
    AuditAction.EXPORT,
    AuditAction.PRINT,
    AuditAction.BREAK_GLASS,
)


@login_required
def family_home(request):
    if request.user.role != Role.FAMILY:
        return redirect("portal:home")
    children = selectors.family_children(request.user)
    if len(children) == 1:
        return redirect("patients:family_child", patient_id=children[0].pk)
    return render(request, "patients/family_home.html", {"children": children})


@login_required
def family_child(request, patient_id: int):
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE)
    page = clinical_selectors.family_timeline_page(
        request.user, patient, before=request.GET.get("before"), after=request.GET.get("after")
    )
    context = {
        "patient": patient,
        "timeline_page": page,
        "family_timeline": page.entries,
        "education": panels.family_panel(request.user, patient, get_language()),
    }
    return render(request, "patients/family_child.html", context)


@login_required
def family_access_log(request, patient_id: int):
    """Who from staff opened or changed my child's record, and when.

    Denied probes are left out (nobody saw anything), and so are list rows (a name on a worklist
    is not opening the record) and the family's own reads.
    """
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE)
    events = (
        AuditEvent.objects.filter(patient=patient, user__isnull=False, action__in=SHOWN_TO_FAMILY)
        .exclude(user__role=Role.FAMILY)
        .select_related("user")
        .order_by("-at")[:200]
    )
    return render(request, "patients/family_access_log.html", {"patient": patient, "events": events})
