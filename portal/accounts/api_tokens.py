"""Personal API tokens: made by a staff member after two-step verification, shown once, stored hashed.

A token reads `cpt_<prefix>_<secret>`. The prefix (not secret) finds the row; the secret is kept
only as its SHA-256 (a random 256-bit secret needs no slow hash: it cannot be guessed from a
dictionary). Each token has a scope (read, or read and write), an expiry and a revocation time;
`authenticate` refuses expired, revoked and inactive users' tokens and notes when it was last used.
Families do not get tokens: they use the portal (and its session) only, so a leaked family token
can never exist. See docs/api.md.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portal.accounts.events import AccountEvent, announce
from portal.accounts.models import ApiToken, Role, TokenScope

LABEL = "cpt"
TOKEN_ROLES = (Role.CLINICIAN, Role.ADMIN, Role.EDITOR)
LAST_USED_GRANULARITY = timedelta(minutes=5)  # one UPDATE per token per few minutes, not per request


class TokenRefused(Exception):
    """The user may not make a token now (not staff, or not verified in this session)."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole `cpt_<prefix>_<secret>` string: shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_create_tokens(user, *, verified: bool) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in TOKEN_ROLES and verified)


def create_token(user, *, name: str, scope: str, verified: bool) -> IssuedToken:
    """A new token for `user`; `verified` says the session passed two-step verification."""
    if not may_create_tokens(user, verified=verified):
        raise TokenRefused("Tokens are for staff who have passed two-step verification in this session.")
    if scope not in TokenScope.values:
        raise ValueError(f"unknown scope {scope!r}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "API token",
        prefix=prefix,
        key_hash=hash_secret(secret),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    announce(user, AccountEvent.UPDATE, obj=token, detail=f"API token created ({scope})")
    return IssuedToken(token=token, secret=f"{LABEL}_{prefix}_{secret}")


def revoke_token(user, token_id) -> bool:
    """Revoke one of the user's own tokens; False if there is no such live token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        announce(user, AccountEvent.UPDATE, detail=f"API token {token_id} revoked")
    return bool(revoked)


def revoke_tokens_by_admin(admin_user, queryset) -> int:
    """The admin's bulk revoke: one UPDATE, one account event (on the admin) naming the tokens."""
    live = queryset.filter(revoked_at__isnull=True)
    prefixes = sorted(live.values_list("prefix", flat=True))
    count = live.update(revoked_at=timezone.now())
    if count:
        announce(
            admin_user, AccountEvent.UPDATE, detail=f"API tokens revoked: {', '.join(prefixes)}"[:200], by_admin=True
        )
    return count


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def authenticate(raw: str) -> ApiToken | None:
    """The live token this string names, or None. Constant-time comparison of the hashes."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != LABEL or not parts[1] or not parts[2]:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1][:12]).first()
    if token is None or not constant_time_compare(token.key_hash, hash_secret(parts[2])):
        return None
    now = timezone.now()
    if not token.is_live(now) or not token.user.is_active or token.user.role not in TOKEN_ROLES:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
