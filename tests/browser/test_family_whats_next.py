"""A parent on a 375 px phone sees "what's next", adds a check-up to a calendar, and switches to Spanish."""

import re
from datetime import date, timedelta
from pathlib import Path

from icalendar import Calendar

from patients.late_effects import services
from patients.models import TreatmentPhase
from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import add_entry
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

# English a family would read on the page; none of it may stay once Spanish is chosen.
ENGLISH = (
    "What's next",
    "Next visits and check-ups",
    "Add to calendar",
    "Clinic visit",
    "Check-up",
    "See the full timeline",
    "Who to call",
    "questions for the next visit",
    "For you now",
    "Who has looked at this record",
    "treatment plan",
)


def test_parent_on_a_phone_sees_whats_next_adds_a_check_up_and_reads_spanish(
    transactional_db, chromium_browser, live_server
):
    from portal.care.models import CareTeam, CareTeamChild

    load_default_ruleset(activate=False)
    from patients.late_effects.models import RuleSet

    child = PatientFactory(given_name="Mila", family_name="Okafor", date_of_birth=date(2012, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    services.recompute_care_plan(child, high_anthracycline_summary(date(2024, 9, 1)), ruleset=RuleSet.objects.get())
    services.release_plan(clinician, child)
    today = date.today()
    TreatmentPhase.objects.create(patient=child, key="maintenance", actual_start=today - timedelta(days=30))
    add_entry(clinician, child, "appointment", today + timedelta(days=4), title="Mila", visibility="released")
    team = CareTeam.objects.create(name="Blue", contact_label="Nurses", contact_phone="555 0100")
    CareTeamChild.objects.create(team=team, patient=child)

    context = chromium_browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
        locale="en-US",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, parent.email)
        page.wait_for_url(f"**/family/children/{child.pk}/")
        heading = page.get_by_role("heading", name="What's next")
        assert heading.is_visible()
        # "What's next" is the first section under the child's name, within the first screen.
        assert heading.bounding_box()["y"] < 812
        main = page.locator("main").inner_text()
        assert "Maintenance" in main and "part 1 of 1" in main
        assert "Nurses" in main and "555 0100" in main
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        check_up = page.locator(".whats-next li", has_text="Check-up").first
        with page.expect_download() as info:
            check_up.get_by_role("link", name=re.compile("Add to calendar")).click()
        body = Path(info.value.path()).read_bytes()
        events = Calendar.from_ical(body).walk("VEVENT")
        assert len(events) == 1 and str(events[0]["summary"]) == "Check-up"
        assert str(events[0]["uid"]).startswith("follow-up-") and "heart" not in body.decode().lower()

        page.get_by_text("Menu").click()
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_role("heading", name="Qué sigue").is_visible()
        text = page.locator("body").inner_text()
        left = [words for words in ENGLISH if words.lower() in text.lower()]
        assert not left, left
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
