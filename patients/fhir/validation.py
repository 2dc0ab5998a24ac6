"""FHIR R4 validation with fhir.resources (its R4B models; R4B differs from R4 in none of the resources we use).

validate_strict() is what every exported Bundle must pass; lenient_warnings() is how an import learns where
a real passport deviates from the standard, as (entry index, FHIRPath, message) for each deviation.
"""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError


def _path(resource_type: str, loc: tuple) -> str:
    path = resource_type
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith("function-") and "[" not in str(part):
            path += f".{part}"
    return path


def validate_strict(bundle: dict) -> None:
    """Raises pydantic.ValidationError unless the Bundle and every resource in it are valid R4 (R4B models)."""
    Bundle.model_validate(bundle)


def resource_problems(resource: dict) -> list[tuple[str, str]]:
    """(FHIRPath, message) for every way one resource fails the strict models; [] when it is valid."""
    resource_type = resource.get("resourceType", "")
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return [(resource_type or "resourceType", "unknown resource type")]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return [(_path(resource_type, err["loc"]), err["msg"].strip()) for err in exc.errors()]
    return []
