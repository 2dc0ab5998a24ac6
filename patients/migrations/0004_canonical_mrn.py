"""MRNs become canonical (trimmed, upper case) and unique on that form.

Existing rows are normalised first. Two records whose MRNs differ only in case or surrounding
spaces cannot be merged by a migration (which child is which is a clinical decision), so the
migration stops and names them; fix them in the admin and migrate again.
"""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Trim, Upper

import patients.models.patient


class MRNClash(Exception):
    pass


def canonicalise_mrns(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    canonical = Upper(Trim("mrn"))
    clashes = (
        Patient.objects.annotate(canonical=canonical)
        .values("canonical")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("canonical", flat=True)
    )
    if clashes:
        groups = {
            value: sorted(Patient.objects.annotate(canonical=canonical).filter(canonical=value).values_list("id", flat=True))
            for value in clashes
        }
        listed = "; ".join(f"{value}: patient ids {ids}" for value, ids in sorted(groups.items()))
        raise MRNClash(
            f"MRNs that differ only in case or spaces belong to more than one record ({listed}). "
            "Decide which record keeps the MRN, correct the other(s) in the admin, then migrate again."
        )
    Patient.objects.exclude(mrn=canonical).update(mrn=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_bounded_free_text"),
    ]

    operations = [
        migrations.RunPython(canonicalise_mrns, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="patient",
            name="mrn",
            field=patients.models.patient.MRNField(
                help_text="Medical record number.", max_length=32, unique=True, verbose_name="MRN"
            ),
        ),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Upper("mrn"), name="patient_mrn_unique_upper"
            ),
        ),
    ]
