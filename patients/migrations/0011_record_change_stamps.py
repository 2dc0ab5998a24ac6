"""Change stamps (patients.models.stamps): the stamp table, its counter, and the triggers of this app's tables."""

from django.db import migrations, models

from patients.models.stamps import PATIENT_ID, REFERENCE_DATA, SEQUENCE, tracking_operation, via

ENTRY = "patients_timelineentry"
TABLES = {
    "patients_patient": "SELECT {r}.id AS p",
    "patients_diagnosis": PATIENT_ID,
    "patients_diagnosis_genetic_markers": via("patients_diagnosis", "diagnosis_id"),
    "patients_diagnosis_predisposition_syndromes": via("patients_diagnosis", "diagnosis_id"),
    "patients_exposurerecord": PATIENT_ID,
    "patients_manualtreatmentsummary": PATIENT_ID,
    "patients_treatmentplan": PATIENT_ID,
    "patients_treatmentphase": PATIENT_ID,
    "patients_timelineentry": PATIENT_ID,
    "patients_chemoadministration": via(ENTRY, "entry_id"),
    "patients_lumbarpuncture": via(ENTRY, "entry_id"),
    "patients_lumbarpuncture_it_drugs": via(ENTRY, "lumbarpuncture_id"),
    "patients_mrdresult": via(ENTRY, "entry_id"),
    "patients_labresult": via(ENTRY, "entry_id"),
    "patients_radiation": via(ENTRY, "entry_id"),
    "patients_transfusion": via(ENTRY, "entry_id"),
    "patients_adverseevent": via(ENTRY, "entry_id"),
    "patients_riskassessment": PATIENT_ID,
    "patients_geneticmarker": REFERENCE_DATA,
    "patients_predispositionsyndrome": REFERENCE_DATA,
    "patients_drug": REFERENCE_DATA,
    "patients_exposureruleset": REFERENCE_DATA,
    "patients_anthracyclinefactor": REFERENCE_DATA,
    "patients_cedformula": REFERENCE_DATA,
    "patients_cedfactor": REFERENCE_DATA,
    "patients_doselimit": REFERENCE_DATA,
    "patients_riskschemeconfig": REFERENCE_DATA,
}


def create_sequence(apps, schema_editor):
    """The counter: a sequence on PostgreSQL; on SQLite max(stamp) + 1, which this index keeps O(log n)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    else:
        schema_editor.execute("CREATE INDEX IF NOT EXISTS patients_recordstamp_stamp ON patients_recordstamp (stamp)")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
    else:
        schema_editor.execute("DROP INDEX IF EXISTS patients_recordstamp_stamp")


class Migration(migrations.Migration):
    dependencies = [("patients", "0010_name_and_mrn_trigram_indexes")]

    operations = [
        migrations.CreateModel(
            name="RecordStamp",
            fields=[
                ("patient_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
            options={"db_table": "patients_recordstamp"},
        ),
        migrations.RunPython(create_sequence, drop_sequence, elidable=False),
        tracking_operation(TABLES),
    ]
