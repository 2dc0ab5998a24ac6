"""`manage.py seed_demo [--patients N] [--password PW]`: synthetic demo data, the same on every run.

The core (accounts, children, care teams, family links) comes from portal.services.demo_data.
Other apps hook their demo data in below (FOLLOW_UP_COMMANDS / FOLLOW_UP_STEPS); the command
prints the demo sign-ins, how staff pass two-step verification, and the URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from patients import demo_clinical
from portal.services import demo_data

# --- Extension point for other apps' demo data -------------------------------------------------
# Management commands run after the core data, in this order, each only if it is registered
# (so a name can be listed before the app that provides it is merged). Each must be idempotent.
FOLLOW_UP_COMMANDS: list[tuple[str, dict]] = [
    ("load_education_content", {}),  # education: curated pages (issue 5)
    ("load_ruleset", {"if_none_active": True}),  # patients: default late-effects rule set, active if none is
]
# Callables run after the commands: step(result: demo_data.DemoResult, options: dict, stdout) -> None.
# E.g. a clinical-timeline seeder that adds diagnoses/treatment for result.patient_ids.
# Each must be idempotent and deterministic (derive its random.Random from options["seed"]).
FOLLOW_UP_STEPS: list[Callable] = [
    demo_clinical.seed_clinical,  # patients: clinical records, care plans, family questions (bounded number)
]


class ProgressLine:
    """A progress bar on stderr (a command's OutputWrapper) for the bulk steps: redrawn in place on a
    terminal, else one line per finished step (logs stay readable)."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.tty = getattr(stream, "isatty", lambda: False)()

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.tty and done < total:
            return
        filled = self.WIDTH * done // max(total, 1)
        line = f"{step:<13} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:>7}/{total}"
        self.stream.write(("\r" + line if self.tty else line) + ("\n" if done >= total else ""), ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = "Create synthetic demo accounts and patients (idempotent; invented people only)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=25, help="Children besides the family's (default 25).")
        parser.add_argument(
            "--password",
            default=demo_data.DEFAULT_PASSWORD,
            help=f"Password of the four demo sign-ins (default {demo_data.DEFAULT_PASSWORD}).",
        )
        parser.add_argument("--seed", type=int, default=demo_data.DEFAULT_SEED, help="Random seed (default 2026).")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off (tests, throwaway servers). Never on a real deployment.",
        )
        parser.add_argument(
            "--totp-code",
            action="store_true",
            help="Only print the current two-step code of the demo staff accounts, then exit.",
        )

    def handle(self, *args, **options):
        if options["totp_code"]:
            self.stdout.write(demo_data.current_demo_code())
            return
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords and two-step secrets; it runs only with "
                "DEBUG on. For a throwaway server pass --allow-without-debug."
            )
        if options["patients"] < 0 or options["patients"] > 100_000:
            raise CommandError("--patients must be between 0 and 100000.")
        password = options["password"] or ""
        if len(password) < 8:
            raise CommandError("--password must have at least 8 characters.")

        started = time.monotonic()
        progress = ProgressLine(self.stderr)
        result = demo_data.seed(
            patients=options["patients"], password=password, seed=options["seed"], progress=progress
        )
        self._follow_ups(result, options)
        self._print_summary(result, password, time.monotonic() - started)

    def _follow_ups(self, result, options) -> None:
        available = get_commands()
        for name, kwargs in FOLLOW_UP_COMMANDS:
            if name in available:
                self.stdout.write(f"Running {name} ...")
                call_command(name, stdout=self.stdout, **kwargs)
        for step in FOLLOW_UP_STEPS:
            step(result, options, self.stdout)

    def _print_summary(self, result, password: str, seconds: float) -> None:
        child = result.family_child
        out = self.stdout.write
        out(
            self.style.SUCCESS(
                f"Demo data ready in {seconds:.1f} s: {result.patients} children, "
                f"{result.clinicians} clinicians, {result.family_accounts} family accounts (all invented)."
            )
        )
        out("")
        out(f"Open {settings.SITE_URL or 'http://127.0.0.1:8000'} and sign in with:")
        rows = [
            (demo_data.ADMIN_EMAIL, "site admin (superuser) -> /admin/"),
            (demo_data.CLINICIAN_EMAIL, "clinician (oncologist)"),
            (demo_data.EDITOR_EMAIL, "content editor"),
            (demo_data.FAMILY_EMAIL, f"family: parent of {child.display_name} (MRN {child.mrn})"),
        ]
        for email, who in rows:
            out(f"  {email:<24} password: {password:<20} {who}")
        out("")
        out("Two-step verification (DEMO staff accounts only: admin, clinician, editor):")
        out("  These three accounts have a confirmed authenticator with a fixed, PUBLIC demo secret.")
        out(f"  Secret (base32), for any authenticator app: {demo_data.demo_totp_secret_base32()}")
        out("  Or print the current 6-digit code:          python manage.py seed_demo --totp-code")
        out(f"  One-time recovery codes (restored on every run): {', '.join(demo_data.DEMO_RECOVERY_CODES)}")
        out("  Real accounts never get these: they enrol their own device at first sign-in.")
        out("  The family account needs no second step.")
