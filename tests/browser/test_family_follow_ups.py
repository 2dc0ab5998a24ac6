"""A parent on a phone reads the released follow-up plan in plain words, sets reminders and gets a
calendar address, using labelled controls only."""

from datetime import date

from patients.late_effects import services
from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset


def test_parent_sees_plain_follow_ups_and_sets_reminders(transactional_db, phone_page):
    load_default_ruleset(activate=False)
    from patients.late_effects.models import RuleSet

    ruleset = RuleSet.objects.get()
    child = PatientFactory(given_name="Mila", family_name="Okafor", date_of_birth=date(2012, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    services.recompute_care_plan(child, high_anthracycline_summary(date(2024, 9, 1)), ruleset=ruleset)
    services.release_plan(clinician, child)

    sign_in(phone_page, parent.email)
    phone_page.wait_for_url(f"**/family/children/{child.pk}/")
    phone_page.goto(f"/family/children/{child.pk}/follow-ups/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Check-ups for Mila Okafor"
    assert phone_page.get_by_role("heading", name="Heart ultrasound").is_visible()
    assert "cardio-high" not in phone_page.content()

    phone_page.get_by_role("link", name="Choose how we remind you").click()
    phone_page.get_by_label("Remind me this many days before").fill("21, 3")
    phone_page.get_by_label("Language of reminders").select_option("es")
    phone_page.get_by_role("button", name="Save").click()
    assert phone_page.get_by_role("status").inner_text().strip() == "Your reminder settings are saved."
    phone_page.get_by_role("button", name="Create my calendar address").click()
    feed_url = phone_page.get_by_label("Your calendar address").input_value()
    assert "/calendar/" in feed_url and str(child.pk) not in feed_url.split("/calendar/")[1]
    response = phone_page.request.get(feed_url)
    # The feed speaks the reminder language chosen above (Spanish), whatever the calendar app sends.
    assert response.ok and "SUMMARY:Revisión" in response.text()
    assert "Heart" not in response.text() and "Check-up" not in response.text()
