"""New rows in one statement whose cost is the database's, not the ORM's.

bulk_create builds a model instance per row and prepares each field of each row through the
compiler; for a delivery chunk's logs and notifications (hundreds of rows at a time) that was a
sixth of the chunk. On PostgreSQL `insert_rows` sends one array per column (INSERT ... SELECT FROM
unnest), so the statement is the same size of text whatever the number of rows; elsewhere it is
bulk_create. Like bulk_create it sends no signals and fills in field defaults.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import connections, router
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone


def insert_rows(model, rows: list[dict], using: str | None = None) -> None:
    """INSERT these rows (dicts keyed by field attname, e.g. "user_id") of `model` in one statement."""
    if not rows:
        return
    using = using or router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    known = {f.attname for f in fields}
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    if connection.vendor != "postgresql":
        model._default_manager.using(using).bulk_create([model(**row) for row in rows])
        return
    columns = [[_value(field, row, connection) for row in rows] for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(unnest_insert_sql(model, fields, connection), columns)


def unnest_insert_sql(model, fields, connection, same: Collection = ()) -> str:
    """PostgreSQL: INSERT INTO the model's table (these fields' columns) SELECT FROM unnest of one
    array parameter per field, each cast to its column's type.

    A field in `same` has one value for every row: one parameter of its own (these come first, in
    field order, then the arrays), not an array repeating it."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    each = [f for f in fields if f not in same]
    values = ", ".join(f"%s::{f.db_type(connection)}" if f in same else f"u.{quote(f.column)}" for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in each)
    aliases = ", ".join(quote(f.column) for f in each)
    return f"INSERT INTO {table} ({names}) SELECT {values} FROM unnest({arrays}) AS u({aliases})"  # noqa: S608


def _value(field, row: dict, connection):
    if field.attname in row:
        value = row[field.attname]
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = timezone.now()
    else:
        value = field.get_default()  # as the ORM does: "" for a text field without one, else None
    return field.get_db_prep_save(value, connection)
