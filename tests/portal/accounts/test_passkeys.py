"""Passkeys (django-otp-webauthn): offered on the Security page and at the second step, CSP-clean.

Server side only: the WebAuthn ceremony itself needs an authenticator (a browser test with a
virtual authenticator is the next step; see the report of issue 13, point 6).
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
