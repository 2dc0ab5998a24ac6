"""List and detail pages run a fixed number of queries: 5 or 50 children (or team members) cost the same."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory

pytestmark = pytest.mark.django_db

# About half are per request whatever the page: session, user, MFA device, session-timeout save,
# the notification badge. Measured: lists 8-10. The record page (24 with the clinical sections,
# the audit rows for the record and its timeline, and the family's open questions) is a fixed set
# of one query per section; the tests below show it does not grow with the data. The audit trail's
# hash chain adds a fixed 3 to every page that writes audit rows (savepoint, chain lock, last hash).
MAX_LIST = 7
# The worklist adds one statement for what its kept page depends on (worklist.worklist_state).
MAX_WORKLIST = 10
MAX_DETAIL = 20  # the record with its plots (two series and the rule thresholds), built
KEPT_DETAIL = 12  # the record served from its kept HTML (patients.page_cache): the limit


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def cold_and_warm(client, url) -> tuple[int, int]:
    """Queries of a page built from the database, then of the same page served from its kept HTML."""
    caches["pages"].clear()
    return queries(client, url), queries(client, url)


def give_patients(clinician, n):
    for _ in range(n):
        CareTeamMembershipFactory(patient=PatientFactory(), clinician=clinician)


@pytest.mark.parametrize(("name", "limit"), [("patients:list", MAX_WORKLIST), ("api-patient-list", MAX_LIST)])
def test_list_pages_do_not_grow_with_patients(clinician_client, clinician, name, limit, django_assert_max_num_queries):
    url = reverse(name)
    give_patients(clinician, 4)  # 5 with the fixture's child
    few = cold_and_warm(clinician_client, url)
    give_patients(clinician, 45)  # 50
    with django_assert_max_num_queries(limit):
        clinician_client.get(url)
    assert cold_and_warm(clinician_client, url) == few


def test_record_page_does_not_grow_with_team_or_family(clinician_client, patient, django_assert_max_num_queries):
    url = reverse("patients:detail", kwargs={"patient_id": patient.pk})
    for _ in range(4):
        CareTeamMembershipFactory(patient=patient)
        FamilyLinkFactory(patient=patient)
    few = cold_and_warm(clinician_client, url)
    give_patients(CareTeamMembershipFactory(patient=patient).clinician, 45)
    for _ in range(45):
        CareTeamMembershipFactory(patient=patient)
        FamilyLinkFactory(patient=patient)
    with django_assert_max_num_queries(MAX_DETAIL):
        clinician_client.get(url)
    with django_assert_max_num_queries(KEPT_DETAIL):
        clinician_client.get(url)
    assert cold_and_warm(clinician_client, url) == few


def test_api_detail_is_constant(clinician_client, clinician, patient, django_assert_max_num_queries):
    url = reverse("api-patient-detail", kwargs={"patient_id": patient.pk})
    few = cold_and_warm(clinician_client, url)
    give_patients(clinician, 45)
    with django_assert_max_num_queries(MAX_DETAIL):
        clinician_client.get(url)
    assert cold_and_warm(clinician_client, url) == few


def test_family_home_does_not_grow_with_children(family_client, family_user, django_assert_max_num_queries):
    url = reverse("patients:family_home")
    for _ in range(4):
        FamilyLinkFactory(user=family_user)
    few = queries(family_client, url)
    for _ in range(45):
        FamilyLinkFactory(user=family_user)
    with django_assert_max_num_queries(MAX_LIST):
        family_client.get(url)
    assert queries(family_client, url) == few


def test_record_page_with_its_plots_does_not_grow_with_the_timeline(clinician_client, patient):
    """The swimlane, MRD, count and dose plots read summarised series: 20 or 200 entries cost the same."""
    from datetime import date, timedelta

    from tests.patients.factories import bulk_plot_history

    url = reverse("patients:detail", kwargs={"patient_id": patient.pk})
    bulk_plot_history(patient, 20, date.today() - timedelta(days=300))
    cold, warm = cold_and_warm(clinician_client, url)
    bulk_plot_history(patient, 180, date.today() - timedelta(days=250))
    html = clinician_client.get(url).content.decode()
    assert 'id="plot-swimlane"' in html and 'id="plot-mrd"' in html and 'id="plot-dose-anthracycline"' in html
    assert cold_and_warm(clinician_client, url) == (cold, warm)
    assert cold <= MAX_DETAIL and warm <= KEPT_DETAIL
