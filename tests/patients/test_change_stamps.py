"""Change stamps (patients.models.stamps): every write to a child's data moves that child's stamp, by trigger."""

import sqlite3
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection

from patients.models import ChemoAdministration, Drug, GeneticMarker, RecordStamp, TimelineEntry
from patients.models.stamps import (
    PATIENT_ID,
    REFERENCE,
    REFERENCE_DATA,
    TABLE,
    UNTRACKED,
    trigger_names,
    trigger_sql,
    via,
)
from portal.care.models import AuditAction, AuditEvent, CareTeam, CareTeamChild, CareTeamMembership
from tests.factories import PatientFactory
from tests.patients.factories import add_chemo, add_entry

pytestmark = pytest.mark.django_db

PATIENT_DATA_APPS = ("patients", "care", "late_effects", "reminders", "fhir", "education")


def _tables() -> set[str]:
    tables = set()
    for app in PATIENT_DATA_APPS:
        for model in apps.get_app_config(app).get_models():
            if model is RecordStamp:
                continue
            tables.add(model._meta.db_table)
            tables.update(f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many)
    return tables


def test_every_table_of_the_patient_data_apps_is_tracked_or_named_untracked_with_a_reason():
    installed = trigger_names()
    tracked = {t for t in _tables() if {f"stamp_{t}_{s}"[:63] for s in ("ins", "upd", "del")} <= installed}
    missing = _tables() - tracked - set(UNTRACKED)
    assert not missing, f"tables with neither stamp triggers nor a reason in UNTRACKED: {sorted(missing)}"
    assert not tracked & set(UNTRACKED), "a table is both tracked and named untracked"
    assert all(reason.strip() for reason in UNTRACKED.values())


def stamp(patient) -> int:
    return RecordStamp.read(patient.pk)[0]


def test_a_new_entry_and_its_detail_move_the_childs_stamp_only(clinician, patient):
    other = PatientFactory()
    before, other_before = stamp(patient), stamp(other)
    entry = add_chemo(clinician, patient, date.today(), "daunorubicin", 25)
    assert stamp(patient) > before
    assert stamp(other) == other_before

    # A bulk UPDATE of a detail row (no model save, no signal) moves it too: the trigger follows entry → child.
    before = stamp(patient)
    ChemoAdministration.objects.filter(entry=entry).update(dose=30)
    assert stamp(patient) > before

    before = stamp(patient)
    TimelineEntry.objects.filter(pk=entry.pk).delete()
    assert stamp(patient) > before
    assert stamp(other) == other_before


def test_stamps_never_repeat_even_when_a_row_is_written_again(clinician, patient):
    add_entry(clinician, patient, "milestone", date.today(), {}, subtype="remission")
    first = stamp(patient)
    RecordStamp.objects.filter(patient_id=patient.pk).delete()
    add_entry(clinician, patient, "milestone", date.today(), {}, subtype="remission")
    assert stamp(patient) > first


def test_a_many_to_many_change_moves_the_stamp(clinician, patient):
    from patients.clinical import services

    services.save_diagnosis(clinician, patient, {"diagnosed_on": date.today() - timedelta(days=3), "lineage": "B"})
    diagnosis = patient.diagnosis
    marker = GeneticMarker.objects.first()
    before = stamp(patient)
    diagnosis.genetic_markers.add(marker)
    assert stamp(patient) > before


def test_a_named_team_change_moves_the_stamp_of_each_of_its_children():
    children = [PatientFactory() for _ in range(3)]
    outside = PatientFactory()
    team = CareTeam.objects.create(name="Leukaemia team")
    CareTeamChild.objects.bulk_create([CareTeamChild(team=team, patient=child) for child in children])
    before = {child.pk: stamp(child) for child in [*children, outside]}
    CareTeam.objects.filter(pk=team.pk).update(contact_phone="+44 20 7946 0000")
    assert all(stamp(child) > before[child.pk] for child in children)
    assert stamp(outside) == before[outside.pk]


def test_reference_data_moves_the_reference_stamp(patient):
    before = RecordStamp.read(patient.pk)
    Drug.objects.filter(pk=Drug.objects.first().pk).update(name="Renamed")
    after = RecordStamp.read(patient.pk)
    assert after[1] > before[1] and after[0] == before[0]


def test_the_audit_trail_and_care_team_moves(clinician, patient):
    """Reading writes audit rows: those move nothing. A care-team change does (it decides who may see)."""
    before = stamp(patient)
    AuditEvent.objects.bulk_create([AuditEvent(user=clinician, patient=patient, action=AuditAction.VIEW)])
    assert stamp(patient) == before
    CareTeamMembership.objects.filter(patient=patient).update(active=False)
    assert stamp(patient) > before


@pytest.mark.parametrize(
    "children",
    [PATIENT_ID, REFERENCE_DATA, via("parent", "parent_id")],
    ids=["own column", "reference", "through a parent"],
)
def test_the_sqlite_triggers_of_the_embedded_default(children):
    """`make run` uses SQLite: the same triggers, one row at a time, with max + 1 for the counter."""
    db = sqlite3.connect(":memory:")
    db.executescript(
        f"CREATE TABLE {TABLE} (patient_id INTEGER PRIMARY KEY, stamp INTEGER NOT NULL);"  # noqa: S608
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, patient_id INTEGER);"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, patient_id INTEGER, parent_id INTEGER, value TEXT);"
        "INSERT INTO parent VALUES (1, 7);"
    )
    install, remove = trigger_sql("sqlite", "t", children)
    for statement in install:
        db.execute(statement)
    expected = REFERENCE if children == REFERENCE_DATA else 7

    def read() -> int:
        row = db.execute(f"SELECT stamp FROM {TABLE} WHERE patient_id = ?", (expected,)).fetchone()  # noqa: S608
        return row[0] if row else 0

    seen = [read()]
    db.execute("INSERT INTO t VALUES (1, 7, 1, 'a')")
    seen.append(read())
    db.execute("UPDATE t SET value = 'b'")
    seen.append(read())
    db.execute("DELETE FROM t")
    seen.append(read())
    assert seen == sorted(set(seen)), seen  # strictly increasing
    for statement in remove:
        db.execute(statement)
    db.execute("INSERT INTO t VALUES (2, 7, 1, 'c')")
    assert read() == seen[-1]


def test_the_postgresql_triggers_are_statement_level():
    """One stamp write per statement, however many rows: a bulk insert of a long history stays linear."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'stamp\\_%%' AND NOT tgisinternal AND tgtype & 1 = 1"
        )
        row_level = cursor.fetchone()[0]
    assert row_level == 0
