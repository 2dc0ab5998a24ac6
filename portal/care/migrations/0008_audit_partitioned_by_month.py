"""On PostgreSQL, turn the audit trail into a table range-partitioned by month of `at`.

At 100 million rows a plain table makes every maintenance step (vacuum, reindex, archiving) touch
everything; by month, old months are detached whole after the retention period
(portal/care/audit_partitions.py) and the indexes stay month-sized. A partitioned table's primary
key must hold the partition key, so the database key becomes (id, at); Django keeps `id` as the
model's pk (ids still come from one identity sequence, so they stay unique and in chain order).

The conversion: the plain table is renamed, a partitioned one is created LIKE it (same columns,
defaults, identity), a DEFAULT partition catches rows of a month nobody created ahead (a lost audit
row would be worse than a slow one), month partitions are created from the oldest row up to a few
months ahead, the rows are copied in id order, the sequence continues where it was, the plain
table is dropped and its indexes, foreign keys, rights and owner are replayed on the new one. The
append-only row trigger (0002) is re-created on the parent: since PostgreSQL 13 it is cloned onto
every partition, present and future, and cannot be dropped from one alone.

care_audit_create_partition(month) creates one month's partition. It is SECURITY DEFINER (it runs
as its owner, the owner role), so the beat task can create partitions ahead while connected as
the application role, which may not ALTER the table; it can create nothing but that month's
partition, and strips every right from the new partition except the owner's: the application
reaches rows only through the parent, where it may SELECT and INSERT (db_roles.py).

SQLite (the embedded default) keeps its plain table: nothing happens there.
"""

import django.utils.timezone
from django.db import migrations, models

TABLE = "care_auditevent"
PLAIN = "care_auditevent_plain"
MONTHS_AHEAD = 3
MAX_MONTHS_BACK = 240  # rows older than this go to the DEFAULT partition

FUNCTION = """
CREATE OR REPLACE FUNCTION care_audit_create_partition(month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    part text := 'care_auditevent_y' || to_char(first_day, 'YYYY') || 'm' || to_char(first_day, 'MM');
    who oid;
BEGIN
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.care_auditevent FOR VALUES FROM (%L) TO (%L)',
        {schema_literal}, part, {schema_literal},
        to_char(first_day, 'YYYY-MM-DD') || ' 00:00:00+00',
        to_char(first_day + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
    );
    EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC', {schema_literal}, part);
    FOR who IN
        SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = (quote_ident({schema_literal}) || '.' || quote_ident(part))::regclass
          AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        EXECUTE format('REVOKE ALL ON %I.%I FROM %I', {schema_literal}, part, pg_get_userbyid(who));
    END LOOP;
    RETURN part;
END;
$$;
"""

TRIGGER = """
DROP TRIGGER IF EXISTS care_auditevent_append_only ON care_auditevent;
CREATE TRIGGER care_auditevent_append_only
    BEFORE UPDATE OR DELETE ON care_auditevent
    FOR EACH ROW EXECUTE FUNCTION care_audit_refuse_change();
"""


def _definitions(cursor, table: str):
    """The table's secondary indexes, foreign keys and checks, its rights and its owner, to replay."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
        "AND indexname <> %s",
        [table, f"{table}_pkey"],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('f', 'c')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_userbyid(a.grantee), a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        [table],
    )
    grants = cursor.fetchall()
    cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass", [table])
    owner = cursor.fetchone()[0]
    return indexes, constraints, grants, owner


def _convert(schema_editor, *, partitioned: bool) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        indexes, constraints, grants, owner = _definitions(cursor, TABLE)
        cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
        old_sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")  # noqa: S608 (a catalog name)
        last_value, is_called = cursor.fetchone()

        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {PLAIN}")
        cursor.execute(f"ALTER TABLE {PLAIN} RENAME CONSTRAINT {TABLE}_pkey TO {PLAIN}_pkey")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {q(name)}")
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {PLAIN} DROP CONSTRAINT {q(name)}")

        shape = " PARTITION BY RANGE (at)" if partitioned else ""
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {PLAIN} INCLUDING DEFAULTS INCLUDING IDENTITY){shape}")
        key = "(id, at)" if partitioned else "(id)"
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY {key}")
        if partitioned:
            cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
            literal = "'" + schema.replace("'", "''") + "'"
            cursor.execute(FUNCTION.format(schema=q(schema), schema_literal=literal))
            cursor.execute(
                "SELECT care_audit_create_partition(m::date) FROM generate_series("
                f" GREATEST(date_trunc('month', COALESCE((SELECT min(at) FROM {PLAIN}), now()) AT TIME ZONE 'UTC'),"  # noqa: S608
                f"          date_trunc('month', now() AT TIME ZONE 'UTC') - interval '{MAX_MONTHS_BACK} months'),"
                f" date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{MONTHS_AHEAD} months',"
                " interval '1 month') AS m"
            )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {PLAIN} ORDER BY id")  # noqa: S608
        cursor.execute(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')")
        new_sequence = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        cursor.execute(f"DROP TABLE {PLAIN}")
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {TABLE}_id_seq")

        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"REVOKE ALL ON {TABLE} FROM PUBLIC")
        for grantee, privilege in grants:
            cursor.execute(f"GRANT {privilege} ON {TABLE} TO {'PUBLIC' if grantee == '-' else q(grantee)}")
        cursor.execute(TRIGGER)
        cursor.execute(f"ALTER TABLE {TABLE} OWNER TO {q(owner)}")
        if partitioned:
            cursor.execute(f"REVOKE ALL ON {TABLE}_default FROM PUBLIC")
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass",
                [TABLE],
            )
            for (partition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {q(partition)} OWNER TO {q(owner)}")
            cursor.execute(f"ALTER FUNCTION care_audit_create_partition(date) OWNER TO {q(owner)}")
        else:
            cursor.execute("DROP FUNCTION IF EXISTS care_audit_create_partition(date)")


def forwards(apps, schema_editor):
    _convert(schema_editor, partitioned=True)


def backwards(apps, schema_editor):
    _convert(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("care", "0007_notification_dedup_key")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["user_email", "-at"], name="care_audite_user_em_idx"),
        ),
        migrations.CreateModel(
            name="AuditArchive",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("partition", models.CharField(max_length=63, unique=True)),
                ("first_day", models.DateField()),
                ("rows", models.BigIntegerField()),
                ("last_id", models.BigIntegerField(null=True)),
                ("boundary_hashes", models.JSONField(default=list)),
                ("detached_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "archived audit month",
                "ordering": ["first_day"],
                "default_permissions": ("view",),
            },
        ),
    ]
