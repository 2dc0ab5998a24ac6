"""A clinician signs in with the real form in Chromium, types a TOTP code, and reaches the patient list."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, PatientFactory


def test_clinician_passes_two_step_verification_and_sees_patient_list(transactional_db, page):
    membership = CareTeamMembershipFactory(patient=PatientFactory(given_name="Lena", family_name="Marsh"))
    device = TOTPDevice.objects.create(user=membership.clinician, name="Authenticator app", confirmed=True)

    sign_in(page, membership.clinician.email)
    page.wait_for_url("**/accounts/mfa/verify/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-step verification"

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url("**/patients/")
    assert page.get_by_role("heading", level=1).inner_text() == "My patients"
    assert "Lena" in page.content()


def test_clinician_without_an_app_is_sent_to_enrolment(transactional_db, page):
    membership = CareTeamMembershipFactory()
    sign_in(page, membership.clinician.email)
    page.wait_for_url("**/accounts/mfa/setup/**")
    assert page.locator("figure.qr svg").is_visible()
    page.goto("/patients/")
    assert "/accounts/mfa/setup/" in page.url
