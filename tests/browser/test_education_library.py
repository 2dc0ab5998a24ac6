"""A parent on a phone searches the education library, opens a page and adds a question for the next visit."""

from education.content_loader import load_content
from tests.browser.conftest import sign_in
from tests.factories import FamilyLinkFactory, PatientFactory


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_family_searches_library_on_a_phone(transactional_db, phone_page):
    load_content()
    link = FamilyLinkFactory(patient=PatientFactory(given_name="Mila", family_name="Okafor"))
    sign_in(phone_page, link.user.email)
    phone_page.wait_for_url(f"**/family/children/{link.patient_id}/")

    phone_page.goto("/learn/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Learn about ALL"
    assert _no_sideways_scroll(phone_page)
    search = phone_page.get_by_label("Search the library")
    search.fill("spinal tap")
    search.press("Enter")
    phone_page.wait_for_url("**/learn/?q=spinal+tap")
    results = phone_page.locator("ul.results > li > a")
    assert results.first.inner_text() == "Lumbar puncture (spinal tap)"
    assert _no_sideways_scroll(phone_page)

    results.first.click()
    phone_page.wait_for_url("**/learn/en/lumbar-puncture/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Lumbar puncture (spinal tap)"
    assert phone_page.get_by_text("Reviewed: October 2026").is_visible()
    assert _no_sideways_scroll(phone_page)

    # Keyboard users reach the search box and the print view too.
    phone_page.get_by_role("link", name="Print-friendly version").click()
    phone_page.wait_for_url("**/learn/en/lumbar-puncture/print/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Lumbar puncture (spinal tap)"


def test_family_adds_a_question_for_the_next_visit(transactional_db, phone_page):
    load_content()
    link = FamilyLinkFactory(patient=PatientFactory(given_name="Mila", family_name="Okafor"))
    sign_in(phone_page, link.user.email)
    phone_page.wait_for_url(f"**/family/children/{link.patient_id}/")
    phone_page.goto(f"/family/children/{link.patient_id}/questions/")
    phone_page.get_by_label("Your question").fill("Can Mila go to her cousin's party?")
    phone_page.get_by_role("button", name="Add my question").click()
    phone_page.get_by_text("Question added to your list.").wait_for()
    mine = phone_page.locator("li", has_text="Can Mila go to her cousin's party?")
    assert mine.get_by_role("button", name="Mark as answered").is_visible()
    assert _no_sideways_scroll(phone_page)
