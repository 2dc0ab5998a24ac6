"""Change stamps: a number per child that the database moves on every write to that child's data.

Pages that show a child's record (patients.page_cache) keep their rendered HTML under the child's
stamp, so a cached page is never served after anything it shows has changed. The stamps are kept by
database triggers, not by the code that writes, so every path is covered: services, the admin, bulk
statements, FHIR import, seeding, raw SQL and cascades alike.

- `patient_id` is a child's id, or REFERENCE (0) for the shared reference data every record page
  reads (drugs, rule sets, risk schemes, education pages); there is no foreign key, so deleting a
  child never waits on its stamp row.
- `stamp` comes from one increasing counter for all rows (a sequence on PostgreSQL, max + 1 on
  SQLite), so a stamp is never reused, even for a row deleted and written again.

Each app installs the triggers for its own tables in a migration (tracking_operation below) with,
per table, the SQL that finds the children a changed row belongs to; tests/patients/test_change_stamps.py
checks that every table of a patient-data app is tracked or named in UNTRACKED with the reason.
"""

# ruff: noqa: S608 - the SQL below is built from table and column names written in migrations, never from input.
from __future__ import annotations

from django.db import connection, migrations, models

REFERENCE = 0
SEQUENCE = "patients_recordstamp_seq"
TABLE = "patients_recordstamp"

# Tables of the patient-data apps whose rows no cached page shows, so a write there moves no stamp.
UNTRACKED = {
    "care_auditevent": "the audit trail: every page view writes here; the cached pages do not show it",
    "care_auditarchive": "detached audit months, read by verify_audit only",
    "care_auditchainhead": "the audit trail's newest hash, moved by every audited request",
    "care_recordviewcount": "each user's count of record views, moved by the audit trail; a key, not shown",
    "care_notification": "the unread count is read on every request, outside the cached part",
    "reminders_reminder": "the outbox; the cached pages show follow-up items, not their reminders",
    "reminders_deliverylog": "delivery history of the outbox",
    "reminders_reminderpreference": "a person's channels and quiet hours, not shown on a record",
    "reminders_careteamdigest": "the weekly digest's own bookkeeping",
    "reminders_calendarfeedtoken": "calendar feed secrets",
    "education_pageworkingcopy": "an editor's draft; families see a page once it is published (education_page)",
    "education_pageworkingcopy_topics": "an editor's draft's topics",
    "education_pagerevision": "the editorial history of a page",
    "fhir_passportimport": "the raw passport files, shown in the admin only",
}


class RecordStamp(models.Model):
    patient_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    class Meta:
        db_table = TABLE

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.stamp}"

    @classmethod
    def read(cls, patient_id: int) -> tuple[int, int]:
        """(the child's stamp, the reference data's stamp) in one query; 0 for a row not written yet."""
        rows = dict(cls.objects.filter(patient_id__in=(REFERENCE, patient_id)).values_list("patient_id", "stamp"))
        return rows.get(patient_id, 0), rows.get(REFERENCE, 0)

    @classmethod
    def read_many(cls, patient_ids) -> int:
        """The highest stamp among these children and the reference data: it moves when any of them changes."""
        ids = [REFERENCE, *patient_ids]
        return cls.objects.filter(patient_id__in=ids).aggregate(m=models.Max("stamp"))["m"] or 0


# --- The triggers ---------------------------------------------------------------------------------
# A table's `children` SQL selects the ids of the children a row belongs to, as column p, from the
# row named {r}: "SELECT {r}.patient_id AS p" for most tables, a join for detail and through tables,
# "SELECT 0 AS p" for reference data.


def _name(table: str, suffix: str) -> str:
    return f"stamp_{table}_{suffix}"[:63]


def _postgresql_sql(table: str, children: str) -> tuple[list[str], list[str]]:
    def upsert(rows: str) -> str:
        changed = f"SELECT x.p FROM {rows} r CROSS JOIN LATERAL ({children.format(r='r')}) x"
        # Ordered by child, so two statements touching the same children lock their stamps in one order.
        return (
            f"INSERT INTO {TABLE} (patient_id, stamp) "
            f"SELECT s.p, nextval('{SEQUENCE}') FROM (SELECT DISTINCT c.p FROM ({changed}) c "
            f"WHERE c.p IS NOT NULL) s ORDER BY s.p "
            f"ON CONFLICT (patient_id) DO UPDATE SET stamp = EXCLUDED.stamp;"
        )

    function = _name(table, "fn")
    forward = [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {upsert("new_rows")}
  ELSIF TG_OP = 'DELETE' THEN {upsert("old_rows")}
  ELSE {upsert("(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)")}
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER {_name(table, 'ins')} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {_name(table, 'upd')} AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {_name(table, 'del')} AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]
    reverse = [f"DROP TRIGGER IF EXISTS {_name(table, s)} ON {table}" for s in ("ins", "upd", "del")]
    reverse.append(f"DROP FUNCTION IF EXISTS {function}()")
    return forward, reverse


def _sqlite_sql(table: str, children: str) -> tuple[list[str], list[str]]:
    def body(row: str) -> str:
        return (
            f"INSERT INTO {TABLE} (patient_id, stamp) "
            f"SELECT x.p, (SELECT coalesce(max(stamp), 0) + 1 FROM {TABLE}) FROM ({children.format(r=row)}) x "
            f"WHERE x.p IS NOT NULL ON CONFLICT (patient_id) DO UPDATE SET stamp = excluded.stamp;"
        )

    forward = [
        f"CREATE TRIGGER {_name(table, 'ins')} AFTER INSERT ON {table} BEGIN {body('NEW')} END",
        f"CREATE TRIGGER {_name(table, 'upd')} AFTER UPDATE ON {table} BEGIN {body('OLD')} {body('NEW')} END",
        f"CREATE TRIGGER {_name(table, 'del')} AFTER DELETE ON {table} BEGIN {body('OLD')} END",
    ]
    reverse = [f"DROP TRIGGER IF EXISTS {_name(table, s)}" for s in ("ins", "upd", "del")]
    return forward, reverse


def trigger_sql(vendor: str, table: str, children: str) -> tuple[list[str], list[str]]:
    """(statements that install the triggers of one table, statements that remove them)."""
    if vendor == "postgresql":
        return _postgresql_sql(table, children)
    if vendor == "sqlite":
        return _sqlite_sql(table, children)
    raise NotImplementedError(f"change stamps need PostgreSQL or SQLite, not {vendor}")


def tracking_operation(tables: dict[str, str]) -> migrations.RunPython:
    """A migration operation that installs (and on reverse removes) the triggers of these tables."""

    def run(forward: bool):
        def apply(apps, schema_editor):
            for table, children in tables.items():
                install, remove = trigger_sql(schema_editor.connection.vendor, table, children)
                for statement in install if forward else remove:
                    schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(True), run(False), elidable=False)


PATIENT_ID = "SELECT {r}.patient_id AS p"
REFERENCE_DATA = f"SELECT {REFERENCE} AS p"


def via(table: str, column: str, key: str = "id", patient: str = "patient_id") -> str:
    """Children of a row that points at `table` through `column` (a detail row, a through row, a team)."""
    return f"SELECT t.{patient} AS p FROM {table} t WHERE t.{key} = {{r}}.{column}"


def trigger_names() -> set[str]:
    """The stamp triggers installed in this database (for the completeness test and the health check)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'stamp\\_%' AND NOT tgisinternal")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stamp\\_%' ESCAPE '\\'"
            )
        return {row[0] for row in cursor.fetchall()}
