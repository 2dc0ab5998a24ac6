"""Drop the audit trail's single-column indexes on user_id and patient_id.

(user_id, at) and (patient_id, at) lead with the same columns and serve every lookup by either,
including the foreign keys' checks; the two extra indexes cost a write per audit row (a list page
writes 25) and, at 100 million rows, two more indexes to store and vacuum. Only the indexes go:
the foreign keys stay as they are (an AlterField alone would drop and re-add them, re-checking
every row of the trail).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {"patient_id": "care_auditevent_patient_id_e6b229ed", "user_id": "care_auditevent_user_id_ce9c9cb0"}


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0011_audit_user_action_index"),
        ("patients", "0012_timeline_released_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in INDEXES.values()],
                    [
                        f"CREATE INDEX IF NOT EXISTS {name} ON care_auditevent ({column})"
                        for column, name in INDEXES.items()
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to="patients.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        )
    ]
