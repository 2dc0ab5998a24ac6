"""Sign-in, sign-out, password reset and change, and the second step (TOTP or a recovery code).

Failed passwords and lockouts are counted by django-axes (AxesStandaloneBackend + middleware)
and audited by portal.care.account_events. Wrong second-step codes are limited per sign-in here: after
MFA_MAX_FAILURES the session ends and the attempt is audited as a lockout; and per account across
sessions (MFA_ACCOUNT_FAILURE_LIMIT within MFA_ACCOUNT_FAILURE_WINDOW, portal.lockout): beyond it no
code is even checked, the session ends and the refusal is audited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from portal import lockout
from portal.accounts import mfa
from portal.accounts.forms import EmailAuthenticationForm, LocalisedPasswordResetForm, TokenForm
from portal.accounts.sign_in import SESSION_MFA_FAILURES, apply_language, has_authenticator, normalise_email
from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose
from portal.lockout import password_reset_allowed


class SignInView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        return apply_language(response, form.get_user().preferred_language)


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache
def admin_login(request):
    """The Django admin signs in through our page (email, lockout, two-step), never its own form."""
    target = _safe_next(request, default=reverse("admin:index"))
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return HttpResponseRedirect(target)
        raise PermissionDenied  # signed in but not staff: the admin would send them round in a loop
    return HttpResponseRedirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a page saying for how long, status 429.

    The cool-off shown is the account's current one (it grows with further failures); unknown emails
    are counted alike, so the page reveals nothing.
    """
    minutes = max(1, round(lockout.cool_off(request, credentials).total_seconds() / 60))
    return render(request, "portal/locked_out.html", {"minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE)


# --- Password reset and change ---------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The email names no child and no health detail, only the link."""

    form_class = LocalisedPasswordResetForm
    template_name = "portal/password_reset_form.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    @property
    def extra_email_context(self):
        return {"valid_hours": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 3600))}

    def form_valid(self, form):
        email = normalise_email(form.cleaned_data["email"])
        allowed = password_reset_allowed(self.request, email)
        audit.record(
            None,
            AuditAction.PASSWORD_RESET,
            user_email=email,
            purpose=AuditPurpose.SYSTEM,
            detail="requested" if allowed else "rate limited",
        )
        if not allowed:  # The same "check your email" page, and no email.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        # Proving control of the mailbox lifts a sign-in lockout; two-step verification still applies.
        axes_reset(username=user.email)
        audit.record(user, AuditAction.PASSWORD_RESET, detail="completed")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change_form.html"
    success_url = reverse_lazy("portal:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.request.user, AuditAction.PASSWORD_RESET, detail="changed")
        messages.success(self.request, _("Your password has been changed."))
        return response


# --- Two-step verification -----------------------------------------------------------------------------


def _safe_next(request, default: str | None = None) -> str:
    default = default or reverse("portal:home")
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _count_failure(request):
    """One more wrong code in this sign-in; past the limit (this sign-in's or the account's), end the session.

    Returns a response then.
    """
    failures = request.session.get(SESSION_MFA_FAILURES, 0) + 1
    request.session[SESSION_MFA_FAILURES] = failures
    if failures >= settings.MFA_MAX_FAILURES:
        return _sign_out_after_codes(request, "too many wrong two-step codes")
    if lockout.mfa_account_locked(request.user):
        return _sign_out_after_codes(request, "too many wrong two-step codes for this account", account=True)
    return None


def _sign_out_after_codes(request, detail: str, *, account: bool = False):
    audit.record(request.user, AuditAction.LOCKOUT, detail=detail)
    logout(request)
    if account:
        text = _(
            "Too many wrong codes for this account. For your security you have been signed out. "
            "Please wait %(minutes)d minutes before you try again."
        ) % {"minutes": max(1, round(settings.MFA_ACCOUNT_FAILURE_WINDOW.total_seconds() / 60))}
    else:
        text = _("Too many wrong codes. For your security you have been signed out. Please sign in again.")
    messages.error(request, text)
    return redirect(settings.LOGIN_URL)


def _passed(request, device) -> None:
    otp_login(request, device)
    request.session.pop(SESSION_MFA_FAILURES, None)
    request.session.cycle_key()  # a new session id once fully signed in


@never_cache
@login_required
def mfa_setup(request):
    """Enrol an authenticator app: scan, confirm one code, then keep the recovery codes shown once.

    Replacing an existing app needs the current second step first.
    """
    user = request.user
    if has_authenticator(user) and not user.is_verified():
        return redirect(f"{reverse('portal:mfa_verify')}?{urlencode({'next': request.get_full_path()})}")
    device = mfa.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.confirm_enrolment(user, device, form.cleaned_data["token"])
        if codes is not None:
            _passed(request, device)
            context = {"codes": codes, "next": _safe_next(request), "first_time": True}
            return render(request, "portal/mfa_recovery_codes.html", context)
        if (locked := _count_failure(request)) is not None:
            return locked
        form.add_error("token", _("That code did not match. Check the time on your phone and try the newest code."))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": mfa.readable_key(device),
        "next": _safe_next(request),
        "replacing": has_authenticator(user),
    }
    return render(request, "portal/mfa_setup.html", context)


def _qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no script, no style attribute: fits the strict CSP)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def mfa_verify(request):
    """Second step of sign-in: a code from the app, or a one-time recovery code."""
    user = request.user
    if not has_authenticator(user):
        return redirect(f"{reverse('portal:mfa_setup')}?{urlencode({'next': _safe_next(request)})}")
    if user.is_verified():
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and lockout.mfa_account_locked(user):
        # Too many wrong codes for this account lately, over all its sessions: check no code at all.
        return _sign_out_after_codes(request, "code refused: too many wrong codes for this account", account=True)
    if request.method == "POST" and form.is_valid():
        result = mfa.check_code(user, form.cleaned_data["token"])
        if result.device is not None:
            _passed(request, result.device)
            if result.recovery_code:
                messages.warning(
                    request,
                    _("You used a recovery code. Each code works only once; make new codes on the Security page."),
                )
            return redirect(_safe_next(request))
        if (locked := _count_failure(request)) is not None:
            return locked
        if result.throttled:
            form.add_error("token", _("Too many wrong codes in a row. Wait a minute, then try the newest code."))
        else:
            form.add_error("token", _("That code did not work. Try the newest code from your app, or a recovery code."))
    context = {"form": form, "next": _safe_next(request), "has_passkey": mfa.has_passkey(user)}
    return render(request, "portal/mfa_verify.html", context)
