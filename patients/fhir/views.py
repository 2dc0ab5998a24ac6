"""FHIR endpoints and the passport upload page: thin, through the access policy."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.care.access import FAMILY_PAGE, STAFF_PAGE, deny_patient, is_family_user, patient_for_page

from . import services

FHIR_JSON = "application/fhir+json"


def _outcome(problems: list[dict], status: int) -> JsonResponse:
    issues = [
        {
            "severity": "error",
            "code": "processing",
            "diagnostics": p["message"],
            "expression": [p["path"]] if p.get("path") else [],
        }
        for p in problems
    ]
    return JsonResponse({"resourceType": "OperationOutcome", "issue": issues}, status=status, content_type=FHIR_JSON)


@login_required
@require_GET
def patient_everything(request, patient_id: int):
    """GET /fhir/Patient/<id>/$everything: the child's passport (families: released data only)."""
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE + FAMILY_PAGE, audit=False)
    bundle = services.export_bundle(request.user, patient)
    response = JsonResponse(bundle, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False})
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="passport-{patient.pk}.json"'
    return response


def _read_body(request) -> dict | None:
    try:
        if request.content_type == "multipart/form-data":
            upload = request.FILES.get("bundle")
            raw = upload.read() if upload else b""
        else:
            raw = request.body
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _result(row, created: bool) -> dict:
    return {
        "import": row.pk,
        "patient": row.patient_id,
        "duplicate": not created,
        "counts": row.counts,
        "warnings": row.warnings,
        "review": row.review,
        "exposures_incomplete": row.exposures_incomplete,
        "comparison": services.comparison_for(row),
    }


@login_required
def bundle_import(request):
    """POST /fhir/Bundle: a passport for a survivor treated elsewhere. Families may not import."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if is_family_user(request.user) or getattr(request.user, "role", None) not in ("clinician", "admin"):
        raise deny_patient(request.user, "fhir-import", edit=True)
    data = _read_body(request)
    if data is None:
        return _outcome([{"path": "", "message": "the body is not a JSON object"}], 400)
    try:
        row, created = services.import_bundle(request.user, data)
    except services.PassportRefused as exc:
        return _outcome(exc.problems, 422)
    return JsonResponse(_result(row, created), status=201 if created else 200)


@login_required
def passport_upload(request, patient_id: int):
    """The upload form on the "summary from another centre" page, for this child."""
    patient = patient_for_page(request, patient_id, roles=STAFF_PAGE, edit=True, saves=True)
    context = {"patient": patient, "result": None, "problems": None}
    if request.method == "POST":
        data = _read_body(request)
        if data is None:
            context["problems"] = [{"path": "", "message": _("The file is not a FHIR JSON Bundle.")}]
        else:
            try:
                row, created = services.import_bundle(request.user, data, patient=patient)
            except services.PassportRefused as exc:
                context["problems"] = exc.problems
            else:
                context["result"] = _result(row, created)
    status = 422 if context["problems"] else 200
    return render(request, "fhir/upload.html", context, status=status)
