"""Families see who from staff looked at their child's record; never another child's log, nor probes."""

import pytest
from django.urls import reverse

from portal.care import audit
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
    events = list(response.context["events"])
    assert [(e.user, e.action) for e in events] == [(clinician, "view")]
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
