"""A clinician opens a child in Chromium, sees the swimlane, adds an MRD result, and the MRD plot changes."""

from datetime import date, timedelta

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.clinical import services
from tests.browser.conftest import sign_in
from tests.clinical_reference import ensure_clinical_reference_data
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.patients.factories import add_entry


def signed_in_clinician(page, membership):
    device = TOTPDevice.objects.create(user=membership.clinician, name="Authenticator app", confirmed=True)
    sign_in(page, membership.clinician.email)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/patients/")


def test_clinician_sees_the_swimlane_and_the_mrd_plot_change_after_adding_a_result(transactional_db, page):
    ensure_clinical_reference_data()  # transactional tests flush it
    membership = CareTeamMembershipFactory(patient=PatientFactory(given_name="Ada", family_name="Reyes"))
    clinician, patient = membership.clinician, membership.patient
    start = date.today() - timedelta(days=40)
    services.save_phase(clinician, patient, {"key": "induction", "actual_start": start})
    add_entry(clinician, patient, "mrd", start + timedelta(days=8),
              {"timepoint": "day8", "sample": "blood", "method": "flow", "value_pct": 0.5})  # fmt: skip
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    signed_in_clinician(page, membership)

    page.goto(f"/patients/{patient.pk}/")
    swimlane = page.locator("#plot-swimlane svg")
    assert swimlane.is_visible()
    assert swimlane.get_attribute("role") == "img"
    assert page.locator("#plot-swimlane svg rect.bar").count() == 1
    assert page.locator("#plot-swimlane svg .today-line").count() == 1
    mrd_points = page.locator("#plot-mrd svg circle.point")
    assert mrd_points.count() == 1
    assert page.locator("#plot-mrd svg .threshold-line").count() == 1

    page.goto(f"/patients/{patient.pk}/timeline/new/mrd/")
    page.get_by_label("Date").fill((start + timedelta(days=29)).isoformat())
    page.get_by_label("Timepoint").select_option("day29")
    page.get_by_label("Sample").select_option("marrow")
    page.get_by_label("Method").select_option("flow")
    page.get_by_label("not detected, sensitivity (%)").fill("0.01")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/patients/{patient.pk}/**")

    page.goto(f"/patients/{patient.pk}/")
    assert page.locator("#plot-mrd svg circle.point").count() == 2
    assert page.locator("#plot-mrd svg circle.point-not-detected").count() == 1
    page.locator("#plot-mrd summary").click()
    assert "not detected (< 0.01%)" in page.locator("#plot-mrd table").inner_text()
    assert "2 MRD results" in page.locator("#plot-mrd figcaption").inner_text()
    assert csp_errors == []

    # Readable on a phone: the plots scale down with the page, no sideways scroll at 375 px.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#plot-swimlane svg").bounding_box()["width"] <= 375
