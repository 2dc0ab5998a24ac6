"""A Spanish-speaking parent on a phone signs in through the form and reads their child's page in Spanish."""

from datetime import date

from tests.browser.conftest import sign_in
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import add_entry


def test_spanish_parent_reads_child_page_in_spanish_on_phone(transactional_db, phone_page):
    child = PatientFactory(given_name="Mateo", family_name="Ruiz")
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    parent.preferred_language = "es"
    parent.save()
    add_entry(clinician, child, "appointment", date.today(), title="Visita a la clínica", visibility="released")

    sign_in(phone_page, parent.email)
    phone_page.wait_for_url(f"**/family/children/{child.pk}/")

    assert phone_page.locator("html").get_attribute("lang") == "es"
    assert phone_page.get_by_role("heading", name="El tratamiento de su hijo o hija hasta ahora").is_visible()
    body = phone_page.locator("main").inner_text()
    assert "Visita a la clínica" in body and "Cita" in body
    assert "Controles después del tratamiento" in body
    assert "Your child's treatment so far" not in body and "Check-ups after treatment" not in body
    # Nothing wider than the phone: no sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The language switcher shows the current language, labelled for screen readers.
    assert phone_page.get_by_label("Idioma").input_value() == "es"
