"""Families see who from staff looked at their child's record; never another child's log, nor probes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from portal.care import audit
from tests.conftest import forget_kept_pages
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def log_url(patient):
    return reverse("patients:family_access_log", kwargs={"patient_id": patient.pk})


def test_family_sees_staff_reads_of_their_child(family_client, family_user, clinician, clinician_client, patient):
    clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk}))
    prober = ClinicianFactory(first_name="Pat", last_name="Prober")
    audit.record(prober, "denied", patient=patient)
    audit.record(family_user, "view", patient=patient)
    audit.record(clinician, "list", patient=patient)
    response = family_client.get(log_url(patient))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["user"], [label for label, _ in r["actions"]]) for r in rows] == [(clinician, ["Viewed"])]
    html = response.content.decode()
    assert clinician.get_full_name() in html and "Pat Prober" not in html


def test_another_childs_log_is_404(family_client, other_patient):
    assert family_client.get(log_url(other_patient)).status_code == 404


def test_staff_do_not_use_the_family_page(clinician_client, patient):
    assert clinician_client.get(log_url(patient)).status_code == 404


def test_query_count_does_not_grow_with_events(family_client, patient, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        forget_kept_pages()  # each count decides access afresh
        with CaptureQueriesContext(connection) as ctx:
            assert family_client.get(log_url(patient)).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        audit.record(ClinicianFactory(), "view", patient=patient)
    small = count()
    for _ in range(45):
        audit.record(ClinicianFactory(), "view", patient=patient)
    with django_assert_max_num_queries(small):
        family_client.get(log_url(patient))
    assert count() == small


def _at(day, hour):
    return datetime(2026, 3, day, hour, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_log_groups_by_person_and_local_day_newest_first(family_client, patient):
    ann = ClinicianFactory(first_name="Ann", last_name="Arbor")
    ben = ClinicianFactory(first_name="Ben", last_name="Bay")
    # 23:30 local on the 10th is the 11th in UTC for a zone west of Greenwich: still the 10th here.
    for when, who, action in [
        (_at(10, 9), ann, "view"),
        (_at(10, 11), ann, "view"),
        (_at(10, 23) + timedelta(minutes=30), ann, "update"),
        (_at(10, 12), ben, "view"),
        (_at(12, 8), ann, "print"),
    ]:
        with time_machine.travel(when, tick=False):
            audit.record(who, action, patient=patient)
    with time_machine.travel(_at(13, 9), tick=False):
        rows = family_client.get(log_url(patient)).context["rows"]
    summary = [(r["day"].day, r["user"], r["actions"]) for r in rows]
    assert summary == [
        (12, ann, [("Printed", 1)]),
        (10, ann, [("Viewed", 2), ("Changed", 1)]),
        (10, ben, [("Viewed", 1)]),
    ]
    assert rows[1]["first"] == _at(10, 9)


def test_log_is_paged(family_client, patient):
    from patients.views.family import ACCESS_LOG_DAYS_PER_PAGE

    reader = ClinicianFactory()
    for day in range(ACCESS_LOG_DAYS_PER_PAGE + 3):
        with time_machine.travel(_at(1, 12) + timedelta(days=day), tick=False):
            audit.record(reader, "view", patient=patient)
    first = family_client.get(log_url(patient))
    assert len(first.context["rows"]) == ACCESS_LOG_DAYS_PER_PAGE
    assert first.context["page"].paginator.num_pages == 2
    assert 'rel="next"' in first.content.decode()
    second = family_client.get(log_url(patient) + "?page=2")
    assert len(second.context["rows"]) == 3
    assert second.context["rows"][0]["day"] < first.context["rows"][-1]["day"]


def test_log_is_in_spanish_for_a_spanish_family(family_client, clinician, patient):
    audit.record(clinician, "view", patient=patient)
    family_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = family_client.get(log_url(patient), headers={"accept-language": "es"}).content.decode()
    assert "Una línea por persona y día" in html and "Consultó" in html
