"""The audit admin on a large (on PostgreSQL: partitioned) trail: a bounded number of queries whatever
the number of rows, no COUNT over the table, no date hierarchy, exact email / MRN search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.care import audit
from portal.care.models import AuditEvent

URL = reverse("admin:care_auditevent_changelist")


def trail(clinician, patient, other_patient, n: int) -> None:
    audit.record_many(clinician, "list", [patient] * n)
    audit.record_many(clinician, "view", [other_patient] * n)
    for _ in range(3):
        audit.record(None, "login_failed", user_email="Typo@Example.org")


def page_queries(client, **params) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    queries = [q["sql"] for q in ctx.captured_queries]
    assert response.status_code == 200
    return response, queries


@pytest.mark.parametrize("params", [{}, {"q": "clinician"}, {"q": "mrn"}, {"action__exact": "view"}, {"p": "2"}])
def test_the_list_costs_the_same_queries_for_few_and_many_rows_and_never_counts(
    admin_client_verified, clinician, patient, other_patient, params
):
    if params.get("q") == "clinician":
        params = {"q": clinician.email}
    elif params.get("q") == "mrn":
        params = {"q": patient.mrn}
    trail(clinician, patient, other_patient, 3)
    _r, few = page_queries(admin_client_verified, **{**params, "p": "1"})
    trail(clinician, patient, other_patient, 80)
    _r, many = page_queries(admin_client_verified, **params)
    assert len(many) == len(few)
    assert not [q for q in few + many if "COUNT(" in q.upper() and "care_auditevent" in q]


def test_the_pages_walk_without_a_count(admin_client_verified, clinician, patient, other_patient):
    trail(clinician, patient, other_patient, 60)  # 123 rows and the admin's sign-in: pages of 50
    total = AuditEvent.objects.count()
    first, _q = page_queries(admin_client_verified)
    cl = first.context["cl"]
    assert len(cl.result_list) == 50 and cl.multi_page and not cl.can_show_all
    assert "date_hierarchy" not in first.content.decode() and cl.date_hierarchy is None
    third, _q = page_queries(admin_client_verified, p="3")
    assert 100 < total <= 150 and len(third.context["cl"].result_list) == total - 100
    seen = [
        e.pk for p in ("1", "2", "3") for e in page_queries(admin_client_verified, p=p)[0].context["cl"].result_list
    ]
    assert sorted(seen) == sorted(AuditEvent.objects.values_list("pk", flat=True))


def test_search_by_exact_email_and_by_mrn_uses_equality(admin_client_verified, clinician, patient, other_patient):
    trail(clinician, patient, other_patient, 2)

    def found(term):
        response, queries = page_queries(admin_client_verified, q=term)
        return list(response.context["cl"].result_list), queries

    rows, queries = found(clinician.email.upper())
    assert len(rows) == 4 and {e.user for e in rows} == {clinician}
    assert not [q for q in queries if "LIKE" in q.upper() and "care_auditevent" in q]
    rows, _q = found("Typo@Example.org")  # a failed sign-in keeps the email as typed
    assert {e.action for e in rows} == {"login_failed"} and len(rows) == 3
    rows, _q = found(f"  {patient.mrn.lower()} ")
    assert {e.patient for e in rows} == {patient}
    assert found(patient.mrn[:-1])[0] == []  # exact, not a prefix
    assert found("nobody@example.org")[0] == []
