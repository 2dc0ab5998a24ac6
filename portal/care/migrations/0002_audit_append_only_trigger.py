"""On PostgreSQL, refuse UPDATE and DELETE on the audit trail at the database itself.

The model and admin refuse too, but only the database stops raw SQL, shell sessions and
bugs. TRUNCATE is left to the table owner (Django's test flush uses it; in production the
application's database role should not own the table). Other databases (the embedded SQLite default) rely on the model-level guard.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION care_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'care_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS care_auditevent_append_only ON care_auditevent;
CREATE TRIGGER care_auditevent_append_only
    BEFORE UPDATE OR DELETE ON care_auditevent
    FOR EACH ROW EXECUTE FUNCTION care_audit_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS care_auditevent_append_only ON care_auditevent;
DROP FUNCTION IF EXISTS care_audit_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
