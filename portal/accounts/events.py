"""What happens to an account, announced for the layers above to record.

Accounts sit below the audit trail, so they cannot write audit rows themselves; they send
`account_event` and portal/care/account_events.py appends the row in the same transaction
(Django signals run synchronously, in the sender's transaction).
"""

from __future__ import annotations

from enum import StrEnum

from django.dispatch import Signal

#: Sent with user, action (an AccountEvent), and optionally actor, obj, detail, purpose_admin.
account_event = Signal()


class AccountEvent(StrEnum):
    """The account events the audit trail knows (portal.care.models.AuditAction has each value)."""

    UPDATE = "update"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_VERIFIED = "mfa_verified"
    MFA_FAILED = "mfa_failed"
    MFA_RECOVERY_USED = "mfa_recovery"


def announce(user, action: AccountEvent, *, actor=None, obj=None, detail: str = "", by_admin: bool = False) -> None:
    """Tell the layers above that `action` happened to `user` (done by `actor`, default the user)."""
    account_event.send(
        sender=AccountEvent,
        user=user,
        action=AccountEvent(action),
        actor=actor or user,
        obj=obj,
        detail=detail,
        by_admin=by_admin,
    )
