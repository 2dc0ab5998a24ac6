"""Passkeys end to end in Chromium, with a virtual authenticator (Chrome DevTools Protocol).

A clinician adds a passkey on the Security page and then uses it as the second step after the
password; a parent adds one and signs in with it alone; a clinician who tries the passkey without
the password is not signed in. WebAuthn needs a secure context: the live server is addressed as
http://localhost, which browsers treat as one, and the allowed origin follows its port.
"""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.portal.accounts.sign_in_helpers import current_code, enrolled_device


@pytest.fixture
def authenticator(page, settings, live_server):
    """A platform authenticator with resident keys that verifies the user (fingerprint) at once."""
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator_id = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return cdp, authenticator_id


def add_passkey(page) -> None:
    page.goto("/accounts/security/")
    page.get_by_role("button", name="Add a passkey").click()
    page.locator(".passkeys li").first.wait_for()  # the page reloads with the new passkey listed


def sign_out(page) -> None:
    """Forget the session. Requests still in flight (the reload after registering) would set the
    session cookie again after the clear (the session is saved on every request), so settle first."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto("/accounts/login/")


def test_clinician_adds_a_passkey_and_uses_it_after_the_password(transactional_db, page, authenticator):
    cdp, authenticator_id = authenticator
    membership = CareTeamMembershipFactory(patient=PatientFactory(given_name="Lena", family_name="Marsh"))
    clinician = membership.clinician
    device = enrolled_device(clinician)
    sign_in(page, clinician.email)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/patients/")

    add_passkey(page)
    assert WebAuthnCredential.objects.filter(user=clinician, confirmed=True).count() == 1
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    sign_out(page)
    sign_in(page, clinician.email)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url("**/patients/")
    assert page.get_by_role("heading", level=1).inner_text() == "My patients"
    assert "Lena" in page.content()

    # Without the password the same passkey signs nobody in.
    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    status = page.locator("#passkey-verification-status-message")
    status.filter(has_text="signs in with its password first").wait_for()
    page.goto("/patients/")
    assert "/accounts/login/" in page.url


def test_parent_adds_a_passkey_and_signs_in_with_it_alone(transactional_db, page, authenticator):
    link = FamilyLinkFactory(patient=PatientFactory(given_name="Mila", family_name="Okafor"))
    sign_in(page, link.user.email)
    page.wait_for_url(f"**/family/children/{link.patient_id}/")

    add_passkey(page)
    assert WebAuthnCredential.objects.filter(user=link.user, confirmed=True).count() == 1

    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"**/family/children/{link.patient_id}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mila Okafor"
