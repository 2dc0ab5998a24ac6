"""Request-wide guards: audit context, idle and absolute session timeouts, MFA for staff roles."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.models import AuditAction

SESSION_LAST_SEEN = "portal_last_seen"
SESSION_STARTED = "portal_started"

# Paths a signed-in user may reach before passing MFA (sign-in, enrolment, sign-out, assets).
MFA_EXEMPT_URL_NAMES = ("portal:login", "portal:logout", "portal:mfa_setup", "portal:mfa_verify", "healthz")
MFA_EXEMPT_PREFIXES = ("/static/", "/i18n/")


class AuditContextMiddleware:
    """Make the request's IP, user agent and path available to portal.audit.record()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request_context(audit.context_from_request(request))
        try:
            return self.get_response(request)
        finally:
            audit.reset_request_context(token)


def idle_timeout_for(user):
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.requires_mfa else settings.SESSION_IDLE_TIMEOUT_FAMILY


class SessionTimeoutMiddleware:
    """Automatic logoff (HIPAA): after the audience's idle time, and after an absolute lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            started = request.session.get(SESSION_STARTED)
            expired = None
            if last_seen and now - datetime.fromisoformat(last_seen) > idle_timeout_for(user):
                expired = "idle"
            elif started and now - datetime.fromisoformat(started) > settings.SESSION_ABSOLUTE_LIFETIME:
                expired = "lifetime"
            if expired:
                audit.record(user, AuditAction.TIMEOUT, detail=expired)
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": "Session expired."}, status=401)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            request.session[SESSION_LAST_SEEN] = now.isoformat()
            request.session.setdefault(SESSION_STARTED, now.isoformat())
        return self.get_response(request)


class RequireStaffMFAMiddleware:
    """Clinicians, editors and admins must pass TOTP before anything but sign-in and enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        needs_mfa = user is not None and user.is_authenticated and user.requires_mfa and not user.is_verified()
        if needs_mfa and not self._exempt(request):
            from django_otp import devices_for_user

            has_device = any(True for _d in devices_for_user(user, confirmed=True))
            target = "portal:mfa_verify" if has_device else "portal:mfa_setup"
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": "Two-step verification required."}, status=403)
            return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return True
        match = getattr(request, "resolver_match", None)
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return True
        return match.view_name in MFA_EXEMPT_URL_NAMES
