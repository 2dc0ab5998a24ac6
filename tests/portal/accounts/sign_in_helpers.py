"""Helpers for the sign-in tests: the real sign-in form, an enrolled authenticator, its current code."""

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import mfa
from portal.care.models import AuditEvent

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def post_sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str = "", **extra):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("portal:login"), data, **extra)


def enrolled_device(user) -> TOTPDevice:
    """A confirmed authenticator app plus recovery codes, as after enrolment.

    The codes are stored hashed, so the plain ones exist only here: `device.recovery_codes`.
    """
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device.recovery_codes = mfa._replace_recovery_codes(user)
    return device


def current_code(device: TOTPDevice) -> str:
    """What the phone shows now (django-otp's own TOTP with the device key)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def actions(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id").values_list("action", flat=True))


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
