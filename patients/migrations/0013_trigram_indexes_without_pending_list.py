"""The name and MRN trigram indexes (0010) insert straight into the index (fastupdate off).

With GIN's fast update, new rows wait in a pending list that every search reads in full until
VACUUM merges it: after 11,000 children were added at once, each of the search's seven index
scans took 1.5-2.7 ms instead of 0.1-0.3 ms, and the search grew with the rows added since the
last VACUUM. Children are added a few at a time (a bulk import now pays a little more per row, and
the search costs the same right after it). The pending list left by fast update is merged here.
PostgreSQL only, like 0010.
"""

from django.db import migrations

INDEXES = [f"patients_patient_{column}_trgm" for column in ("given_name", "family_name", "preferred_name", "mrn")]


def _fastupdate(on: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = {'on' if on else 'off'})")
            if not on:
                schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    return run


class Migration(migrations.Migration):
    dependencies = [("patients", "0012_timeline_released_index")]

    operations = [migrations.RunPython(_fastupdate(False), _fastupdate(True), elidable=False)]
