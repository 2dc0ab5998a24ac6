"""A clinician signs in, sorts and filters the worklist in Chromium, and opens a child; axe-core finds
no WCAG 2.1 AA violation on the worklist at desktop or phone width, and the phone page does not
scroll sideways."""

import pytest

from portal.services import demo_data
from tests.browser.test_accessibility import AXE, WCAG_AA, seed, staff_sign_in, summary


def column(page, label: str) -> list[str]:
    return [cell.inner_text().strip() for cell in page.locator(f'tbody td[data-label="{label}"]').all()]


def test_clinician_sorts_filters_and_opens_a_child(transactional_db, page):
    seed()
    staff_sign_in(page, demo_data.CLINICIAN_EMAIL)
    page.wait_for_url("**/patients/")
    assert page.get_by_role("heading", level=1).inner_text() == "My patients"
    assert page.locator("tbody tr").count() >= 2

    header = page.get_by_role("columnheader", name="Overdue follow-ups")
    header.get_by_role("link").click()
    page.wait_for_url("**sort=overdue**")
    assert page.get_by_role("columnheader", name="Overdue follow-ups").get_attribute("aria-sort") == "ascending"
    page.get_by_role("columnheader", name="Overdue follow-ups").get_by_role("link").click()
    page.wait_for_url("**sort=-overdue**")
    assert page.get_by_role("columnheader", name="Overdue follow-ups").get_attribute("aria-sort") == "descending"
    counts = [int(text.removeprefix("! ")) for text in column(page, "Overdue follow-ups")]
    assert counts == sorted(counts, reverse=True)

    page.get_by_label("Status").select_option(label="On therapy")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**status=on_therapy**")
    statuses = column(page, "Status")
    assert statuses and set(statuses) == {"On therapy"}
    assert page.get_by_label("Sort by").input_value() == "-overdue"  # the sort survives the filter

    first = page.locator("tbody th a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/patients/*/")
    family_name = name.split(",")[0]
    assert family_name in page.get_by_role("heading", level=1).inner_text()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}])
def test_worklist_is_accessible_and_fits_a_phone(transactional_db, chromium_browser, live_server, viewport):
    seed()
    context = chromium_browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    staff_sign_in(page, demo_data.CLINICIAN_EMAIL)
    page.goto("/patients/?sort=-next")
    page.wait_for_load_state("load")
    assert page.locator("tbody tr").count() >= 2
    violations = AXE.run(page, options=WCAG_AA).response["violations"]
    wider = page.evaluate("document.documentElement.scrollWidth") > viewport["width"]
    context.close()
    assert not violations, summary("/patients/", violations)
    assert not wider
