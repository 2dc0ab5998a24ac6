"""Check the audit trail's hash chain; exit non-zero naming the first row that was edited, deleted
around or inserted behind the application's back (portal/care/audit_chain.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portal.care import audit_chain, audit_partitions
from portal.care.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (streams the table in id order, in chunks)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=10_000)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, chunk_size, database, **options):
        started = time.monotonic()
        rows = audit_chain.stream(AuditEvent.objects.using(database), chunk_size=chunk_size)
        verdict = audit_chain.verify(rows, archived=audit_partitions.archived_hashes(database))
        seconds = time.monotonic() - started
        if not verdict.ok:
            raise CommandError(f"audit trail broken: {verdict.problem} ({verdict.checked} rows verified before it)")
        legacy = f", {verdict.legacy} earlier rows without hashes" if verdict.legacy else ""
        self.stdout.write(
            self.style.SUCCESS(f"audit trail intact: {verdict.checked} chained rows{legacy} in {seconds:.1f} s")
        )
