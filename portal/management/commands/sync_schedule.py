"""Create or update django-celery-beat's periodic tasks from settings.PERIODIC_TASKS (idempotent).

After this the schedule lives in the database and can be changed in the admin; re-running only
adds missing tasks and refreshes the crontab of those it created.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask


class Command(BaseCommand):
    help = "Load the project's periodic Celery tasks into django-celery-beat's schedule."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, spec in settings.PERIODIC_TASKS.items():
            cron = spec.get("crontab", {})
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=str(cron.get("minute", "0")),
                hour=str(cron.get("hour", "*")),
                day_of_week=str(cron.get("day_of_week", "*")),
                day_of_month=str(cron.get("day_of_month", "*")),
                month_of_year=str(cron.get("month_of_year", "*")),
                timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": spec["task"], "crontab": schedule, "interval": None}
            )
            self.stdout.write(f"scheduled {name}: {spec['task']}")
