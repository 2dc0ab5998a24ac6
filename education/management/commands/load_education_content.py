"""python manage.py load_education_content — load starter pages and question sets (idempotent)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from education.content_loader import load_content


class Command(BaseCommand):
    help = "Create the starter education pages and question sets that are missing; never overwrite edited pages."

    def handle(self, *args, **options):
        try:
            report = load_content()
        except (ValidationError, OSError) as exc:
            raise CommandError(f"Education content not loaded: {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
        self.stdout.write(
            f"education content: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.kept)} kept as they are; {report.topics} topics; {report.questions} new curated questions"
        )
