"""API errors in one shape: RFC 9457 problem details (application/problem+json).

    {"type": "urn:allcare:problem:invalid", "title": "Invalid input", "status": 400,
     "detail": "Some fields are not valid; see errors.", "errors": {"dose": ["…"]}}

`errors` maps each field (nested ones joined with dots; `non_field_errors` for the whole body) to
its messages; it is present, possibly empty, on every problem. Django ValidationError (raised by
services) becomes 400, StaleEdit 409. The deprecated /api/patients/… aliases keep the shape they
always had (DRF's plain bodies, `{"detail", "code": "conflict"}` on 409) until they are removed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.concurrency import StaleEdit

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:allcare:problem:"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = StaleEdit.message
    default_code = "conflict"


TITLES = {
    400: "Invalid input",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
}


def _field_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {dotted.field: [messages]}."""
    if isinstance(data, dict):
        errors: dict[str, list[str]] = {}
        for key, value in data.items():
            errors.update(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        errors = {}
        for index, item in enumerate(data):
            errors.update(_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    messages = [str(item) for item in data] if isinstance(data, list) else [str(data)]
    return {prefix or "non_field_errors": messages}


def _legacy(exc, context):
    if isinstance(exc, StaleEdit):
        return Response({"detail": str(exc), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def _as_drf(exc):
    if isinstance(exc, StaleEdit):
        return Conflict(str(exc))
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(data)
    return exc


def problem_body(status_code: int, detail: str, *, code: str = "", errors: dict | None = None) -> dict:
    return {
        "type": f"{TYPE_PREFIX}{code}" if code else "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
    }


def problem_json(status_code: int, detail: str, *, code: str = "") -> JsonResponse:
    """A problem answered outside DRF (the session and two-step middleware)."""
    body = problem_body(status_code, str(detail), code=code)
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem(status_code: int, detail: str, *, code: str = "", errors: dict | None = None, headers=None) -> Response:
    body = problem_body(status_code, detail, code=code, errors=errors)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc, context):
    view = context.get("view")
    if getattr(view, "api_deprecated", False):
        return _legacy(exc, context)
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code, detail, errors = "invalid", "Some fields are not valid; see errors.", _field_errors(response.data)
    else:
        data = response.data if isinstance(response.data, dict) else {"detail": response.data}
        detail = str(data.get("detail", ""))
        code = str(getattr(data.get("detail"), "code", "") or "")
        errors = {}
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return problem(response.status_code, detail, code=code, errors=errors, headers=headers)
