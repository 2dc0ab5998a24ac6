"""Optimistic concurrency: a stale edit is refused with a clear conflict, never silently overwritten.

Models with a `version` integer are saved through save_versioned(): the UPDATE only matches the
row if nobody saved it since the editor loaded it (the version they saw travels with the form
or API payload). Views turn StaleEdit into a form error; the API answers 409.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone


class StaleEdit(Exception):
    message = "Someone else changed this record after you opened it. Reload to see their changes, then edit again."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


def save_versioned(instance, expected_version: int, fields: list[str]) -> None:
    """Write `fields` of an existing row only if its version is still `expected_version`."""
    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise StaleEdit()
    instance.version = expected_version + 1
