"""insert_rows: the rows bulk_create would write, in one statement, with the model's defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.bulk_rows import insert_rows
from portal.care.models import Notification


def _rows(user, patient, n: int) -> list[dict]:
    return [
        {"user_id": user.pk, "patient_id": patient.pk if i % 2 else None, "kind": "k", "title": f"Title {i}"}
        for i in range(n)
    ]


@pytest.mark.django_db
def test_rows_are_written_with_defaults_and_nulls(clinician, patient):
    before = timezone.now()
    insert_rows(Notification, _rows(clinician, patient, 3))
    notes = list(Notification.objects.filter(user=clinician).order_by("id"))
    assert [n.title for n in notes] == ["Title 0", "Title 1", "Title 2"]
    assert [n.patient_id for n in notes] == [None, patient.pk, None]
    assert all(n.body == "" and n.link == "" and n.dedup_key == "" and n.read_at is None for n in notes)
    assert all(before - timedelta(seconds=1) <= n.created_at <= timezone.now() for n in notes)


@pytest.mark.django_db
def test_many_rows_are_one_statement_on_postgresql(clinician, patient):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere insert_rows is bulk_create")
    with CaptureQueriesContext(connection) as queries:
        insert_rows(Notification, _rows(clinician, patient, 500))
    assert len(queries.captured_queries) == 1
    assert "unnest" in queries.captured_queries[0]["sql"]
    assert Notification.objects.filter(user=clinician, kind="k").count() == 500


@pytest.mark.django_db
def test_an_unknown_field_is_refused_before_anything_is_written(clinician):
    good = {"user_id": clinician.pk, "kind": "k", "title": "t"}
    with pytest.raises(TypeError, match="no field colour"):
        insert_rows(Notification, [good, {**good, "colour": "red"}])
    assert not Notification.objects.filter(kind="k").exists()


@pytest.mark.django_db
def test_nothing_to_insert_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows(Notification, [])
