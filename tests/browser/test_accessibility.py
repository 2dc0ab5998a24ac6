"""Automated WCAG 2.1 A/AA checks (axe-core, bundled in axe-playwright-python: nothing is downloaded)
of the pages families use, on a desktop and a phone viewport, plus a clinician and an editor page.

The data is the demo data a newcomer sees (`seed_demo`, with its clinical step), so the pages carry
realistic content: a long timeline, risk and exposure facts, released care-plan items, questions.
axe cannot judge everything (plain language, meaningful order, focus visibility in every state):
it catches the mechanical failures (contrast, names, labels, landmarks, ids, heading order).
"""

import io
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from education.models import Page
from patients.late_effects.models import CarePlan
from patients.models import Patient
from portal.accounts.models import User
from portal.services import demo_data
from tests.browser.conftest import sign_in
from tests.clinical_reference import ensure_clinical_reference_data

PASSWORD = "demo-a11y-check-1"
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
AXE = Axe()
SERIOUS = {"serious", "critical"}
# Full-page screenshots of every page checked by the all-roles test, kept after the run (CI artefacts).
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artefacts"))


def summary(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} WCAG violation(s)"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", " / ")[:300])
    return "\n".join(lines)


def check(page, url: str, problems: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    violations = AXE.run(page, options=WCAG_AA).response["violations"]
    if violations:
        problems.append(summary(url, violations))


def seed() -> dict:
    ensure_clinical_reference_data()  # transactional tests flush it
    call_command("seed_demo", "--allow-without-debug", "--patients", "8", "--password", PASSWORD, stdout=io.StringIO())
    child = Patient.objects.get(mrn=demo_data.FAMILY_CHILD_MRN)
    return {"child": child, "page": Page.objects.filter(language="en", audience="family", status="published").first()}


def staff_sign_in(page, email: str) -> None:
    sign_in(page, email, PASSWORD)
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.get_by_label("Code").fill(demo_data.current_demo_code())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_family_pages_have_no_wcag_violations(transactional_db, page, phone_page, viewport):
    browser_page = page if viewport == "desktop" else phone_page
    data = seed()
    child, edu = data["child"], data["page"]
    problems: list[str] = []
    check(browser_page, "/accounts/login/", problems)
    sign_in(browser_page, demo_data.FAMILY_EMAIL, PASSWORD)
    browser_page.wait_for_url(f"**/family/children/{child.pk}/")
    for url in (
        f"/family/children/{child.pk}/",
        f"/family/children/{child.pk}/follow-ups/",
        "/learn/",
        f"/learn/{edu.language}/{edu.slug}/",
        f"/family/children/{child.pk}/questions/",
        f"/family/children/{child.pk}/timeline/",
        f"/family/children/{child.pk}/access-log/",
        "/accounts/settings/",
    ):
        check(browser_page, url, problems)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_survivor_follow_ups_have_no_wcag_violations(transactional_db, page, phone_page, viewport):
    """A survivor's released care plan: overdue and upcoming screenings, the page with the most states."""
    browser_page = page if viewport == "desktop" else phone_page
    seed()
    plan = CarePlan.objects.filter(released_to_family=True).select_related("patient").order_by("patient__mrn").first()
    parent = User.objects.filter(family_links__patient=plan.patient).order_by("email").first()
    parent.set_password(PASSWORD)
    parent.save()
    problems: list[str] = []
    sign_in(browser_page, parent.email, PASSWORD)
    browser_page.wait_for_load_state("load")
    check(browser_page, f"/family/children/{plan.patient_id}/follow-ups/", problems)
    assert not problems, "\n\n".join(problems)


def test_clinician_record_and_editor_dashboard_have_no_wcag_violations(
    transactional_db, page, chromium_browser, live_server
):
    data = seed()
    problems: list[str] = []
    staff_sign_in(page, demo_data.CLINICIAN_EMAIL)
    check(page, f"/patients/{data['child'].pk}/", problems)
    survivor = CarePlan.objects.filter(released_to_family=True).order_by("patient__mrn").first()
    check(page, f"/patients/{survivor.patient_id}/care-plan/", problems)

    editor_context = chromium_browser.new_context(base_url=live_server.url)
    editor = editor_context.new_page()
    staff_sign_in(editor, demo_data.EDITOR_EMAIL)
    check(editor, "/editor/", problems)
    editor_context.close()
    assert not problems, "\n\n".join(problems)


def staff_pages(child, survivor_id: int, page_id: int) -> dict[str, list[str]]:
    return {
        demo_data.CLINICIAN_EMAIL: [
            "/patients/",
            "/patients/?sort=-overdue",
            f"/patients/{child.pk}/",
            f"/patients/{child.pk}/timeline/",
            f"/patients/{child.pk}/treatment-summary/",
            f"/patients/{survivor_id}/care-plan/",
            f"/patients/{child.pk}/timeline/new/mrd/",
            "/patients/emergency-access/",
            "/notifications/",
            "/accounts/security/",
        ],
        demo_data.EDITOR_EMAIL: ["/editor/", f"/editor/pages/{page_id}/", "/learn/"],
        demo_data.ADMIN_EMAIL: ["/admin/", "/accounts/settings/"],
    }


def screenshot(page, role: str, viewport: str, url: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
    page.screenshot(path=str(ARTEFACTS / f"{role}-{viewport}-{slug}.png"), full_page=True)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_staff_page_has_no_serious_violation(transactional_db, chromium_browser, live_server, viewport):
    """Each staff role's pages at 1280 and 375 px: no serious or critical axe finding; screenshots kept."""
    data = seed()
    survivor = CarePlan.objects.filter(released_to_family=True).order_by("patient__mrn").first()
    size = {"width": 1280, "height": 900} if viewport == "desktop" else {"width": 375, "height": 812}
    problems: list[str] = []
    for email, urls in staff_pages(data["child"], survivor.patient_id, data["page"].pk).items():
        context = chromium_browser.new_context(base_url=live_server.url, viewport=size, is_mobile=viewport == "phone")
        context.set_default_timeout(15_000)
        staff = context.new_page()
        staff_sign_in(staff, email)
        for url in urls:
            response = staff.goto(url)
            staff.wait_for_load_state("load")
            assert response.status == 200, (email, url, response.status)
            found = [v for v in AXE.run(staff, options=WCAG_AA).response["violations"] if v["impact"] in SERIOUS]
            if found:
                problems.append(summary(url, found))
            screenshot(staff, email.split("@")[0], viewport, url)
        context.close()
    assert not problems, "\n\n".join(problems)


def test_keyboard_skip_link_comes_first_and_moves_focus_to_main(transactional_db, page):
    child = seed()["child"]
    sign_in(page, demo_data.FAMILY_EMAIL, PASSWORD)
    page.wait_for_url(f"**/family/children/{child.pk}/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href')})"
    )
    assert focused["href"] == "#main", focused
    assert page.locator(":focus").is_visible()  # the skip link shows itself when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_the_check_itself_catches_violations(transactional_db, page):
    """Guard against a silent no-op (e.g. axe blocked by the CSP): a broken page must fail."""
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<img src="x.png"><input type="text">');
            const low = document.createElement('p');
            low.textContent = 'Low contrast';
            low.style.color = '#bbb';
            main.appendChild(low);
        }"""
    )
    found = {v["id"] for v in AXE.run(page, options=WCAG_AA).response["violations"]}
    assert {"image-alt", "label", "color-contrast"} <= found, found
