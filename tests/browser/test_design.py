"""The design system on a phone and a desktop: the header's menu works without JavaScript, the header
stays small, no page scrolls sideways at 375 px for any role, and the 404 page passes axe-core."""

import pytest
from playwright.sync_api import expect

from education.models import Page
from patients.models import TimelineEntry
from portal.services import demo_data
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AXE, PASSWORD, WCAG_AA, seed, staff_sign_in, summary

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(chromium_browser, live_server):
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def sideways(page, urls) -> list[str]:
    wide = []
    for url in urls:
        response = page.goto(url)
        assert response.status < 500, url
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append(f"{url}: {width} px")
    return wide


def test_phone_menu_opens_without_javascript_and_the_header_is_compact(transactional_db, phone):
    child = seed()["child"]
    sign_in(phone, demo_data.FAMILY_EMAIL, PASSWORD)
    phone.wait_for_url(f"**/family/children/{child.pk}/")
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] <= 0.1 * PHONE["height"], header  # was a fifth of the screen
    learn = phone.get_by_role("link", name="Learn", exact=True)
    expect(learn).to_be_hidden()
    phone.locator(".site-menu > summary").click()  # a <details>: no script involved (JavaScript is off)
    expect(learn).to_be_visible()
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    expect(phone.get_by_label("Language")).to_be_visible()
    learn.click()
    phone.wait_for_url("**/learn/")
    expect(phone.get_by_role("link", name="Learn", exact=True)).to_be_hidden()  # a new page starts with the menu closed


def test_desktop_shows_the_navigation_without_a_menu_button(transactional_db, page):
    child = seed()["child"]
    sign_in(page, demo_data.FAMILY_EMAIL, PASSWORD)
    page.wait_for_url(f"**/family/children/{child.pk}/")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.get_by_role("link", name="Learn", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_no_page_scrolls_sideways_at_375px_for_any_role(transactional_db, chromium_browser, live_server, phone):
    data = seed()
    child, edu = data["child"], data["page"]
    wide = sideways(phone, ["/accounts/login/", "/no-such-page/"])
    sign_in(phone, demo_data.FAMILY_EMAIL, PASSWORD)
    phone.wait_for_url(f"**/family/children/{child.pk}/")
    wide += sideways(
        phone,
        [
            "/family/",
            f"/family/children/{child.pk}/",
            f"/family/children/{child.pk}/follow-ups/",
            f"/family/children/{child.pk}/questions/",
            f"/family/children/{child.pk}/access-log/",
            "/learn/",
            f"/learn/{edu.language}/{edu.slug}/",
            "/accounts/settings/",
            "/account/reminders/",
            "/notifications/",
        ],
    )
    for email, urls in (
        (
            demo_data.CLINICIAN_EMAIL,
            [
                "/patients/",
                f"/patients/{child.pk}/",
                f"/patients/{child.pk}/timeline/",
                f"/patients/{child.pk}/care-plan/",
                f"/patients/{child.pk}/treatment-summary/",
                f"/patients/{child.pk}/timeline/new/chemo/",
                f"/patients/{child.pk}/timeline/{TimelineEntry.objects.filter(patient=child).first().pk}/delete/",
                f"/patients/{child.pk}/family-questions/",
                "/accounts/security/",
            ],
        ),
        (demo_data.EDITOR_EMAIL, ["/editor/", f"/editor/pages/{Page.objects.first().pk}/", "/learn/"]),
        (demo_data.ADMIN_EMAIL, ["/admin/", "/notifications/", "/accounts/settings/"]),
    ):
        context = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
        staff = context.new_page()
        staff_sign_in(staff, email)
        wide += sideways(staff, urls)
        context.close()
    assert not wide, "pages wider than the phone:\n" + "\n".join(wide)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_404_page_has_no_wcag_violations(transactional_db, page, chromium_browser, live_server, viewport):
    context = None
    if viewport == "phone":  # axe needs JavaScript, so this phone has it on
        context = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
        page = context.new_page()
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "We can't find that page"
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    violations = AXE.run(page, options=WCAG_AA).response["violations"]
    if context is not None:
        context.close()
    assert not violations, summary("/no-such-page/", violations)
