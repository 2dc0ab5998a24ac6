"""A person's own account: settings (name, phone, language) and Security (two-step, sign-ins,
personal API tokens: made by staff after two-step verification in this session, shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.account_selectors import recent_account_events
from portal.accounts import api_tokens, mfa
from portal.accounts import services as accounts
from portal.accounts.forms import AccountSettingsForm, ApiTokenForm, ConfirmPasswordForm
from portal.accounts.models import User
from portal.accounts.sign_in import apply_language, has_authenticator, mfa_optional_for
from portal.forms import add_validation_errors


@never_cache
@login_required
def account_settings(request):
    user = request.user
    # The form validates against its own copy, so `user` keeps the saved values until the service runs.
    form = AccountSettingsForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        try:
            accounts.update_account(user, form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            language = user.preferred_language
            with translation.override(language):
                messages.success(request, _("Your settings have been saved."))
            return apply_language(redirect("portal:account"), language)
    return render(request, "portal/account_settings.html", {"form": form})


def session_verified(request) -> bool:
    """django-otp's OTPMiddleware marks a user verified once they passed a device in this session."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def security_context(request, *, disable_form=None, token_form=None) -> dict:
    user = request.user
    return {
        "mfa_enabled": has_authenticator(user),
        "mfa_optional": mfa_optional_for(user),
        "recovery_codes_left": mfa.recovery_codes_left(user),
        "events": recent_account_events(user),
        "disable_form": disable_form or ConfirmPasswordForm(user),
        "passkeys": mfa.passkeys(user),
        "api_tokens_offered": user.role in api_tokens.TOKEN_ROLES,
        "api_tokens_allowed": api_tokens.may_create_tokens(user, verified=session_verified(request)),
        "api_tokens": list(api_tokens.tokens_of(user)),
        "token_form": token_form or ApiTokenForm(),
    }


@never_cache
@login_required
def security(request):
    return render(request, "portal/security.html", security_context(request))


@never_cache
@require_POST
@login_required
def regenerate_recovery_codes(request):
    if not has_authenticator(request.user):
        return redirect("portal:mfa_setup")
    codes = mfa.regenerate_recovery_codes(request.user)
    return render(request, "portal/mfa_recovery_codes.html", {"codes": codes, "next": reverse("portal:security")})


@never_cache
@require_POST
@login_required
def disable_mfa(request):
    """Families may turn two-step verification off again, after re-entering their password."""
    user = request.user
    if not mfa_optional_for(user):
        raise PermissionDenied
    form = ConfirmPasswordForm(user, request.POST)
    if not form.is_valid():
        return render(request, "portal/security.html", security_context(request, disable_form=form), status=400)
    mfa.disable(user)
    messages.success(request, _("Two-step verification is off."))
    return redirect("portal:security")


@never_cache
@require_POST
@login_required
def create_api_token(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/security.html", security_context(request, token_form=form), status=400)
    try:
        issued = api_tokens.create_token(
            request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            verified=session_verified(request),
        )
    except api_tokens.TokenRefused:
        form.add_error(None, _("Only staff who have passed two-step verification in this session can make a token."))
        return render(request, "portal/security.html", security_context(request, token_form=form), status=403)
    return render(request, "portal/api_token_created.html", {"issued": issued})


@never_cache
@require_POST
@login_required
def revoke_api_token(request, token_id: int):
    if api_tokens.revoke_token(request.user, token_id):
        messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("portal:security")
