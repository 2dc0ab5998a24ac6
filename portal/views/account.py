"""A person's own account: settings (name, phone, language) and Security (two-step, sign-ins)."""

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
from portal.accounts import mfa
from portal.accounts import services as accounts
from portal.accounts.forms import AccountSettingsForm, ConfirmPasswordForm
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


@never_cache
@login_required
def security(request):
    user = request.user
    context = {
        "mfa_enabled": has_authenticator(user),
        "mfa_optional": mfa_optional_for(user),
        "recovery_codes_left": mfa.recovery_codes_left(user),
        "events": recent_account_events(user),
        "disable_form": ConfirmPasswordForm(user),
        "passkeys": mfa.passkeys(user),
    }
    return render(request, "portal/security.html", context)


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
        context = {
            "mfa_enabled": has_authenticator(user),
            "mfa_optional": True,
            "recovery_codes_left": mfa.recovery_codes_left(user),
            "events": recent_account_events(user),
            "disable_form": form,
            "passkeys": mfa.passkeys(user),
        }
        return render(request, "portal/security.html", context, status=400)
    mfa.disable(user)
    messages.success(request, _("Two-step verification is off."))
    return redirect("portal:security")
