"""The audit trail is append-only everywhere (model, queryset, admin, PostgreSQL trigger) and exportable."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.care import audit
from portal.care.models import AuditEvent
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(clinician, patient):
    return audit.record(clinician, "view", patient=patient, obj=patient)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE care_auditevent SET action = 'delete' WHERE id = %s",
        "DELETE FROM care_auditevent WHERE id = %s",
    ],
)
def test_postgres_trigger_refuses_raw_update_and_delete(event, sql):
    if connection.vendor != "postgresql":
        pytest.skip("The trigger exists on PostgreSQL only")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == "view"


def test_model_and_queryset_refuse_change_and_delete(event):
    event.action = "delete"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_admin_offers_no_add_change_or_delete_even_to_superusers(admin_client_verified, site_admin, event):
    assert site_admin.is_superuser
    client = admin_client_verified
    assert client.get(reverse("admin:care_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:care_auditevent_delete", args=[event.pk])).status_code == 403
    response = client.post(reverse("admin:care_auditevent_change", args=[event.pk]), {"action": "delete"})
    assert response.status_code == 403
    page = client.get(reverse("admin:care_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    changelist = client.get(reverse("admin:care_auditevent_changelist"))
    assert b'name="action"' not in changelist.content  # no bulk actions (delete_selected)
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_changelist_filters_and_searches(admin_client_verified, clinician, patient, other_patient):
    audit.record(clinician, "view", patient=patient)
    audit.record(clinician, "update", patient=other_patient, purpose="break_glass")
    url = reverse("admin:care_auditevent_changelist")
    client = admin_client_verified

    def rows(**params):
        return list(client.get(url, params).context["cl"].result_list)

    assert {e.action for e in rows(action__exact="update")} == {"update"}
    assert {e.purpose for e in rows(purpose__exact="break_glass")} == {"break_glass"}
    assert {e.patient for e in rows(q=other_patient.mrn)} == {other_patient}
    assert {e.user for e in rows(q=clinician.email)} == {clinician}
    today = timezone.localdate()
    assert rows(at__year=today.year, at__month=today.month, at__day=today.day)


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_streams_the_filtered_rows_and_is_itself_audited(
    admin_client_verified, site_admin, clinician, patient, other_patient
):
    audit.record(clinician, "view", patient=patient)
    audit.record(clinician, "view", patient=other_patient)
    audit.record(None, "login_failed", user_email="=cmd|' /C calc'!A0")
    url = reverse("admin:care_auditevent_export")
    response = admin_client_verified.get(url, {"q": patient.mrn})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:7] == [
        "id",
        f"at ({settings.TIME_ZONE})",
        "user_email",
        "user_id",
        "patient_mrn",
        "patient_id",
        "action",
    ]
    assert body and {r[4] for r in body} == {patient.mrn}
    export = AuditEvent.objects.get(action="export")
    assert (export.user, export.purpose) == (site_admin, "admin")
    assert f"rows={len(body)}" in export.detail and patient.mrn not in export.detail

    everything = _csv(admin_client_verified.get(url, {"action__exact": "login_failed"}))
    assert everything[1][2].startswith("'=")  # spreadsheet formula neutralised


@override_settings(TIME_ZONE="America/Chicago")
def test_csv_export_writes_local_times_and_names_the_zone(admin_client_verified, clinician, patient):
    with time_machine.travel(datetime(2026, 7, 1, 3, 30, tzinfo=UTC), tick=False):
        event = audit.record(clinician, "view", patient=patient)
    rows = _csv(admin_client_verified.get(reverse("admin:care_auditevent_export"), {"q": patient.mrn}))
    assert rows[0][1] == "at (America/Chicago)"
    (row,) = [r for r in rows[1:] if r[0] == str(event.pk)]
    # 03:30 UTC on 1 July is 22:30 the evening before in Chicago (CDT, UTC-5), offset written out.
    assert row[1] == "2026-06-30T22:30:00-05:00"


def test_export_link_keeps_the_current_filters(admin_client_verified):
    response = admin_client_verified.get(reverse("admin:care_auditevent_changelist"), {"action__exact": "view"})
    assert reverse("admin:care_auditevent_export") + "?action__exact=view" in response.content.decode()


def test_export_refused_to_non_admins(clinician_client):
    response = clinician_client.get(reverse("admin:care_auditevent_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_with_bad_filter_exports_nothing(admin_client_verified):
    PatientFactory()
    response = admin_client_verified.get(reverse("admin:care_auditevent_export"), {"nonsense__field": "1"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="export").exists()
