"""Each user's count of record views (audit rows of action VIEW), kept by a trigger on the audit trail.

The kept worklist keys on it (patients.worklist.worklist_state) instead of asking the trail for my
views of the day. One statement-level trigger on PostgreSQL (all the rows of one INSERT at once; on
the partitioned table it sees the rows of every partition), a row trigger on SQLite. No backfill:
the key only has to move from now on.
"""

from django.db import migrations, models

FUNCTION = "care_count_record_views"

POSTGRESQL = (
    [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO care_recordviewcount (user_id, views)
  SELECT user_id, count(*) FROM new_rows WHERE action = 'view' AND user_id IS NOT NULL
  GROUP BY user_id ORDER BY user_id
  ON CONFLICT (user_id) DO UPDATE SET views = care_recordviewcount.views + EXCLUDED.views;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER {FUNCTION} AFTER INSERT ON care_auditevent REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    ],
    [f"DROP TRIGGER IF EXISTS {FUNCTION} ON care_auditevent", f"DROP FUNCTION IF EXISTS {FUNCTION}()"],
)
SQLITE = (
    [
        f"CREATE TRIGGER {FUNCTION} AFTER INSERT ON care_auditevent "
        "WHEN NEW.action = 'view' AND NEW.user_id IS NOT NULL BEGIN "
        "INSERT INTO care_recordviewcount (user_id, views) VALUES (NEW.user_id, 1) "
        "ON CONFLICT (user_id) DO UPDATE SET views = views + 1; END"
    ],
    [f"DROP TRIGGER IF EXISTS {FUNCTION}"],
)


def _trigger(forward: bool):
    def run(apps, schema_editor):
        install, remove = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
        for statement in install if forward else remove:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0012_audit_no_single_column_fk_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordViewCount",
            fields=[
                ("user_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("views", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "record view count",
                "db_table": "care_recordviewcount",
            },
        ),
        migrations.RunPython(_trigger(True), _trigger(False), elidable=False),
    ]
