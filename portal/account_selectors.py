"""Reads about a person's own account: recent sign-in activity for the Security page."""

from __future__ import annotations

from portal.care.models import AuditAction, AuditEvent

ACCOUNT_ACTIONS = (
    AuditAction.LOGIN,
    AuditAction.LOGIN_FAILED,
    AuditAction.LOCKOUT,
    AuditAction.LOGOUT,
    AuditAction.TIMEOUT,
    AuditAction.MFA_ENROLLED,
    AuditAction.MFA_VERIFIED,
    AuditAction.MFA_FAILED,
    AuditAction.MFA_RECOVERY_USED,
    AuditAction.PASSWORD_RESET,
)


def recent_account_events(user, limit: int = 20) -> list[AuditEvent]:
    """This account's own sign-in events, newest first, including failures typed with its email.

    Two indexed queries (by user; by action, then email) rather than one OR that scans the table.
    """
    fields = ("at", "action", "ip_address", "user_agent", "detail")
    own = AuditEvent.objects.filter(user=user, action__in=ACCOUNT_ACTIONS).only(*fields)[:limit]
    anonymous = AuditEvent.objects.filter(
        user__isnull=True,
        user_email=user.email,
        action__in=(AuditAction.LOGIN_FAILED, AuditAction.LOCKOUT, AuditAction.PASSWORD_RESET),
    ).only(*fields)[:limit]
    events = sorted([*own, *anonymous], key=lambda e: (e.at, e.pk), reverse=True)
    return events[:limit]
