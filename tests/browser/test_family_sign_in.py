"""A parent signs in with the real form in Chromium and lands on their own child's page."""

from tests.browser.conftest import sign_in
from tests.factories import FamilyLinkFactory, PatientFactory


def test_parent_signs_in_and_sees_only_own_child(transactional_db, phone_page):
    link = FamilyLinkFactory(patient=PatientFactory(given_name="Mila", family_name="Okafor"))
    PatientFactory(given_name="Other", family_name="Child")
    sign_in(phone_page, link.user.email)
    phone_page.wait_for_url(f"**/family/children/{link.patient_id}/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Mila Okafor"
    assert "Other Child" not in phone_page.content()


def test_wrong_password_shows_error_and_stays_signed_out(transactional_db, page):
    link = FamilyLinkFactory()
    sign_in(page, link.user.email, password="not-the-password")
    assert page.get_by_role("alert").is_visible()
    assert "/accounts/login/" in page.url
