"""Passkeys (WebAuthn, django-otp-webauthn): add and remove on the Security page, use at the second
step, and, for families only, sign in with a passkey alone ("Sign in with a passkey").

A passkey used without a password proves possession and the person (user verification), which is
enough for a family account. Staff must still type their password and then pass a second step: a
staff passkey presented without a password is refused before anyone is signed in, and audited.

The library's ceremony views are used as they are, with our account events added (so adding a
passkey and signing in with one are audited like the authenticator app) and a fresh session id
after the second step, as after a code. Its script is served as a static file and its
configuration travels in a JSON data block, so the strict CSP holds (no inline script or style).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts.events import AccountEvent, announce
from portal.accounts.sign_in import SESSION_MFA_FAILURES, apply_language, may_sign_in_without_password
from portal.care import audit
from portal.care.models import AuditAction


class PasswordRequired(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "password_required"
    default_detail = gettext_lazy(
        "This account signs in with its password first. Then you can use your passkey as the second step."
    )


class CompleteRegistration(webauthn.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        device = WebAuthnCredential.objects.filter(user=self.request.user).order_by("-pk").first()
        announce(self.request.user, AccountEvent.MFA_ENROLLED, obj=device, detail="passkey added")
        return response


class CompleteAuthentication(webauthn.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        passwordless = not self.request.user.is_authenticated
        if passwordless and not may_sign_in_without_password(device.user):
            # A failed sign-in, not a wrong second-step code: it does not count towards the MFA lockout.
            audit.record(device.user, AuditAction.LOGIN_FAILED, obj=device, detail="passkey without password refused")
            raise PasswordRequired()
        super().complete_auth(device)  # signs a family in (passwordless), then marks the second step
        announce(
            device.user, AccountEvent.MFA_VERIFIED, obj=device, detail="passkey sign-in" if passwordless else "passkey"
        )
        self.request.session.pop(SESSION_MFA_FAILURES, None)
        self.request.session.cycle_key()  # a new session id once fully signed in

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:  # the same language switch as after a password sign-in
            apply_language(response, self.request.user.preferred_language)
        return response


@never_cache
@require_POST
@login_required
def remove_passkey(request, passkey_id: int):
    passkey = get_object_or_404(WebAuthnCredential, pk=passkey_id, user=request.user)
    passkey.delete()
    announce(request.user, AccountEvent.MFA_ENROLLED, detail="passkey removed")
    messages.success(request, _("The passkey has been removed."))
    return redirect("portal:security")
