"""Limits on guessing: sign-in lockout per account, a per-address throttle, and password-reset limits.

- An account (the typed email, case-folded) is locked after AXES_FAILURE_LIMIT wrong passwords
  from any number of addresses (django-axes, AXES_LOCKOUT_PARAMETERS = ["username"]); unknown
  emails are counted and locked exactly like real ones, so the answer reveals nothing.
- One address that fails SIGN_IN_IP_FAILURE_LIMIT times across any accounts within the cool-off is
  refused too (PortalAxesHandler.is_locked), with the same page: a password spray.
- Password-reset requests are counted per account and per address in the cache; beyond the limit
  the same neutral "check your email" page is shown and no email is sent.

An admin lifts a lock by deleting the "access attempts" in the admin (django-axes) or with
`manage.py axes_reset_username EMAIL` / `axes_reset_ip ADDRESS`.
"""

from __future__ import annotations

from hashlib import sha256

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from portal.care import audit


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same client address the audit trail records (TRUSTED_PROXY_COUNT)."""
    return audit.client_ip(request)


def ip_failures(ip_address) -> int:
    """Wrong passwords from one address, over all accounts typed, within the cool-off."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    return recent.aggregate(n=Sum("failures_since_start"))["n"] or 0


class PortalAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-address throttle beside the per-account lockout."""

    def is_locked(self, request, credentials=None) -> bool:
        """Checked before a password is tried: the account's lock, or this address's."""
        return super().is_locked(request, credentials) or _address_over_limit(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """After a failure is recorded: answer with the lockout page when this address is now over its limit.

        With AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT (the default: the cool-off runs from the last
        attempt) axes decides the lockout page here from the account's count only; add the address's.
        """
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and _address_over_limit(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def _address_over_limit(request) -> bool:
    return ip_failures(getattr(request, "axes_ip_address", None)) >= settings.SIGN_IN_IP_FAILURE_LIMIT


def _count(key: str) -> int:
    timeout = int(settings.PASSWORD_RESET_LIMIT_WINDOW.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def password_reset_allowed(request, email: str) -> bool:
    """Count this request against the account and the address; False once either is over its limit."""
    account = sha256(email.encode()).hexdigest()
    per_account = _count(f"portal:reset:account:{account}") <= settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
    per_ip = _count(f"portal:reset:ip:{client_ip(request)}") <= settings.PASSWORD_RESET_LIMIT_PER_IP
    return per_account and per_ip
