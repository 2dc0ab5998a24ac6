"""Change stamps (patients.models.stamps) for the care plans, their follow-up items and the rule sets."""

from django.db import migrations

from patients.models.stamps import PATIENT_ID, REFERENCE_DATA, tracking_operation

TABLES = {
    "late_effects_ruleset": REFERENCE_DATA,
    "late_effects_careplan": PATIENT_ID,
    "late_effects_followupitem": PATIENT_ID,
}


class Migration(migrations.Migration):
    dependencies = [("late_effects", "0002_bounded_free_text"), ("patients", "0011_record_change_stamps")]

    operations = [tracking_operation(TABLES)]
