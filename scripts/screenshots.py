"""Screenshots of the main pages at phone width (375 px) and desktop width, from a running demo.

Start the demo first (`make run`), then:  .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
It signs in as the demo clinician (password + the demo's public two-step code) and the demo
parent, opens the worklist, the record with its plots and the family home, and saves one PNG
per page and width. It also checks that no page scrolls sideways at 375 px and exits 1 if one does.
"""

import argparse
import os
import pathlib
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

WIDTHS = {"phone": 375, "desktop": 1280}


def _totp_code() -> str:
    import django

    django.setup()
    from portal.services import demo_data

    return demo_data.current_demo_code()


def _sign_in(page, base: str, email: str, password: str, totp: bool) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp:
        page.wait_for_url("**/mfa/**")
        page.locator("main input:not([type=hidden])").first.fill(_totp_code())
        page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_load_state("networkidle")


def _shoot(page, name: str, out: pathlib.Path, overflowing: list[str]) -> None:
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("networkidle")
        path = out / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=(label == "phone"))
        print(f"  {path}")
        if width == 375:
            sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if sideways > 0:
                overflowing.append(f"{name}: {sideways} px sideways at 375 px")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo-portal-2026"))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS  # the flags Chromium needs as root on a closed network

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
    overflowing: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        staff = browser.new_context(locale="en-US")
        page = staff.new_page()
        _sign_in(page, args.base, "clinician@example.org", args.password, totp=True)
        page.goto(f"{args.base}/patients/")
        _shoot(page, "worklist", out, overflowing)
        record = page.evaluate(
            "[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"
            ".find(h => /^\\/patients\\/\\d+\\/$/.test(h || ''))"
        )
        if record is None:
            page.screenshot(path=str(out / "worklist-debug.png"))
            print("No record link on the worklist (see worklist-debug.png)", file=sys.stderr)
            return 1
        page.goto(f"{args.base}{record}")
        page.wait_for_load_state("networkidle")
        _shoot(page, "record", out, overflowing)
        staff.close()

        family = browser.new_context(locale="en-US")
        page = family.new_page()
        _sign_in(page, args.base, "family@example.org", args.password, totp=False)
        page.goto(f"{args.base}/family/")
        page.wait_for_load_state("networkidle")
        _shoot(page, "family-home", out, overflowing)
        family.close()
        browser.close()
    for line in overflowing:
        print(f"OVERFLOW {line}", file=sys.stderr)
    return 1 if overflowing else 0


if __name__ == "__main__":
    sys.exit(main())
