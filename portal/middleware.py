"""Request-wide guards: audit context, idle and absolute session timeouts, two-step verification."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.sign_in import (
    SESSION_LAST_SEEN,
    SESSION_STARTED,
    has_authenticator,
    idle_timeout_for,
    needs_second_step,
)
from portal.api.exceptions import problem_json
from portal.care import access, audit
from portal.care.models import AuditAction

# Pages a signed-in user may reach before the second step: sign-in, enrolment, sign-out.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "portal:login",
        "portal:logout",
        "portal:mfa_setup",
        "portal:mfa_verify",
        "healthz",
        "set_language",
        # A passkey used as the second step, and the library's translations for its script.
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }
)
MFA_EXEMPT_PREFIXES = ("/static/",)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def login_redirect(request) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")


class AuditContextMiddleware:
    """Make the request's IP, user agent and path available to portal.care.audit.record(), and give the
    request its own memo of access decisions (portal.care.access.decide), dropped when it ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request_context(audit.context_from_request(request))
        decisions = access.start_request_decisions()
        try:
            return self.get_response(request)
        finally:
            access.end_request_decisions(decisions)
            audit.reset_request_context(token)


LAST_SEEN_WRITE_INTERVAL = timedelta(seconds=30)


class SessionTimeoutMiddleware:
    """Automatic logoff (HIPAA §164.312(a)(2)(iii)): after the audience's idle time, and after an
    absolute lifetime however active the session is. Pages redirect to sign-in; the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            reason = self._expired(request, user, now)
            if reason:
                return self._sign_out(request, user, reason)
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if not last_seen or now - datetime.fromisoformat(last_seen) >= LAST_SEEN_WRITE_INTERVAL:
                # Not on every request: each write is an UPDATE of the session row, and an idle
                # timeout of minutes does not need the last click to the second.
                request.session[SESSION_LAST_SEEN] = now.isoformat()
            request.session.setdefault(SESSION_STARTED, now.isoformat())
        return self.get_response(request)

    @staticmethod
    def _expired(request, user, now) -> str:
        last_seen = request.session.get(SESSION_LAST_SEEN)
        started = request.session.get(SESSION_STARTED)
        if started and now - datetime.fromisoformat(started) > settings.SESSION_ABSOLUTE_LIFETIME:
            return "lifetime"
        if last_seen and now - datetime.fromisoformat(last_seen) > idle_timeout_for(user):
            return "idle"
        return ""

    @staticmethod
    def _sign_out(request, user, reason: str):
        audit.record(user, AuditAction.TIMEOUT, detail=reason)
        request.portal_timed_out = True  # tells the logout signal not to record a plain sign-out too
        logout(request)
        if is_api(request):
            return problem_json(401, _("Your session has expired. Please sign in again."), code="session_expired")
        if reason == "idle":
            messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
        else:
            messages.info(request, _("For your security, sessions end after a few hours. Please sign in again."))
        return login_redirect(request)


class RequireMFAMiddleware:
    """Clinicians, editors and admins, and anyone who turned two-step verification on, must pass it
    before any page but sign-in, enrolment and sign-out. Covers /admin/ and the API too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and needs_second_step(user) and not self._exempt(request):
            if is_api(request):
                return problem_json(403, _("Two-step verification required."), code="mfa_required")
            target = "portal:mfa_verify" if has_authenticator(user) else "portal:mfa_setup"
            return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.path})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 page reveals nothing
        return match.view_name in MFA_EXEMPT_URL_NAMES
