"""The family home answers "what's next"; the full timeline is a page away, by month; queries stay flat."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import TimelineEntry, TreatmentPhase
from portal.care.models import CareTeam, CareTeamChild
from tests.conftest import signed_in_client
from tests.patients.clinical.test_history_scale import build_history
from tests.patients.factories import add_entry

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    n = len(ctx.captured_queries)
    assert response.status_code == 200
    return n, response.content.decode()


def _phases(patient):
    today = date.today()
    TreatmentPhase.objects.create(
        patient=patient,
        key="induction",
        actual_start=today - timedelta(days=90),
        actual_end=today - timedelta(days=60),
        planned_start=today - timedelta(days=90),
    )
    TreatmentPhase.objects.create(
        patient=patient,
        key="consolidation",
        actual_start=today - timedelta(days=59),
        planned_start=today - timedelta(days=59),
    )
    TreatmentPhase.objects.create(patient=patient, key="maintenance", planned_start=today + timedelta(days=30))


def test_whats_next_comes_first_with_phase_visits_contacts(family_client, patient, clinician, other_patient):
    _phases(patient)
    soon = date.today() + timedelta(days=5)
    visit = add_entry(clinician, patient, "appointment", soon, title="Clinic day", visibility="released")
    add_entry(clinician, patient, "appointment", soon, title="Hidden visit")  # clinician-only
    team = CareTeam.objects.create(
        name="Blue team", contact_label="Leukaemia nurses", contact_phone="555 0100", contact_hours="Mon-Fri 8-17"
    )
    CareTeamChild.objects.create(team=team, patient=patient)
    other_team = CareTeam.objects.create(name="Other", contact_phone="555 9999")
    CareTeamChild.objects.create(team=other_team, patient=other_patient)

    html = family_client.get(reverse("patients:family_child", kwargs={"patient_id": patient.pk})).content.decode()
    assert html.index("whats-next-h") < html.index("family-latest-h")
    assert "<strong>Consolidation</strong>, part 2 of 3" in html
    assert "Clinic day" in html and "Hidden visit" not in html
    ics = reverse(
        "patients:family_calendar_item", kwargs={"patient_id": patient.pk, "kind": "appointment", "item_id": visit.pk}
    )
    assert ics in html
    assert "Leukaemia nurses" in html and "555 0100" in html and "Mon-Fri 8-17" in html
    assert "555 9999" not in html
    assert reverse("patients:family_timeline", kwargs={"patient_id": patient.pk}) in html


def test_new_since_the_last_visit(family_client, family_user, patient, clinician):
    """A visit is a sign-in: what is new is what was released since the family's last look in an
    earlier session, and the list stays put while they move around within this one."""
    url = reverse("patients:family_child", kwargs={"patient_id": patient.pk})
    add_entry(
        clinician,
        patient,
        "note",
        date.today(),
        title="Old news",
        visibility="released",
        released_at=timezone.now() - timedelta(days=3),
    )
    first = family_client.get(url).content.decode()
    assert "New since your last visit" not in first  # a first visit has nothing "new"
    add_entry(clinician, patient, "note", date.today(), title="Fresh note", visibility="released")
    add_entry(clinician, patient, "note", date.today(), title="Unreleased note")

    next_visit = signed_in_client(family_user)
    for _ in range(2):  # and again on a reload: the list belongs to the visit, not to the page load
        html = next_visit.get(url).content.decode()
        new = html[html.index("New since your last visit") :]
        new = new[: new.index("</ul>")]
        assert "Fresh note" in new and "Old news" not in new and "Unreleased note" not in html

    later = signed_in_client(family_user)
    assert "New since your last visit" not in later.get(url).content.decode()  # seen in the last visit


def test_family_home_queries_do_not_grow_with_the_history(family_client, patient, clinician):
    _phases(patient)
    url = reverse("patients:family_child", kwargs={"patient_id": patient.pk})
    build_history(patient, 20, released=True)
    few, _ = _queries(family_client, url)
    build_history(patient, 180, released=True, start=date.today() - timedelta(days=400))
    for i in range(10):
        add_entry(clinician, patient, "appointment", date.today() + timedelta(days=i + 1), visibility="released")
    many, html = _queries(family_client, url)
    assert many == few
    assert html.count("Add to calendar") == 6  # the soonest six, not every one


def test_full_timeline_is_newest_first_by_month_and_flat(family_client, patient):
    url = reverse("patients:family_timeline", kwargs={"patient_id": patient.pk})
    build_history(patient, 20, released=True, start=date(2024, 1, 25))
    few, html = _queries(family_client, url)
    assert html.index('<h2 id="month-1">February 2024</h2>') < html.index('<h2 id="month-2">January 2024</h2>')
    TimelineEntry.objects.all().delete()
    build_history(patient, 200, released=True, start=date(2024, 1, 25))
    many, html = _queries(family_client, url)
    assert many == few and "Older entries" in html


def test_other_familys_child_is_404(family_client, other_patient):
    for name in ("patients:family_child", "patients:family_timeline"):
        assert family_client.get(reverse(name, kwargs={"patient_id": other_patient.pk})).status_code == 404


def test_follow_ups_page_lists_the_coming_visits_with_add_to_calendar(family_client, patient, clinician):
    soon = date.today() + timedelta(days=9)
    visit = add_entry(clinician, patient, "appointment", soon, title="Clinic day", visibility="released")
    add_entry(
        clinician, patient, "appointment", date.today() - timedelta(days=9), title="Past day", visibility="released"
    )
    html = family_client.get(reverse("patients:family_follow_ups", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Clinic day" in html and "Past day" not in html
    kwargs = {"patient_id": patient.pk, "kind": "appointment", "item_id": visit.pk}
    assert reverse("patients:family_calendar_item", kwargs=kwargs) in html
