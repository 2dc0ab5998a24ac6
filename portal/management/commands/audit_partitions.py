"""`manage.py audit_partitions [--ahead N] [--detach-expired] [--years Y]`: the audit trail's month
partitions on PostgreSQL (portal/care/audit_partitions.py). Creating ahead is what the daily beat
task does; detaching needs the owner role (run it with the owner's DATABASE_URL)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from portal.care import audit_partitions


class Command(BaseCommand):
    help = "Create the audit trail's next month partitions; optionally detach the months past retention."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead", type=int, default=None, help="Months ahead (default AUDIT_PARTITION_MONTHS_AHEAD)."
        )
        parser.add_argument("--detach-expired", action="store_true", help="Detach months past the retention period.")
        parser.add_argument(
            "--years", type=int, default=None, help="Retention in years (default AUDIT_RETENTION_YEARS)."
        )

    def handle(self, *args, ahead, detach_expired, years, **options):
        if not audit_partitions.is_partitioned():
            self.stdout.write("The audit table is not partitioned here (SQLite): nothing to do.")
            return
        if ahead is not None and not 0 <= ahead <= 120:
            raise CommandError("--ahead must be between 0 and 120.")
        if years is not None and years < 1:
            raise CommandError("--years must be at least 1.")
        try:
            created = audit_partitions.ensure_partitions(months_ahead=ahead)
            self.stdout.write(f"Partitions present: {', '.join(created)}")
            if detach_expired:
                archived = audit_partitions.detach_expired(years=years)
                for archive in archived:
                    self.stdout.write(
                        f"Detached {archive.partition} ({archive.rows} rows): archive it (pg_dump -t), then drop it."
                    )
                if not archived:
                    self.stdout.write("No month is past the retention period.")
        except DatabaseError as exc:
            raise CommandError(f"could not manage the audit partitions: {exc}") from exc
