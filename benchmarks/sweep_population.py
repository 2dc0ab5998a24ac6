"""The sweep bench's population at a million items, written by PostgreSQL in seconds, not by Python in hours.

tests.patients.reminders.population builds a base of children (every link kind, preference and item
date the sweep distinguishes) through the ORM; replicate() then copies that whole base `copies`
times with one INSERT … SELECT … generate_series per table. Copy k shifts every id and every
foreign key by k times the table's largest id and makes the unique texts (MRN, email) unique, so
the copies are the base's distribution exactly, child for child, and the Python sweep's agreement on
the base carries over.
"""

from __future__ import annotations

from django.db import connection, models

from patients.late_effects.models import CarePlan, FollowUpItem
from patients.models import Patient
from patients.reminders.models import ReminderPreference
from portal.accounts.models import User
from portal.care.models import CareTeamMembership, FamilyLink

#: Copied in this order (a row's foreign keys point to rows of the tables before it).
TABLES = (Patient, User, FamilyLink, CareTeamMembership, ReminderPreference, CarePlan, FollowUpItem)
UNIQUE_TEXT = {(Patient, "mrn"), (User, "email")}


def _expression(model, field, offsets: dict) -> str:
    column = connection.ops.quote_name(field.column)
    if field.primary_key:
        return f"{column} + k * {offsets[model]}"
    if field.is_relation and field.related_model in offsets:
        return f"{column} + k * {offsets[field.related_model]}"
    if (model, field.name) in UNIQUE_TEXT:
        return f"'c' || k || '-' || {column}"
    return column


def replicate(copies: int) -> None:
    """Copy every row of TABLES `copies` times (the tables must hold only the base population)."""
    if copies < 1:
        return
    with connection.cursor() as cursor:
        offsets = {}
        for model in TABLES:
            cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {model._meta.db_table}")  # noqa: S608
            offsets[model] = cursor.fetchone()[0]
        for model in TABLES:
            table = model._meta.db_table
            fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            values = ", ".join(_expression(model, f, offsets) for f in fields)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table}, "  # noqa: S608 (model names)
                f"generate_series(1, %s) AS k WHERE {table}.id <= %s",
                [copies, offsets[model]],
            )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        cursor.execute("ANALYZE")
