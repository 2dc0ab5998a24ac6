"""The audit trail cannot be wiped by the application's database role, and any edit or deletion made
behind the trigger's back (by the owner) is found by the hash chain (`manage.py verify_audit`)."""

import contextlib
import io
import os
import threading

import psycopg
import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from portal.care import audit
from portal.care.db_roles import role_warnings
from portal.care.models import AuditEvent
from portal.views import health

# PostgreSQL roles belong to the whole cluster, not to one database: each pytest-xdist worker (its own
# test database) gets roles of its own, so two workers never create or alter the same role at once.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
OWNER, APP = f"test_audit_owner{_WORKER}", f"test_audit_app{_WORKER}"
TRIGGER = "care_auditevent_append_only"
UNCHAINED_INSERT = (
    "INSERT INTO care_auditevent (at, user_email, action, object_type, object_id, purpose, user_agent, path,"
    " detail, prev_hash, row_hash) VALUES (CURRENT_TIMESTAMP, '', 'view', '', '', 'system', '', '', '', '', '')"
)


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("database roles and the trigger exist on PostgreSQL only")


def connect_as(role: str) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, dbname=s["NAME"], user=role, autocommit=True)


@contextlib.contextmanager
def connected_as(role: str):
    """A Django connection of the same backend, logged in as `role` (registered while in use)."""
    real, alias = connections["default"], f"as-{role}"
    wrapper = type(real)({**real.settings_dict, "USER": role, "PASSWORD": ""}, alias=alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def three_rows(clinician, patient):
    return [audit.record(clinician, "view", patient=patient, detail=f"n={n}") for n in range(3)]


# --- The application role -----------------------------------------------------------------------


@pytest.fixture
def roles(transactional_db):
    postgres_only()
    call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)
    call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)  # idempotent
    return OWNER, APP


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE care_auditevent",
        "UPDATE care_auditevent SET detail = 'x'",
        "DELETE FROM care_auditevent",
        f"ALTER TABLE care_auditevent DISABLE TRIGGER {TRIGGER}",
        "ALTER TABLE care_auditevent DISABLE TRIGGER ALL",
        f"DROP TRIGGER {TRIGGER} ON care_auditevent",
        "SET session_replication_role = replica",
        "DROP TABLE care_auditevent",
        "CREATE TABLE care_auditevent_copy (id int)",
        "SET ROLE {owner}",  # the test id stays the same in every xdist worker
    ],
)
def test_app_role_cannot_wipe_or_unprotect_the_trail(roles, clinician, patient, sql):
    event = audit.record(clinician, "view", patient=patient)
    with connect_as(APP) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql.format(owner=OWNER))
    assert AuditEvent.objects.get(pk=event.pk).detail == event.detail
    assert verify().startswith("audit trail intact: 1 chained rows")


@pytest.mark.postgres
def test_app_role_inserts_and_reads_the_trail_and_keeps_normal_rights_elsewhere(roles, clinician, patient):
    audit.record(clinician, "view", patient=patient)
    with connect_as(APP) as conn:
        superuser, replication = conn.execute(
            "SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (superuser, replication) == (False, False)
        with conn.transaction(force_rollback=True):
            conn.execute(UNCHAINED_INSERT)
            assert conn.execute("SELECT count(*) FROM care_auditevent").fetchone()[0] == 2
            conn.execute("UPDATE patients_patient SET mrn = mrn WHERE id = %s", [patient.pk])
            conn.execute("DELETE FROM care_notification")
    # A table a later migration creates (as the owner) gets the same rights (default privileges).
    with connect_as(OWNER) as owner:
        owner.execute("CREATE TABLE audit_roles_probe (id int)")
        try:
            with connect_as(APP) as conn:
                conn.execute("INSERT INTO audit_roles_probe VALUES (1)")
                conn.execute("DELETE FROM audit_roles_probe")
        finally:
            owner.execute("DROP TABLE audit_roles_probe")


# --- The deploy check and /healthz ---------------------------------------------------------------


@pytest.mark.postgres
def test_deploy_check_and_healthz_warn_as_owner_or_superuser_and_are_silent_as_the_app_role(roles, client, monkeypatch):
    assert "superuser" in role_warnings(connection)[0]  # the test server's own role
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert any(m.id == "care.W001" and "superuser" in m.msg for m in found)

    with connected_as(OWNER) as as_owner, connected_as(APP) as as_app:
        assert any("owns" in w for w in role_warnings(as_owner))
        assert role_warnings(as_app) == []
        monkeypatch.setattr(health, "connection", as_owner)
        assert client.get(reverse("healthz")).json()["audit_role"] == "unsafe"
        monkeypatch.setattr(health, "connection", as_app)
        assert client.get(reverse("healthz")).json()["audit_role"] == "ok"


# --- The hash chain ------------------------------------------------------------------------------


def behind_the_triggers_back(sql: str, params: list) -> None:
    """As the table owner: disable the trigger, change the table, enable it again."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER TABLE
            call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)  # rolled back with the test
            cursor.execute(f"SET LOCAL ROLE {OWNER}")
            cursor.execute(f"ALTER TABLE care_auditevent DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE care_auditevent ENABLE TRIGGER {TRIGGER}")
            cursor.execute("RESET ROLE")


@pytest.mark.django_db
def test_verify_passes_on_a_clean_trail_written_by_record_and_record_many(clinician, patient, other_patient):
    three_rows(clinician, patient)
    audit.record_many(clinician, "list", [patient, other_patient])
    audit.record(None, "login_failed", user_email="nobody@example.org")
    first, *_, last = AuditEvent.objects.order_by("id")
    assert first.prev_hash == "0" * 64 and len(last.row_hash) == 64
    assert verify().startswith("audit trail intact: 6 chained rows")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "finding"),
    [
        ("UPDATE care_auditevent SET detail = 'nothing to see' WHERE id = %(middle)s", "row {middle} was changed"),
        ("DELETE FROM care_auditevent WHERE id = %(middle)s", "chain broken at row {last}: .* after row {first}"),
        (UNCHAINED_INSERT, r"row \d+ carries no hash"),
    ],
    ids=["edited", "deleted", "inserted-unchained"],
)
def test_verify_names_the_first_tampered_row(clinician, patient, sql, finding):
    first, middle, last = three_rows(clinician, patient)
    ids = {"first": first.pk, "middle": middle.pk, "last": last.pk}
    with transaction.atomic():
        behind_the_triggers_back(sql, ids)
        with pytest.raises(CommandError, match=finding.format(**ids)):
            verify()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_rows_from_before_the_chain_are_accepted_only_as_a_prefix(clinician, patient):
    with connection.cursor() as cursor:
        cursor.execute(UNCHAINED_INSERT)
    three_rows(clinician, patient)
    assert "3 chained rows, 1 earlier rows without hashes" in verify()


@pytest.mark.postgres
def test_concurrent_writers_keep_a_single_chain(transactional_db, clinician, patient, other_patient):
    postgres_only()
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                if i % 5 == 0:
                    audit.record_many(clinician, "list", [patient, other_patient], detail=f"w{n}")
                else:
                    audit.record(clinician, "view", patient=patient, detail=f"w{n}-{i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.count() == 4 * (16 + 4 * 2)
    assert verify().startswith(f"audit trail intact: {4 * 24} chained rows")


# --- The anchor: a head recorded outside the table ------------------------------------------------


def head_of(output: str) -> str:
    return output.rsplit("head: ", 1)[1].strip()


def delete_newest(count: int) -> None:
    newest = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:count])
    behind_the_triggers_back("DELETE FROM care_auditevent WHERE id = ANY(%s)", [newest])


@pytest.mark.django_db
def test_deleting_the_newest_row_is_found_against_an_earlier_head(clinician, patient):
    *_, last = three_rows(clinician, patient)
    head = head_of(verify())
    assert head == f"3:{last.pk}:{last.row_hash}"
    audit.record(clinician, "view", patient=patient)  # later rows are fine
    call_command("verify_audit", expect_head=head, stdout=io.StringIO())
    with transaction.atomic():
        delete_newest(2)  # the row after the anchor and the anchored row itself
        assert verify().startswith("audit trail intact: 2 chained rows")  # the chain alone cannot tell
        with pytest.raises(CommandError, match=f"the anchored head, row {last.pk}, is gone"):
            call_command("verify_audit", expect_head=head, stdout=io.StringIO())
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_anchor_file_records_each_head_and_catches_a_cut_tail(clinician, patient, tmp_path):
    anchors = tmp_path / "heads.jsonl"
    three_rows(clinician, patient)
    call_command("verify_audit", anchor_file=anchors, stdout=io.StringIO())  # no anchor yet: records one
    audit.record(clinician, "view", patient=patient)
    out = io.StringIO()
    call_command("verify_audit", anchor_file=anchors, stdout=out)
    assert "1 anchor(s) held" in out.getvalue()
    assert len(anchors.read_text().splitlines()) == 2
    with transaction.atomic():
        delete_newest(1)
        with pytest.raises(CommandError, match="is gone: the newest rows of the trail were deleted"):
            call_command("verify_audit", anchor_file=anchors, stdout=io.StringIO())
        transaction.set_rollback(True)
    assert len(anchors.read_text().splitlines()) == 2  # a failed run records nothing


@pytest.mark.django_db
def test_a_rewritten_anchored_row_or_a_bad_head_is_refused(clinician, patient):
    *_, last = three_rows(clinician, patient)
    with pytest.raises(CommandError, match="not a head"):
        call_command("verify_audit", expect_head="three rows", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no longer carries the anchored hash"):
        call_command("verify_audit", expect_head=f"3:{last.pk}:{'f' * 64}", stdout=io.StringIO())
    with pytest.raises(CommandError, match=rf"3 rows up to the anchored row {last.pk}, the anchor counted 4"):
        call_command("verify_audit", expect_head=f"4:{last.pk}:{last.row_hash}", stdout=io.StringIO())


# --- Re-running audit_db_roles ------------------------------------------------------------------


@pytest.mark.postgres
def test_audit_db_roles_reapplies_the_narrow_grant_after_the_audit_table_is_recreated(roles):
    def rights() -> dict[str, bool]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_userbyid(relowner), has_table_privilege(%s, oid, 'DELETE'),"
                " has_table_privilege(%s, oid, 'INSERT') FROM pg_class WHERE oid = 'care_auditevent'::regclass",
                [APP, APP],
            )
            owner, delete, insert = cursor.fetchone()
        return {"owned_by_owner": owner == OWNER, "app_may_delete": delete, "app_may_insert": insert}

    assert rights() == {"owned_by_owner": True, "app_may_delete": False, "app_may_insert": True}
    with transaction.atomic(), connection.cursor() as cursor:
        # A restore or a migration builds the table anew (here as the superuser): the old grants are gone.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE care_auditevent RENAME TO care_auditevent_old")
        cursor.execute("CREATE TABLE care_auditevent (LIKE care_auditevent_old INCLUDING ALL)")
        cursor.execute(f"GRANT ALL ON care_auditevent TO {APP}")
        assert rights()["app_may_delete"] and not rights()["owned_by_owner"]
        call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)
        assert rights() == {"owned_by_owner": True, "app_may_delete": False, "app_may_insert": True}
        call_command("audit_db_roles", owner=OWNER, app=APP, verbosity=0)  # and again: nothing changes
        assert rights() == {"owned_by_owner": True, "app_may_delete": False, "app_may_insert": True}
        transaction.set_rollback(True)
