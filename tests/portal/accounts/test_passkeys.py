"""Passkeys (django-otp-webauthn): offered on the Security page, at the second step and (families
only) on the sign-in page, CSP-clean.

Server side: the signature check is stubbed here; tests/browser/test_passkeys.py runs the whole
ceremony in Chromium with a virtual authenticator.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from portal.accounts.sign_in import has_authenticator
from portal.care.models import AuditEvent
from tests.conftest import signed_in_client
from tests.portal.accounts.sign_in_helpers import enrolled_device, post_sign_in

pytestmark = pytest.mark.django_db


def passkey(user) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user,
        name="Laptop",
        confirmed=True,
        credential_id=f"credential-{user.pk}".encode(),
        public_key=b"\x04",
        sign_count=0,
    )


def test_security_page_offers_passkeys_with_static_script_only(clinician):
    page = signed_in_client(clinician).get(reverse("portal:security")).content.decode()
    assert 'id="passkey-register-button"' in page
    assert "django_otp_webauthn/otp_webauthn_register.js" in page
    assert 'type="application/json"' in page  # the configuration is data, not script
    import re

    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_a_passkey_counts_as_an_authenticator_and_is_offered_at_the_second_step(clinician):
    enrolled_device(clinician)
    passkey(clinician)
    assert has_authenticator(clinician)
    client = Client()
    post_sign_in(client, clinician.email)
    page = client.get(reverse("portal:mfa_verify")).content.decode()
    assert 'id="passkey-verification-button"' in page
    # The ceremony's first step is reachable before the second step is passed.
    response = client.post(reverse("otp_webauthn:credential-authentication-begin"))
    assert response.status_code == 200 and "challenge" in response.json()


def test_registration_needs_the_second_step_first(clinician):
    enrolled_device(clinician)
    unverified = signed_in_client(clinician, verified=False)
    assert unverified.post(reverse("otp_webauthn:credential-registration-begin")).status_code in (302, 403)
    verified = signed_in_client(clinician)
    response = verified.post(reverse("otp_webauthn:credential-registration-begin"))
    assert response.status_code == 200 and "challenge" in response.json()


def test_sign_in_page_offers_a_passkey_with_static_script_only(client):
    import re

    page = client.get(reverse("portal:login")).content.decode()
    assert 'id="passkey-verification-button"' in page
    assert "django_otp_webauthn/otp_webauthn_auth.js" in page
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def passwordless(client: Client, device: WebAuthnCredential, monkeypatch):
    """Both ceremony steps without a password, the authenticator's signature check stubbed out."""
    from django_otp_webauthn.helpers import WebAuthnHelper

    monkeypatch.setattr(WebAuthnHelper, "authenticate_complete", lambda self, **kw: device)
    assert client.post(reverse("otp_webauthn:credential-authentication-begin")).status_code == 200
    return client.post(
        reverse("otp_webauthn:credential-authentication-complete"), "{}", content_type="application/json"
    )


def test_a_family_member_signs_in_with_a_passkey_alone(family_user, monkeypatch):
    client = Client()
    response = passwordless(client, passkey(family_user), monkeypatch)
    assert response.status_code == 200 and response.json()["redirect_url"]
    assert int(client.session["_auth_user_id"]) == family_user.pk
    assert client.session.get("otp_device_id")  # the passkey also counts as the second step
    assert AuditEvent.objects.filter(user=family_user, action="login").exists()
    assert AuditEvent.objects.filter(user=family_user, detail="passkey sign-in").exists()


def test_staff_cannot_skip_the_password_with_a_passkey(clinician, monkeypatch):
    client = Client()
    response = passwordless(client, passkey(clinician), monkeypatch)
    assert response.status_code == 403 and response.json()["code"] == "password_required"
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:home")).status_code == 302  # still signed out
    refused = AuditEvent.objects.get(user=clinician, detail="passkey without password refused")
    assert refused.action == "login_failed"
    assert not AuditEvent.objects.filter(user=clinician, action="login").exists()


def test_passkey_removal_is_own_only_and_audited(clinician, family_user):
    mine = passkey(clinician)
    theirs = passkey(family_user)
    client = signed_in_client(clinician)
    assert client.post(reverse("portal:passkey_remove", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal:passkey_remove", args=[mine.pk])).url == reverse("portal:security")
    assert not WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()
    assert AuditEvent.objects.filter(user=clinician, detail="passkey removed").exists()


def test_admin_reset_removes_passkeys(site_admin, clinician):
    from portal.accounts import services

    passkey(clinician)
    services.reset_mfa(site_admin, [clinician])
    assert not WebAuthnCredential.objects.filter(user=clinician).exists()
