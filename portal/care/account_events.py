"""Account events into the audit trail: sign-in, sign-out, failures, lockouts, and what the
accounts package announces (two-step verification, account changes).

Failed attempts carry the email as typed (case-folded) and no user: the account may not exist.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from portal.accounts.events import account_event
from portal.accounts.sign_in import SESSION_LAST_SEEN, SESSION_MFA_FAILURES, SESSION_STARTED, normalise_email
from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().isoformat()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_LAST_SEEN] = now
        request.session.pop(SESSION_MFA_FAILURES, None)
    audit.record(user, AuditAction.LOGIN)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    # A timeout is recorded as such by SessionTimeoutMiddleware; don't add a plain sign-out.
    if user is not None and not getattr(request, "portal_timed_out", False):
        audit.record(user, AuditAction.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = normalise_email(credentials.get("username") or credentials.get("email"))
    detail = "locked out" if getattr(request, "axes_locked_out", False) else ""
    audit.record(None, AuditAction.LOGIN_FAILED, user_email=email, purpose=AuditPurpose.SYSTEM, detail=detail)


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit.record(None, AuditAction.LOCKOUT, user_email=normalise_email(username), purpose=AuditPurpose.SYSTEM)


@receiver(account_event)
def on_account_event(sender, user, action, actor, obj=None, detail="", by_admin=False, **kwargs):
    purpose = AuditPurpose.ADMIN if by_admin else None
    audit.record(actor, AuditAction(action), obj=obj, detail=detail, purpose=purpose)
