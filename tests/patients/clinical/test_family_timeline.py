"""The family's plain-language timeline: released entries only, confidential hidden by age."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.clinical import selectors
from patients.models import TimelineEntry
from tests.conftest import forget_kept_pages, signed_in_client
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory, born_years_ago
from tests.patients.factories import add_entry

pytestmark = pytest.mark.django_db


def _entries(clinician, child):
    today = date.today()
    add_entry(clinician, child, "appointment", today, title="Released visit", visibility="released")
    add_entry(clinician, child, "note", today, title="Clinician only note")
    add_entry(clinician, child, "note", today, title="Teen confidential", visibility="released", confidential=True)
    add_entry(
        clinician,
        child,
        "bone_marrow",
        today,
        title="Result released tomorrow",
        visibility="released",
        released_at=timezone.now() + timedelta(days=1),
    )


@pytest.mark.parametrize(("age", "sees_confidential"), [(8, True), (14, False)])
def test_family_sees_only_released_entries(age, sees_confidential):
    child = PatientFactory(date_of_birth=born_years_ago(age))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    _entries(clinician, child)
    titles = {e.title for e in selectors.family_timeline(parent, child)}
    expected = {"Released visit"} | ({"Teen confidential"} if sees_confidential else set())
    assert titles == expected
    page = signed_in_client(parent).get(reverse("patients:family_child", kwargs={"patient_id": child.pk}))
    html = page.content.decode()
    assert "Released visit" in html and "Clinician only note" not in html and "Result released tomorrow" not in html
    assert ("Teen confidential" in html) is sees_confidential
    assert "Appointment" in html  # plain-language label
    assert html.count("<h1") == 1


def test_family_page_query_count_does_not_grow(django_assert_max_num_queries):
    child = PatientFactory(date_of_birth=born_years_ago(6))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    client = signed_in_client(FamilyLinkFactory(patient=child).user)
    url = reverse("patients:family_timeline", kwargs={"patient_id": child.pk})
    add_entry(
        clinician,
        child,
        "mrd",
        date.today(),
        {"timepoint": "day29", "sample": "marrow", "method": "flow", "negative_below_pct": 0.01},
        visibility="released",
    )
    client.get(url)
    forget_kept_pages()  # both counts below build the page from the database
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for _ in range(5):
        add_entry(clinician, child, "lab", date.today(), {"test_name": "Hb", "value": "9.1"}, visibility="released")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Hb: 9.1") == 5
    assert "not detected" in page.content.decode()


def test_other_family_never_sees_the_entries(family_client, family_user, other_patient):
    from portal.care.models import CareTeamMembership

    clinician = CareTeamMembership.objects.filter(patient=other_patient).first().clinician
    add_entry(clinician, other_patient, "appointment", date.today(), title="Other visit", visibility="released")
    url = reverse("patients:family_child", kwargs={"patient_id": other_patient.pk})
    assert family_client.get(url).status_code == 404
    assert selectors.family_timeline(family_user, other_patient) == []
    assert TimelineEntry.objects.count() == 1
