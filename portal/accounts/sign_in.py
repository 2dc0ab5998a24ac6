"""Small pieces of sign-in shared by settings, middleware, signals and views.

Kept free of views so settings (AXES_USERNAME_CALLABLE) and middleware can import them cheaply.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# Session keys: when this sign-in started, when the user was last seen, wrong second-step codes.
SESSION_STARTED = "portal_started"
SESSION_LAST_SEEN = "portal_last_seen"
SESSION_MFA_FAILURES = "portal_mfa_failures"


def normalise_email(value) -> str:
    return str(value or "").strip().lower()


def axes_username(request, credentials=None) -> str:
    """The account axes counts failures for: the typed email, case-folded (sign-in is case-insensitive)."""
    if credentials:
        return normalise_email(credentials.get(settings.AXES_USERNAME_FORM_FIELD))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalise_email(data.get(settings.AXES_USERNAME_FORM_FIELD))


def idle_timeout_for(user) -> timedelta:
    """Staff (anyone who must use MFA) get the shorter idle timeout; families the longer one."""
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.requires_mfa else settings.SESSION_IDLE_TIMEOUT_FAMILY


def has_authenticator(user) -> bool:
    """An authenticator app or a passkey: either can be the second step."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    # One query for both (this runs on every request of a signed-in user without a verified step).
    app = TOTPDevice.objects.filter(user=user, confirmed=True)
    passkey = WebAuthnCredential.objects.filter(user=user, confirmed=True)
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(app) | Exists(passkey)).exists()


def needs_second_step(user) -> bool:
    """Signed in but not yet past TOTP, and either the role requires it or the user turned it on."""
    if not user.is_authenticated or user.is_verified():
        return False
    return user.requires_mfa or has_authenticator(user)


def may_sign_in_without_password(user) -> bool:
    """Only family accounts may sign in with a passkey alone; staff need password and second step."""
    return user.is_active and user.is_family and not user.requires_mfa


def mfa_optional_for(user) -> bool:
    return not user.requires_mfa


def apply_language(response, language: str):
    """Switch the UI to `language` from this response on (the cookie LocaleMiddleware reads)."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or settings.SESSION_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
