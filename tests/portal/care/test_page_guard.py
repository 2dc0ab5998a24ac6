"""One page guard (portal.care.access.patient_for_page) for clinician, family and education pages.

It answers like the API's PatientScopedViewSet: the right user gets the page and one view row;
another child's parent and an unrelated clinician get 404 and exactly one "denied" row, with the
same fields the API writes for the same user. One request decides access once per (user, child):
a clinician's save does not repeat the care-team check in the view, the service and the audit.
"""

from __future__ import annotations

import ast
import pathlib
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import TimelineEntry
from portal.care import access
from portal.care.models import AuditEvent, CareTeamMembership
from tests.conftest import signed_in_client
from tests.factories import BreakGlassGrantFactory, FamilyLinkFactory

pytestmark = pytest.mark.django_db

FIELDS = ("user_id", "patient_id", "action", "object_type", "object_id", "purpose", "detail")

# One page of each kind; each is a read (GET) page of the child.
PAGES = {
    "clinician": ("patients:timeline", "clinician"),
    "family": ("patients:family_child", "family_user"),
    "education": ("education:questions", "family_user"),
}


def _rows(**filters) -> list[dict]:
    return list(AuditEvent.objects.filter(**filters).order_by("id").values(*FIELDS))


def _page(name, patient) -> str:
    return reverse(name, kwargs={"patient_id": patient.pk})


@pytest.mark.parametrize("kind", PAGES)
def test_the_right_user_gets_the_page_and_one_view_row(kind, request, patient):
    name, who = PAGES[kind]
    user = request.getfixturevalue(who)
    response = signed_in_client(user).get(_page(name, patient))
    assert response.status_code == 200
    views = _rows(action="view", user_id=user.pk)
    assert len(views) == 1
    assert (views[0]["patient_id"], views[0]["object_type"], views[0]["purpose"]) == (patient.pk, "patient", "normal")
    assert not _rows(action="denied")


@pytest.fixture
def strangers(other_patient, outsider_clinician):
    """Another child's parent and a clinician on no team of this child."""
    return {"other_parent": FamilyLinkFactory(patient=other_patient).user, "unrelated_clinician": outsider_clinician}


@pytest.mark.parametrize("who", ["other_parent", "unrelated_clinician"])
@pytest.mark.parametrize("kind", PAGES)
def test_strangers_get_404_and_the_same_denial_row_as_the_api(kind, who, strangers, patient):
    user = strangers[who]
    client = signed_in_client(user)
    assert client.get(_page(PAGES[kind][0], patient)).status_code == 404
    page_rows = _rows(action="denied", user_id=user.pk)
    assert client.get(f"/api/patients/{patient.pk}/diagnosis/").status_code == 404
    api_rows = _rows(action="denied", user_id=user.pk)[len(page_rows) :]
    assert len(page_rows) == 1 and len(api_rows) == 1
    assert page_rows == api_rows
    assert page_rows[0]["patient_id"] == patient.pk and page_rows[0]["purpose"] == "normal"
    assert not _rows(action="view", user_id=user.pk)


def test_a_write_page_denies_family_like_the_api_write(strangers, family_user, patient):
    """A parent of this very child is refused a clinician write page, as the API refuses the write."""
    client = signed_in_client(family_user)
    assert client.post(reverse("patients:diagnosis_edit", kwargs={"patient_id": patient.pk}), {}).status_code == 404
    assert client.put(f"/api/patients/{patient.pk}/diagnosis/", {}, content_type="application/json").status_code == 404
    page_row, api_row = _rows(action="denied", user_id=family_user.pk)
    assert page_row == api_row
    assert (page_row["patient_id"], page_row["detail"]) == (patient.pk, "edit")


def _care_team_queries(ctx) -> int:
    table = CareTeamMembership._meta.db_table
    return sum(1 for q in ctx.captured_queries if table in q["sql"])


def _note(patient) -> dict:
    return {"occurred_on": date.today().isoformat(), "title": "Seen in clinic", "visibility": "clinician"}


def test_a_clinician_save_checks_the_care_team_once(clinician_client, clinician, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "note"})
    with CaptureQueriesContext(connection) as ctx:
        assert clinician_client.post(url, _note(patient)).status_code == 302
    assert TimelineEntry.objects.filter(patient=patient).count() == 1
    # Before the per-request decision: 4 (visible_patients, can_edit in the view, can_edit in the
    # service, audit purpose for the "create" row).
    assert _care_team_queries(ctx) == 1
    created = AuditEvent.objects.get(action="create")
    assert (created.user, created.patient, created.purpose) == (clinician, patient, "normal")


def test_a_break_glass_save_is_flagged_and_checked_once(outsider_clinician, patient):
    BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)
    client = signed_in_client(outsider_clinician)
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "note"})
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(url, _note(patient)).status_code == 302
    assert _care_team_queries(ctx) == 1
    assert AuditEvent.objects.get(action="create").purpose == "break_glass"


def test_the_decision_is_per_request_and_per_user(clinician, patient, outsider_clinician):
    """Outside a request nothing is remembered; inside one, a new grant or membership is seen at once."""
    with CaptureQueriesContext(connection) as ctx:
        assert access.can_edit_patient(clinician, patient)
        assert access.can_edit_patient(clinician, patient)
    assert _care_team_queries(ctx) == 2  # no memo outside a request (Celery, commands, shell)

    token = access.start_request_decisions()
    try:
        with CaptureQueriesContext(connection) as ctx:
            assert access.can_edit_patient(clinician, patient)
            assert access.audit_purpose(clinician, patient) == "normal"
            assert access.can_view_patient(clinician, patient)
        assert _care_team_queries(ctx) == 1
        assert not access.can_view_patient(outsider_clinician, patient)  # keyed by user too
        BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)  # a save clears the memo
        assert access.can_view_patient(outsider_clinician, patient)
        assert access.audit_purpose(outsider_clinician, patient) == "break_glass"
        CareTeamMembership.objects.filter(clinician=clinician, patient=patient).delete()
        assert access.audit_purpose(clinician, patient) == "break_glass"
    finally:
        access.end_request_decisions(token)
    assert access._decisions.get() is None


def test_the_memo_does_not_outlive_a_request(clinician_client, clinician, patient):
    assert clinician_client.get(_page("patients:timeline", patient)).status_code == 200
    assert access._decisions.get() is None
    CareTeamMembership.objects.filter(clinician=clinician, patient=patient).update(active=False)  # no signal
    assert clinician_client.get(_page("patients:timeline", patient)).status_code == 404


def test_audit_module_does_not_import_the_access_layer():
    source = (pathlib.Path(access.__file__).parent / "audit.py").read_text()
    imported = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any("access" in name for name in imported), imported


def _unscoped_patient_records(path: pathlib.Path) -> list[str]:
    """audit.record(..., patient=...) calls without a purpose: they would be flagged "normal" whatever the access."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record":
            owner = node.func.value
            names = {k.arg for k in node.keywords}
            if (
                isinstance(owner, ast.Name)
                and owner.id in {"audit", "audit_trail"}
                and "patient" in names
                and "purpose" not in names
            ):
                found.append(f"{path}:{node.lineno}")
    return found


def test_project_code_records_patient_events_through_the_access_layer():
    root = pathlib.Path(__file__).resolve().parents[3]
    offenders, scanned = [], 0
    for package in ("patients", "portal", "education"):
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.parts:
                scanned += 1
                offenders += _unscoped_patient_records(path)
    assert scanned > 100 and not offenders, offenders
