"""A person's own account settings (name, phone, preferred language)."""

from __future__ import annotations

from django.db import transaction

from portal import audit
from portal.models import AuditAction

ACCOUNT_FIELDS = ("first_name", "last_name", "preferred_language", "phone")


def update_account(user, data: dict) -> list[str]:
    """Save the changed fields; the audit row names the fields, never their values."""
    changed = [name for name in ACCOUNT_FIELDS if name in data and getattr(user, name) != data[name]]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(user, name, data[name])
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
        audit.record(user, AuditAction.UPDATE, obj=user, detail="account: " + ", ".join(changed))
    return changed
