"""Check the audit trail's hash chain; exit non-zero naming the first row that was edited, deleted
around or inserted behind the application's back (portal/care/audit_chain.py).

The chain alone cannot show that its newest rows were deleted. So every run prints the head it
verified (ROWS:LAST_ID:LAST_HASH), and checks a head recorded earlier: given with --expect-head,
or the last line of --anchor-file, to which a successful run appends the new head. Keep that file
where the database owner cannot write (another host, append-only storage; docs/deploy.md).
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from portal.care import audit_chain, audit_partitions
from portal.care.models import AuditEvent


def last_anchor(path: Path) -> audit_chain.Head | None:
    """The newest head in an anchor file (JSON lines), or None when there is none yet."""
    if not path.exists():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return audit_chain.Head.parse(json.loads(lines[-1])["head"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"anchor file {path}: the last line is not a recorded head ({exc})") from exc


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (streams the table in id order, in chunks) against an anchor."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=10_000)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--expect-head", help="a head printed by an earlier run: ROWS:LAST_ID:LAST_HASH")
        parser.add_argument(
            "--anchor-file", type=Path, help="JSON-lines file of heads: checked against its last line, then appended to"
        )

    def handle(self, *args, chunk_size, database, expect_head, anchor_file, **options):
        anchors = []
        if expect_head:
            try:
                anchors.append(audit_chain.Head.parse(expect_head))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if anchor_file and (recorded := last_anchor(anchor_file)) is not None:
            anchors.append(recorded)

        started = time.monotonic()
        events = AuditEvent.objects.using(database)
        verdict = audit_chain.verify(
            audit_chain.stream(events, chunk_size=chunk_size), archived=audit_partitions.archived_hashes(database)
        )
        seconds = time.monotonic() - started
        if not verdict.ok:
            raise CommandError(f"audit trail broken: {verdict.problem} ({verdict.checked} rows verified before it)")
        for anchor in anchors:
            if problem := audit_chain.check_anchor(events, anchor, **audit_partitions.archived_extent(database)):
                raise CommandError(f"audit trail broken: {problem} (anchor {anchor})")
        if anchor_file:
            with anchor_file.open("a") as out:
                out.write(json.dumps({"at": timezone.now().isoformat(), "head": str(verdict.head)}) + "\n")
        legacy = f", {verdict.legacy} earlier rows without hashes" if verdict.legacy else ""
        anchored = f", {len(anchors)} anchor(s) held" if anchors else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"audit trail intact: {verdict.checked} chained rows{legacy} in {seconds:.1f} s{anchored}\n"
                f"head: {verdict.head}"
            )
        )
