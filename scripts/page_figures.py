"""Server time and query count of the main pages on the demo data (the closing-note figures).

Run after `make demo` (or `make run`) against the same database:
    .venv/bin/python scripts/page_figures.py [--repeat 5]
Each page is requested in-process with Django's test client as the demo clinician (two-step
verified through the demo's confirmed device) or the demo parent; the median wall time of the
repeats and the number of SQL queries of the last request are printed as a Markdown table.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.accounts.models import User
    from portal.services import demo_data

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clinician = User.objects.filter(email=demo_data.CLINICIAN_EMAIL).first()
    parent = User.objects.filter(email=demo_data.FAMILY_EMAIL).first()
    if clinician is None or parent is None:
        print("No demo accounts in this database: run `make demo` first.", file=sys.stderr)
        return 2
    child = parent.family_links.select_related("patient").first().patient

    staff = Client()
    staff.force_login(clinician)
    session = staff.session
    session["otp_device_id"] = TOTPDevice.objects.filter(user=clinician, confirmed=True).first().persistent_id
    session.save()
    family = Client()
    family.force_login(parent)

    pages = [
        ("Clinician worklist", staff, "/patients/"),
        ("Clinician record", staff, f"/patients/{child.pk}/"),
        ("Clinician timeline", staff, f"/patients/{child.pk}/timeline/"),
        ("Treatment summary", staff, f"/patients/{child.pk}/treatment-summary/"),
        ("Family home", family, "/family/"),
        ("Family child page", family, f"/family/children/{child.pk}/"),
    ]
    print("| page | status | median server time (ms) | queries |")
    print("|---|---|---|---|")
    failed = False
    for name, client, url in pages:
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, follow=True)
            times.append((time.perf_counter() - started) * 1000)
            queries = len(ctx.captured_queries)
        failed |= response.status_code != 200
        print(f"| {name} | {response.status_code} | {statistics.median(times):.0f} | {queries} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
