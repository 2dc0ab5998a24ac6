"""One lower-cased text of a child's names (`search_names`) and one trigram index on it for the search.

The worklist search matched and ranked each word against three name columns: seven index scans,
up to seven rechecks and three word similarities per matching child. It now reads `search_names`
(patients/patient_search.py), so its GIN trigram index replaces the three per-name indexes of
0010. Like 0010 and 0013 the index lives outside the model state and exists on PostgreSQL only,
inserting straight into the index (no pending list for a search to read in full). The MRN's own
index stays.
"""

import django.db.models.functions.text
from django.db import migrations, models

INDEX = "patients_patient_search_names_trgm"
NAME_INDEXES = {f"patients_patient_{column}_trgm": column for column in ("given_name", "family_name", "preferred_name")}


def _trigram_index(schema_editor, name: str, column: str) -> None:
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)"
    )


def one_index_for_names(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _trigram_index(schema_editor, INDEX, "search_names")
    for name in NAME_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def an_index_per_name(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in NAME_INDEXES.items():
        _trigram_index(schema_editor, name, column)
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0013_trigram_indexes_without_pending_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_names",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Concat(
                    models.Value(" "),
                    django.db.models.functions.text.Lower(
                        django.db.models.functions.text.Concat(
                            "family_name", models.Value(" "), "given_name", models.Value(" "), "preferred_name"
                        )
                    ),
                    models.Value(" "),
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(one_index_for_names, an_index_per_name, elidable=False),
    ]
