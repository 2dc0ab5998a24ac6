"""Trigram (pg_trgm) GIN indexes for the worklist search: names and MRN, on PostgreSQL only.

They serve the typo-forgiving search (`%>`, word similarity) and `ILIKE '%...%'` alike
(patients.worklist). SQLite (the embedded `make run`) has no pg_trgm: there the search falls back
to a plain `LIKE` and this migration does nothing. The indexes live outside the model state (a
GinIndex in Meta would be created on SQLite too), so `makemigrations --check` stays clean.
"""

from django.db import migrations

COLUMNS = ("given_name", "family_name", "preferred_name", "mrn")


def _index(column: str) -> str:
    return f"patients_patient_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index(column)} ON patients_patient USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0009_verbose_plural_names")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
