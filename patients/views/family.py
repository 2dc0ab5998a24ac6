"""Family pages: the children a family account follows, in plain language."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from weasyprint import CSS, HTML

from education import panels
from patients import page_cache, selectors
from patients.clinical import plot_series, record_figures
from patients.clinical import selectors as clinical_selectors
from patients.late_effects import wording
from patients.models import EntryKind
from patients.reminders import feeds, upcoming
from portal.accounts.models import Role, User
from portal.accounts.sign_in import SESSION_STARTED
from portal.care.access import FAMILY_PAGE, deny, patient_for_page, record_patient_events
from portal.care.models import AuditAction, AuditEvent, AuditPurpose

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
    """The family home: what's next first (phase, visits and check-ups, what is new, who to call).

    Audited on every request (the page view and the timeline read, one INSERT); the whole page's
    HTML is kept per child, account, language, day, visit and unread count (patients.page_cache).
    """
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE, audit=False)
    record_patient_events(request.user, patient, clinical_selectors.timeline_page_events(patient))
    since = _last_visit(request, patient)
    html = page_cache.kept_page(
        request,
        "patients/family_child.html",
        "family",
        patient.pk,
        lambda csrf: _family_body(request, patient, since, csrf),
        context={"patient": patient},
        vary=(since,),
    )
    return HttpResponse(html)


def _last_visit(request, patient) -> datetime | None:
    """The family's previous visit to this page: its last view before this sign-in, read once a session."""
    key = f"portal_family_since_{patient.pk}"
    if key not in request.session:
        started = request.session.get(SESSION_STARTED)
        before = datetime.fromisoformat(started) if started else timezone.now()
        since = upcoming.last_visit(request.user, patient, request.path, before=before)
        request.session[key] = since.isoformat() if since else ""
    return datetime.fromisoformat(request.session[key]) if request.session[key] else None


FAMILY_HOME_LATEST = 3


def _family_body(request, patient, since: datetime | None, csrf_token: str) -> tuple[str, int | None]:
    """The kept part of the family home, and how long it may be kept: until the next scheduled release."""
    today = timezone.localdate()
    language = get_language()
    next_items = upcoming.next_items(request.user, patient, today=today)
    for n in next_items:  # the rule set's plain wording, in the page's language (no query)
        if n.kind == upcoming.FOLLOW_UP:
            n.item.what_local = wording.localise(n.item.what_plain or n.item.what, language)
    latest = clinical_selectors.family_timeline_page(request.user, patient, size=FAMILY_HOME_LATEST, audit=False)
    context = {
        "patient": patient,
        "today": today,
        "place": upcoming.phase_place(patient, today=today),
        "next_items": next_items,
        "new_entries": upcoming.newly_released(request.user, patient, since=since),
        "contacts": upcoming.care_contacts(patient),
        "latest": latest.entries,
        "education": panels.family_panel(request.user, patient, language),
        # The swimlane and the released results, in plain words (visible_entries keeps them to what is shared).
        "plots": record_figures.record_plots(
            plot_series.record_series(request.user, patient, doses=False),
            clinical_selectors.phases_of(patient),
            plain=True,
        ),
        "csrf_token": csrf_token,
    }
    html = render_to_string("patients/_family_child_body.html", context)
    return html, upcoming.seconds_to_next_release(patient)


@login_required
def family_timeline(request, patient_id: int):
    """The whole shared timeline, newest first, under month headings, paged by keyset (flat queries)."""
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE, audit=False)
    record_patient_events(request.user, patient, clinical_selectors.timeline_page_events(patient))
    before, after = request.GET.get("before"), request.GET.get("after")

    def build(csrf_token: str) -> tuple[str, int]:
        page = clinical_selectors.family_timeline_page(request.user, patient, before=before, after=after, audit=False)
        context = {"patient": patient, "timeline_page": page, "family_timeline": page.entries}
        html = render_to_string("patients/_family_timeline_body.html", context)
        return html, upcoming.seconds_to_next_release(patient)

    vary = clinical_selectors.page_cursors(before, after)
    body = page_cache.kept_html(request, "family-timeline", patient.pk, build, vary=vary)
    return render(request, "patients/family_timeline.html", {"patient": patient, "body": mark_safe(body)})


@login_required
def family_calendar_item(request, patient_id: int, kind: str, item_id: int):
    """One visit or check-up as an .ics ("add to calendar"); plain title, the feed's UID; else 404."""
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE, audit=False)  # the export is recorded
    body = feeds.item_calendar(request.user, patient, kind, item_id)
    if body is None:
        raise deny(request.user, patient=patient, object_type=f"calendar_{kind}"[:80], object_id=item_id)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{item_id}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


ACCESS_LOG_DAYS_PER_PAGE = 25


@login_required
def family_access_log(request, patient_id: int):
    """Who from staff opened or changed my child's record, one row per person and day, newest first, paged.

    Denied probes are left out (nobody saw anything), and so are list rows (a name on a worklist
    is not opening the record) and the family's own reads. Days are local days (settings.TIME_ZONE);
    the grouping and counting is done by the database, so a page costs the same queries however
    many rows there are.
    """
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE)
    counts = {action: Count("pk", filter=Q(action=action)) for action in SHOWN_TO_FAMILY}
    groups = (
        AuditEvent.objects.filter(patient=patient, user__isnull=False, action__in=SHOWN_TO_FAMILY)
        .exclude(user__role=Role.FAMILY)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("user_id", "day")
        .annotate(
            first=Min("at"),
            last=Max("at"),
            emergency=Count("pk", filter=Q(purpose=AuditPurpose.BREAK_GLASS)),
            **{f"n_{action}": count for action, count in counts.items()},
        )
        .order_by("-day", "-last", "user_id")
    )
    page = Paginator(groups, ACCESS_LOG_DAYS_PER_PAGE).get_page(request.GET.get("page"))
    people = User.objects.in_bulk({row["user_id"] for row in page})
    labels = dict(AuditAction.choices)
    rows = [
        {
            **row,
            "user": people.get(row["user_id"]),
            "actions": [(labels[a], row[f"n_{a}"]) for a in SHOWN_TO_FAMILY if row[f"n_{a}"]],
        }
        for row in page
    ]
    return render(request, "patients/family_access_log.html", {"patient": patient, "rows": rows, "page": page})


@login_required
def family_summary_pdf(request, patient_id: int):
    """The family's treatment summary as a PDF: built only from released entries (no doses, no
    unconfirmed risk group), access-checked and audited by patient_for_page."""
    patient = patient_for_page(request, patient_id, roles=FAMILY_PAGE)
    labels = dict(EntryKind.choices)
    rows = [(labels.get(r.kind, r.kind), r) for r in clinical_selectors.family_summary_rows(request.user, patient)]
    context = {"patient": patient, "rows": rows, "today": timezone.localdate()}
    html = render_to_string("patients/family_summary_pdf.html", context, request=request)
    css = [CSS(filename=finders.find("patients/treatment_summary.css"))]
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(stylesheets=css)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="summary-{patient.pk}.pdf"'  # no name, no health detail
    response["Cache-Control"] = "private, no-store"
    return response
