"""Unlock by email for families: a locked family account asks for a link, opens it, and may sign in again.

Every request gets the same "check your email" page, whether the email is unknown, belongs to staff
(an admin unlocks them), is not locked, or is over its request limit: a link is only sent to an
active, locked family account. The link is signed, valid UNLOCK_LINK_VALIDITY, and only for the
lockout it was made for (portal.lockout.unlock_token). Opening it shows a button: the lock is lifted
by a POST, so a mail scanner fetching the link changes nothing. The email names no child and no
health detail. Every step is audited (lockout rows, detail "unlock ...").
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from portal import lockout
from portal.accounts.sign_in import normalise_email
from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose


class UnlockRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


@never_cache
def unlock_request(request):
    form = UnlockRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = normalise_email(form.cleaned_data["email"])
        allowed = lockout.unlock_request_allowed(request, email)
        user = lockout.unlockable_family(email) if allowed else None
        if not allowed:
            detail = "unlock requested: rate limited"
        elif user is None:
            detail = "unlock requested: nothing sent"
        else:
            detail = "unlock requested: link sent"
        audit.record(None, AuditAction.LOCKOUT, user_email=email, purpose=AuditPurpose.SYSTEM, detail=detail)
        if user is not None:
            _send_link(request, user)
        return HttpResponseRedirect(reverse("portal:unlock_sent"))
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/unlock_request.html", {"form": form}, status=status)


def _send_link(request, user) -> None:
    link = request.build_absolute_uri(reverse("portal:unlock_confirm", kwargs={"token": lockout.unlock_token(user)}))
    minutes = max(1, round(settings.UNLOCK_LINK_VALIDITY.total_seconds() / 60))
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {"link": link, "minutes": minutes}
        subject = render_to_string("portal/unlock_subject.txt", context).strip()
        body = render_to_string("portal/unlock_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@never_cache
def unlock_sent(request):
    return render(request, "portal/unlock_sent.html")


@never_cache
def unlock_confirm(request, token: str):
    user = lockout.user_for_unlock_token(token)
    if user is None:
        if request.method == "POST":
            audit.record(None, AuditAction.LOCKOUT, purpose=AuditPurpose.SYSTEM, detail="unlock link refused")
        return render(request, "portal/unlock_confirm.html", {"valid": False}, status=400)
    if request.method == "POST":
        axes_reset(username=normalise_email(user.email))
        audit.record(user, AuditAction.LOCKOUT, purpose=AuditPurpose.SYSTEM, detail="unlocked by email link")
        return render(request, "portal/unlock_confirm.html", {"valid": True, "done": True})
    return render(request, "portal/unlock_confirm.html", {"valid": True, "done": False})
