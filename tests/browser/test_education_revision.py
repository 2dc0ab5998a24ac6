"""An editor revises a published page in Chromium while a parent on a phone keeps reading the approved text."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from education.models import Page
from tests.browser.conftest import sign_in
from tests.education.factories import PageFactory
from tests.factories import EditorFactory, FamilyLinkFactory

OLD = "Wash your hands before touching the line."
NEW = "Wash your hands and wear a mask."


def _verified_editor(page):
    editor = EditorFactory()
    device = TOTPDevice.objects.create(user=editor, name="Authenticator app", confirmed=True)
    sign_in(page, editor.email)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/editor/")


def test_editor_revises_while_family_keeps_the_published_text(transactional_db, page, phone_page):
    live = PageFactory(title="Central line care", slug="central-line-care", body=OLD)
    _verified_editor(page)
    page.goto(f"/editor/pages/{live.pk}/")
    page.get_by_role("button", name="Start a revision (families keep seeing this version)").click()
    page.wait_for_url(f"**/editor/pages/{live.pk}/revision/edit/")
    page.get_by_label("Body (Markdown)").fill(NEW)
    page.get_by_role("button", name="Save revision").click()
    page.wait_for_url(f"**/editor/pages/{live.pk}/")
    assert page.get_by_role("heading", name="Pending revision").is_visible()
    assert NEW in page.locator("section.preview").inner_text()
    page.get_by_role("button", name="Submit revision for review").click()
    page.wait_for_url(f"**/editor/pages/{live.pk}/")
    assert page.get_by_text("Revision submitted for review.").is_visible()

    link = FamilyLinkFactory()
    sign_in(phone_page, link.user.email)
    phone_page.wait_for_url(f"**/family/children/{link.patient_id}/")
    phone_page.goto("/learn/en/central-line-care/")
    body = phone_page.locator("main").inner_text()
    assert OLD in body and NEW not in body
    assert Page.objects.get(pk=live.pk).body == OLD
