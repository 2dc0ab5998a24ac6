"""Recompute risk assessments and exposures, e.g. after changing the risk settings or exposure rules."""

from django.core.management.base import BaseCommand, CommandError

from patients.clinical.services import refresh_all
from patients.models import ExposureRuleSet


class Command(BaseCommand):
    help = "Recompute every child's risk assessment (new row only when inputs changed) and stored exposures."

    def add_arguments(self, parser):
        parser.add_argument("--patient", type=int, action="append", help="Only this patient id (repeatable).")

    def handle(self, *args, **options):
        if not ExposureRuleSet.objects.filter(active=True).exists():
            raise CommandError("No active exposure rule set: activate one in the admin first.")
        count = refresh_all(None, options.get("patient"))
        self.stdout.write(f"Recomputed the clinical record of {count} patient(s).")
