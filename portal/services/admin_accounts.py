"""Account changes a site admin makes from the admin: reset two-step verification, deactivate. Audited."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit
from portal.models import AuditAction, AuditPurpose


def reset_mfa(admin_user, users) -> int:
    """Remove every TOTP device and recovery code of `users`; they enrol again at their next sign-in.

    Existing sessions keep their verified flag until they end (idle timeout), which is what
    django-otp does too; deactivate the account as well to cut a session off at once.
    """
    users = list(users)
    with transaction.atomic():
        for user in users:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit.record(admin_user, AuditAction.UPDATE, obj=user, purpose=AuditPurpose.ADMIN, detail="mfa_reset")
    return len(users)


def deactivate(admin_user, users) -> int:
    """Deactivate rather than delete: users carry audit history."""
    users = [u for u in users if u.is_active and u.pk != admin_user.pk]
    with transaction.atomic():
        for user in users:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(admin_user, AuditAction.UPDATE, obj=user, purpose=AuditPurpose.ADMIN, detail="deactivated")
    return len(users)
