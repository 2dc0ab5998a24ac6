"""Validate a late-effects rule-set file and load it (idempotent); --activate makes it the active one.

Validation covers the format and the portal's vocabularies (every drug, syndrome, genetic marker,
site and screening key a rule names). Errors name the rule and the value, exit non-zero and load nothing:
    python manage.py load_ruleset patients/late_effects/rulesets/ighg-pancare-open.yaml --activate
"""

from django.core.management.base import BaseCommand, CommandError

from patients.late_effects import services
from patients.late_effects.schema import DEFAULT_RULESET_PATH, RuleSetError, read_text


class Command(BaseCommand):
    help = "Validate and load a late-effects rule set (YAML or JSON)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(DEFAULT_RULESET_PATH), help="Rule-set file (default: shipped)"
        )
        parser.add_argument("--activate", action="store_true", help="Make it the active rule set.")
        parser.add_argument(
            "--if-none-active",
            action="store_true",
            help="Activate only when no rule set is active yet (for seeding and `make run`).",
        )

    def handle(self, *args, path, activate, if_none_active, **options):
        try:
            text = read_text(path)
            activate = activate or (if_none_active and services.active_ruleset() is None)
            ruleset, created = services.load_ruleset(text, filename=str(path), activate=activate)
        except RuleSetError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(f"{path}: rule set not loaded ({len(exc.problems)} problem(s)):\n{lines}")
        state = "loaded" if created else "already loaded"
        self.stdout.write(f"{ruleset.name} {ruleset.version}: {state}{'; active' if ruleset.active else ''}.")
