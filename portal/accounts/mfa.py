"""Two-step verification (django-otp): enrol an authenticator app, recovery codes, check, turn off.

A user has at most one confirmed TOTP device (the app) and one RecoveryCodeDevice holding
one-time recovery codes, stored hashed (portal/accounts/models.py): they are shown once, when
made, and a used code's row is deleted, so each code works once. Every device also throttles
itself (a growing delay after each wrong code), across sessions.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts.events import AccountEvent, announce
from portal.accounts.models import RecoveryCodeDevice, normalise_code

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


clean_token = normalise_code


def readable_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it when typed by hand: base32, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled; the same one across reloads until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def confirm_enrolment(user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app with one code from it; returns fresh recovery codes, or None if the code is wrong."""
    if not device.verify_token(clean_token(token)):
        announce(user, AccountEvent.MFA_FAILED, detail="enrolment")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        announce(user, AccountEvent.MFA_ENROLLED, obj=device)
    return codes


def regenerate_recovery_codes(user) -> list[str]:
    """New set of recovery codes; every earlier code stops working."""
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        announce(user, AccountEvent.MFA_ENROLLED, detail="recovery codes regenerated")
    return codes


def _replace_recovery_codes(user) -> list[str]:
    """Fresh codes, returned this once: only their hashes are stored."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < settings.RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())  # 8 base32 characters (40 random bits)
    device.add_codes(sorted(codes))
    return sorted(codes)


def recovery_codes_left(user) -> int:
    device = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    return device.codes_left() if device else 0


def passkeys(user):
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"))


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def disable(user) -> None:
    """Turn two-step verification off (only where the role leaves it optional; the view checks)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        announce(user, AccountEvent.MFA_ENROLLED, detail="disabled")


@dataclass(frozen=True)
class CheckResult:
    device: object | None = None
    recovery_code: bool = False
    throttled: bool = False


def check_code(user, raw_token: str) -> CheckResult:
    """A 6-digit code goes to the app device, anything else to the recovery codes.

    Routing by shape keeps a wrong recovery code from adding delay to the app device and vice
    versa. Success and failure are announced as account events (and so audited).
    """
    token = clean_token(raw_token)
    is_app_code = token.isdigit() and len(token) <= 8
    model = TOTPDevice if is_app_code else RecoveryCodeDevice
    devices = [d for d in model.objects.filter(user=user, confirmed=True) if d.verify_is_allowed()[0]]
    if not devices and model.objects.filter(user=user, confirmed=True).exists():
        announce(user, AccountEvent.MFA_FAILED, detail="throttled")
        return CheckResult(throttled=True)
    for device in devices:
        if device.verify_token(token):
            action = AccountEvent.MFA_VERIFIED if is_app_code else AccountEvent.MFA_RECOVERY_USED
            announce(user, action, obj=device)
            return CheckResult(device=device, recovery_code=not is_app_code)
    announce(user, AccountEvent.MFA_FAILED)
    return CheckResult()
