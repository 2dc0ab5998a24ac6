"""A parent on a phone sees the released timeline entries of their child, in plain words, and nothing else."""

import itertools
from datetime import date

from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import add_entry


def test_parent_sees_released_timeline_on_phone(transactional_db, phone_page):
    child = PatientFactory(given_name="Ana", family_name="Reyes")
    clinician = CareTeamMembershipFactory(patient=child).clinician
    link = FamilyLinkFactory(patient=child)
    add_entry(clinician, child, "appointment", date.today(), title="Clinic visit with Dr. Lee", visibility="released")
    add_entry(
        clinician,
        child,
        "lab",
        date.today(),
        {"test_name": "Hemoglobin", "value": "9.8", "unit": "g/dL"},
        visibility="released",
    )
    add_entry(clinician, child, "note", date.today(), title="Team discussion", notes="Not for the family yet")
    sign_in(phone_page, link.user.email)
    phone_page.wait_for_url(f"**/family/children/{child.pk}/")
    heading = phone_page.get_by_role("heading", name="Your child's treatment so far")
    assert heading.is_visible()
    body = phone_page.locator("main").inner_text()
    assert "Clinic visit with Dr. Lee" in body
    assert "Team discussion" not in body
    # The full timeline is one click away, newest first under month headings.
    phone_page.get_by_role("link", name="See the full timeline").click()
    phone_page.wait_for_url(f"**/family/children/{child.pk}/timeline/")
    body = phone_page.locator("main").inner_text()
    assert "Clinic visit with Dr. Lee" in body
    assert "Hemoglobin: 9.8 g/dL" in body and "Blood or lab test" in body
    assert "Team discussion" not in body and "Not for the family yet" not in body
    # One h1, then h2/h3 in order (WCAG heading structure).
    levels = phone_page.eval_on_selector_all("main h1, main h2, main h3", "els => els.map(e => +e.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
