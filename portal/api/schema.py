"""What the OpenAPI document says beyond what drf-spectacular infers, so it tells the whole truth.

* PUT/PATCH of a one-per-child record also documents its 201 (first save).
* The deprecated /api/patients/… aliases are marked `deprecated` (their paginated lists keep
  their own page-number component names).
* Every operation lists the error statuses it can answer, each with the problem-details body
  (portal/api/exceptions.py): 400, 401, 403, 404, 406, 429 everywhere; 409, 412 and 415 on writes.
* Writes that replace, change or delete a record take an optional If-Match header; a record's
  answers may carry its ETag (portal/api/etag.py).
* Integer path ids are bounded (1 … 2^31-1): a URL outside that never reaches the API.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from portal.api.exceptions import PROBLEM_CONTENT_TYPE, TITLES

READ_ERRORS = (400, 401, 403, 404, 406, 429)
WRITE_ERRORS = (409, 412, 415)
WRITE_METHODS = {"post", "put", "patch", "delete"}
MAX_ID = 2**31 - 1

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "description": "urn:allcare:problem:<code>, or about:blank."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field (dotted for nested fields; non_field_errors for the whole body) → messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
}
LEGACY_ERROR_SCHEMA = {
    "type": "object",
    "description": "Deprecated paths answer errors in DRF's plain shape ({detail} or {field: [messages]}).",
    "additionalProperties": True,
}


class PortalAutoSchema(AutoSchema):
    def is_deprecated(self) -> bool:
        return bool(getattr(self.view, "api_deprecated", False)) or super().is_deprecated()

    def _get_response_bodies(self, direction="response"):
        """PUT/PATCH on a one-per-child record answers 201 when it creates it (views set `creates_on_write`)."""
        bodies = super()._get_response_bodies(direction)
        if getattr(self.view, "creates_on_write", False) and self.method in ("PUT", "PATCH") and "200" in bodies:
            bodies["201"] = {**bodies["200"], "description": "Created (there was none yet)."}
        return bodies

    def get_paginated_name(self, serializer_name: str) -> str:
        name = super().get_paginated_name(serializer_name)
        return f"Legacy{name}" if getattr(self.view, "api_deprecated", False) else name


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The ETag you loaded, e.g. "3"; a changed record answers 412 and nothing is written.',
}
ETAG = {"schema": {"type": "string"}, "description": 'The record\'s version as an entity tag, e.g. "3".'}


def _error_response(status: int, deprecated: bool) -> dict:
    if deprecated:
        return {"description": TITLES[status], "content": {"application/json": {"schema": LEGACY_ERROR_SCHEMA}}}
    return {
        "description": TITLES[status],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_errors_and_ids(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            deprecated = bool(operation.get("deprecated"))
            statuses = READ_ERRORS + (WRITE_ERRORS if method in WRITE_METHODS else ())
            for status in statuses:
                operation["responses"].setdefault(str(status), _error_response(status, deprecated))
            if method in ("put", "patch", "delete") or path.endswith(("/complete/", "/close/")):
                operation.setdefault("parameters", []).append(IF_MATCH)
            if not operation["operationId"].endswith("_list"):
                for code in ("200", "201"):
                    if code in operation["responses"]:
                        operation["responses"][code].setdefault("headers", {})["ETag"] = ETAG
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=1, maximum=MAX_ID)
    return result
