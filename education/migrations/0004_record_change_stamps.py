"""Change stamps (patients.models.stamps): published pages are reference data; shares and questions are a child's."""

from django.db import migrations

from patients.models.stamps import PATIENT_ID, REFERENCE_DATA, tracking_operation

TABLES = {
    "education_topic": REFERENCE_DATA,
    "education_page": REFERENCE_DATA,
    "education_page_topics": REFERENCE_DATA,
    "education_questionset": REFERENCE_DATA,
    "education_curatedquestion": REFERENCE_DATA,
    "education_pageshare": PATIENT_ID,
    "education_familyquestion": PATIENT_ID,
}


class Migration(migrations.Migration):
    dependencies = [("education", "0003_verbose_plural_names"), ("patients", "0011_record_change_stamps")]

    operations = [tracking_operation(TABLES)]
