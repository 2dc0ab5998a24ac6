"""Changes to accounts: a person's own settings, and what a site admin does from the admin.

Each change announces an account event (portal/accounts/events.py), which the audit trail records
in the same transaction. Audit rows name fields, never their values.
"""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts.events import AccountEvent, announce
from portal.accounts.models import RecoveryCodeDevice

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
        announce(user, AccountEvent.UPDATE, obj=user, detail="account: " + ", ".join(changed))
    return changed


def reset_mfa(admin_user, users) -> int:
    """Remove every TOTP device, passkey and recovery code of `users`; they enrol again at their next sign-in.

    Existing sessions keep their verified flag until they end (idle timeout), which is what
    django-otp does too; deactivate the account as well to cut a session off at once.
    """
    users = list(users)
    with transaction.atomic():
        TOTPDevice.objects.filter(user__in=users).delete()
        RecoveryCodeDevice.objects.filter(user__in=users).delete()
        WebAuthnCredential.objects.filter(user__in=users).delete()
        for user in users:
            announce(user, AccountEvent.UPDATE, actor=admin_user, obj=user, detail="mfa_reset", by_admin=True)
    return len(users)


def deactivate(admin_user, users) -> int:
    """Deactivate rather than delete: users carry audit history."""
    users = [u for u in users if u.is_active and u.pk != admin_user.pk]
    with transaction.atomic():
        type(admin_user).objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
        for user in users:
            user.is_active = False
            announce(user, AccountEvent.UPDATE, actor=admin_user, obj=user, detail="deactivated", by_admin=True)
    return len(users)
