"""Change stamps (patients.models.stamps) for this app's tables: who cares for and follows a child."""

from django.db import migrations

from patients.models.stamps import PATIENT_ID, tracking_operation, via

TABLES = {
    "care_careteammembership": PATIENT_ID,
    "care_familylink": PATIENT_ID,
    "care_careteamchild": PATIENT_ID,
    "care_breakglassgrant": PATIENT_ID,  # who may open the record, and the grants panel
    # A team's contacts and members show on each of its children's pages.
    "care_careteam": via("care_careteamchild", "id", key="team_id"),
    "care_careteammember": via("care_careteamchild", "team_id", key="team_id"),
}


class Migration(migrations.Migration):
    dependencies = [("care", "0008_audit_partitioned_by_month"), ("patients", "0011_record_change_stamps")]

    operations = [tracking_operation(TABLES)]
