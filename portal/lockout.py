"""Limits on guessing: sign-in lockout per account, a per-address throttle, progressive cool-offs,
unlock links for families, and limits on password reset, unlock requests and two-step codes.

- An account (the typed email, case-folded) is locked after AXES_FAILURE_LIMIT wrong passwords
  from any number of addresses (django-axes, AXES_LOCKOUT_PARAMETERS = ["username"]); unknown
  emails are counted and locked exactly like real ones, so the answer reveals nothing.
- One address that fails SIGN_IN_IP_FAILURE_LIMIT times across any accounts within the cool-off is
  refused too (PortalAxesHandler.is_locked), with the same page: a password spray.
- The cool-off grows: AXES_COOLOFF_BASE at the limit, multiplied by AXES_COOLOFF_FACTOR for every
  further failure (attempts while locked count too), never more than AXES_COOLOFF_MAX; counted from the
  account's last attempt (`cool_off`, AXES_COOLOFF_TIME). Once it has passed the account starts again.
- Password-reset and unlock requests are counted per account and per address in the cache; beyond
  the limit the same neutral "check your email" page is shown and no email is sent.
- A locked family account may ask for an unlock link by email (`unlock_token`, `user_for_unlock_token`): signed,
  valid UNLOCK_LINK_MINUTES, and only for the lockout it was made for. Staff accounts get no link.
- Wrong two-step codes are counted per account, across sessions, from the audit trail
  (`mfa_account_locked`): MFA_ACCOUNT_FAILURE_LIMIT within MFA_ACCOUNT_FAILURE_WINDOW.

An admin lifts a lock by deleting the "access attempts" in the admin (django-axes) or with
`manage.py axes_reset_username EMAIL` / `axes_reset_ip ADDRESS`.
"""

from __future__ import annotations

from datetime import timedelta
from hashlib import sha256

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Max, Sum
from django.utils import timezone

from portal.accounts.models import Role, User
from portal.accounts.sign_in import normalise_email
from portal.care import audit
from portal.care.models import AuditAction, AuditEvent

UNLOCK_SALT = "portal.lockout.unlock"


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same client address the audit trail records (TRUSTED_PROXY_COUNT)."""
    return audit.client_ip(request)


def ip_failures(ip_address) -> int:
    """Wrong passwords from one address, over all accounts typed, within the cool-off."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_BASE
    recent = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    return recent.aggregate(n=Sum("failures_since_start"))["n"] or 0


def cool_off_for(failures: int) -> timedelta:
    """The cool-off after this many failures: the base up to the limit, then times the factor per failure."""
    period = settings.AXES_COOLOFF_BASE
    for _ in range(max(0, failures - settings.AXES_FAILURE_LIMIT)):
        if period >= settings.AXES_COOLOFF_MAX:
            break
        period *= settings.AXES_COOLOFF_FACTOR
    return min(period, settings.AXES_COOLOFF_MAX)


def _account_attempts(username: str | None) -> dict:
    if not username:
        return {"n": 0, "last": None}
    return AccessAttempt.objects.filter(username=username).aggregate(
        n=Sum("failures_since_start"), last=Max("attempt_time")
    )


def cool_off(request=None, credentials=None) -> timedelta:
    """AXES_COOLOFF_TIME: this account's cool-off, from its failures (unknown emails alike)."""
    if request is None:
        return settings.AXES_COOLOFF_BASE
    return cool_off_for(_account_attempts(get_client_username(request, credentials))["n"] or 0)


def is_account_locked(email: str) -> bool:
    """Is sign-in for this (normalised) email locked right now (its own failures, not an address's)?"""
    attempts = _account_attempts(email)
    failures = attempts["n"] or 0
    if failures < settings.AXES_FAILURE_LIMIT:
        return False
    return attempts["last"] + cool_off_for(failures) > timezone.now()


class PortalAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-address throttle and the growing cool-off."""

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        """Drop what no cool-off can still need, and this account's attempts once its own cool-off has passed.

        axes' own clean-up would use this request's cool-off for every account, and so drop the
        attempts of accounts serving a longer one.
        """
        now = timezone.now()
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=now - settings.AXES_COOLOFF_MAX).delete()
        username = get_client_username(request, credentials) if request is not None else None
        attempts = _account_attempts(username)
        if attempts["last"] is not None and attempts["last"] + cool_off_for(attempts["n"] or 0) <= now:
            count += AccessAttempt.objects.filter(username=username).delete()[0]
        return count

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


def _within_limits(kind: str, request, email: str, per_account_limit: int, per_ip_limit: int) -> bool:
    """Count this request against the account and the address; False once either is over its limit."""
    account = sha256(email.encode()).hexdigest()
    per_account = _count(f"portal:{kind}:account:{account}") <= per_account_limit
    per_ip = _count(f"portal:{kind}:ip:{client_ip(request)}") <= per_ip_limit
    return per_account and per_ip


def password_reset_allowed(request, email: str) -> bool:
    return _within_limits(
        "reset", request, email, settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT, settings.PASSWORD_RESET_LIMIT_PER_IP
    )


def unlock_request_allowed(request, email: str) -> bool:
    return _within_limits("unlock", request, email, settings.UNLOCK_LIMIT_PER_ACCOUNT, settings.UNLOCK_LIMIT_PER_IP)


# --- Unlock links for families -------------------------------------------------------------------------


def unlockable_family(email: str) -> User | None:
    """The active family account with this email, if it is locked now; else None (nothing is sent)."""
    email = normalise_email(email)
    user = User.objects.filter(email__iexact=email, is_active=True, role=Role.FAMILY).first()
    return user if user is not None and is_account_locked(email) else None


def _lock_fingerprint(user: User) -> str:
    """Ties a link to this lockout and password: it stops working once the lock is lifted or the password changes."""
    attempts = AccessAttempt.objects.filter(username=normalise_email(user.email)).order_by("pk")
    ids = ",".join(str(pk) for pk in attempts.values_list("pk", flat=True))
    return sha256(f"{user.pk}:{user.password}:{ids}".encode()).hexdigest()[:32]


def unlock_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _lock_fingerprint(user)}, salt=UNLOCK_SALT, compress=True)


def user_for_unlock_token(token: str) -> User | None:
    """The family account the (unexpired, still matching) link was made for, or None."""
    try:
        data = signing.loads(token, salt=UNLOCK_SALT, max_age=settings.UNLOCK_LINK_VALIDITY)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True, role=Role.FAMILY).first()
    if user is None or data.get("f") != _lock_fingerprint(user):
        return None
    return user


# --- Two-step codes per account ------------------------------------------------------------------------


def mfa_account_failures(user) -> int:
    """Wrong two-step codes for this account, in any session, within MFA_ACCOUNT_FAILURE_WINDOW (audit rows)."""
    since = timezone.now() - settings.MFA_ACCOUNT_FAILURE_WINDOW
    failed = AuditEvent.objects.filter(user=user, action=AuditAction.MFA_FAILED, at__gte=since)
    return failed.exclude(detail="throttled").count()  # a refused try is no guess


def mfa_account_locked(user) -> bool:
    return mfa_account_failures(user) >= settings.MFA_ACCOUNT_FAILURE_LIMIT
