"""Kept page parts (patients.page_cache) and kept access decisions: never stale, never shared, always audited."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from patients.models import ChemoAdministration, TimelineEntry
from patients.page_cache import CSRF_PLACEHOLDER
from portal.care.models import AuditEvent, BreakGlassGrant, CareTeamMembership, FamilyLink
from tests.conftest import signed_in_client
from tests.factories import BreakGlassGrantFactory, CareTeamMembershipFactory
from tests.patients.factories import add_chemo, add_entry

pytestmark = pytest.mark.django_db


def record(patient) -> str:
    return reverse("patients:detail", kwargs={"patient_id": patient.pk})


def timeline(patient) -> str:
    return reverse("patients:timeline", kwargs={"patient_id": patient.pk})


def family_home(patient) -> str:
    return reverse("patients:family_child", kwargs={"patient_id": patient.pk})


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("url", [record, timeline])
def test_a_kept_page_shows_a_change_made_through_a_service_or_a_bulk_statement(
    clinician_client, clinician, patient, url
):
    entry = add_chemo(clinician, patient, date.today() - timedelta(days=2), "daunorubicin", 25)
    assert "25 mg/m²" in page(clinician_client, url(patient))
    assert "25 mg/m²" in page(clinician_client, url(patient))  # now kept
    ChemoAdministration.objects.filter(entry=entry).update(dose=35)  # no save(), no signal
    html = page(clinician_client, url(patient))
    assert "35 mg/m²" in html and "25 mg/m²" not in html


def test_the_family_home_shows_a_release_at_once(clinician, family_client, patient):
    entry = add_entry(
        clinician, patient, "lab", date.today(), {"test_name": "Ferritin", "value": "410"}, title="Ferritin"
    )
    assert "Ferritin" not in page(family_client, family_home(patient))
    TimelineEntry.objects.filter(pk=entry.pk).update(visibility="released", released_at=timezone.now())
    assert "Ferritin" in page(family_client, family_home(patient))


def test_a_release_scheduled_for_later_shows_when_its_time_comes(clinician, family_client, patient):
    """A release that falls due moves no stamp; the kept family page expires at that moment instead."""
    later = timezone.now() + timedelta(minutes=5)
    entry = add_entry(
        clinician, patient, "lab", date.today(), {"test_name": "Ferritin", "value": "410"}, title="Ferritin"
    )
    TimelineEntry.objects.filter(pk=entry.pk).update(visibility="released", released_at=later)
    assert "Ferritin" not in latest(page(family_client, family_home(patient)))
    assert "Ferritin" not in latest(page(family_client, family_home(patient)))
    with time_machine.travel(later + timedelta(seconds=2)):
        assert "Ferritin" in latest(page(family_client, family_home(patient)))


def latest(html: str) -> str:
    """The kept "treatment so far" section of the family home (not the per-visit "new since" list)."""
    start = html.index('id="family-latest-h"')
    return html[start : html.index("</section>", start)]


def test_every_request_is_audited_whether_built_or_kept(clinician_client, clinician, patient):
    for _ in range(3):
        page(clinician_client, record(patient))
        page(clinician_client, timeline(patient))
    views = AuditEvent.objects.filter(user=clinician, patient=patient, action="view")
    assert views.count() == 6
    assert AuditEvent.objects.filter(user=clinician, patient=patient, action="list").count() == 6


def test_leaving_the_care_team_ends_access_at_once_though_the_decision_was_kept(clinician_client, clinician, patient):
    page(clinician_client, record(patient))
    page(clinician_client, record(patient))  # decision and page kept
    CareTeamMembership.objects.filter(clinician=clinician, patient=patient).update(active=False)
    assert clinician_client.get(record(patient)).status_code == 404
    assert AuditEvent.objects.filter(user=clinician, action="denied").exists()


def test_an_ended_family_link_ends_access_at_once(family_client, family_user, patient):
    page(family_client, family_home(patient))
    page(family_client, family_home(patient))
    FamilyLink.objects.filter(user=family_user).update(valid_until=date.today() - timedelta(days=1))
    assert family_client.get(family_home(patient)).status_code == 404


def test_break_the_glass_is_decided_afresh_and_ends_on_the_hour(outsider_clinician, patient):
    grant = BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)
    client = signed_in_client(outsider_clinician)
    page(client, record(patient))
    page(client, record(patient))
    with time_machine.travel(grant.expires_at + timedelta(seconds=1)):
        assert signed_in_client(outsider_clinician).get(record(patient)).status_code == 404


def test_the_care_team_sees_a_grant_appear_and_end(clinician_client, outsider_clinician, patient):
    assert "Emergency access by clinicians" not in page(clinician_client, record(patient))
    grant = BreakGlassGrantFactory(clinician=outsider_clinician, patient=patient)
    html = page(clinician_client, record(patient))
    assert "Emergency access by clinicians" in html and "<strong>Active</strong>" in html
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "<strong>Active</strong>" not in page(clinician_client, record(patient))


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_each_viewer_gets_their_own_page_with_their_own_csrf_token(clinician, patient):
    entry = add_entry(clinician, patient, "lab", date.today(), {"test_name": "Ferritin", "value": "410"})
    colleague = CareTeamMembershipFactory(patient=patient).clinician
    first, second = signed_in_client(clinician), signed_in_client(colleague)
    for client in (first, second):
        client.handler.enforce_csrf_checks = True
        page(client, timeline(patient))
    html = page(second, timeline(patient))  # kept
    assert CSRF_PLACEHOLDER not in html
    tokens = csrf_tokens(html)
    assert tokens and tokens.isdisjoint(csrf_tokens(page(first, timeline(patient))))
    release = reverse("patients:entry_release", kwargs={"patient_id": patient.pk})
    form_token = next(t for t in tokens)
    response = second.post(release, {"entries": [entry.pk], "csrfmiddlewaretoken": form_token})
    assert response.status_code in (200, 302)
    assert TimelineEntry.objects.get(pk=entry.pk).visibility == "released"


def test_the_language_is_part_of_the_key(family_client, patient):
    assert '<html lang="en">' in page(family_client, family_home(patient))
    family_client.post(reverse("set_language"), {"language": "es", "next": family_home(patient)})
    html = page(family_client, family_home(patient))
    assert "El tratamiento de su hijo o hija hasta ahora" in html
    assert "Your child's treatment so far" not in html


def test_a_kept_decision_is_never_served_to_another_child(clinician_client, patient, other_patient):
    page(clinician_client, record(patient))
    assert clinician_client.get(record(other_patient)).status_code == 404


# --- The kept worklist ---------------------------------------------------------------------------

WORKLIST = reverse("patients:list")


def worklist_row(html: str, name: str) -> str:
    """The <tr> of the child whose family name is `name` ('' when the child is not listed)."""
    match = re.search(rf"<tr>(?:(?!</tr>).)*>{name}, (?:(?!</tr>).)*</tr>", html, re.S)
    return match.group(0) if match else ""


def test_the_kept_worklist_follows_every_column(clinician_client, clinician, patient):
    from patients.late_effects.models import FollowUpItem
    from portal.care.models import Notification
    from tests.patients.test_worklist import follow_up

    name = patient.family_name
    assert "tag overdue" not in worklist_row(page(clinician_client, WORKLIST), name)
    page(clinician_client, WORKLIST)  # kept
    item = follow_up(patient, date.today() - timedelta(days=2), "echo")
    assert 'class="tag overdue">1<' in worklist_row(page(clinician_client, WORKLIST), name)
    FollowUpItem.objects.filter(pk=item.pk).update(status="done", completed_on=date.today())  # no signal
    assert "tag overdue" not in worklist_row(page(clinician_client, WORKLIST), name)

    # New results by a colleague, then my own look at the record resets the column.
    add_entry(
        CareTeamMembershipFactory(patient=patient).clinician,
        patient,
        "lab",
        date.today(),
        {"test_name": "Hb", "value": "9.1"},
    )
    assert '<td data-label="New results">1</td>' in worklist_row(page(clinician_client, WORKLIST), name)
    page(clinician_client, record(patient))
    assert '<td data-label="New results">0</td>' in worklist_row(page(clinician_client, WORKLIST), name)

    # A notification about the child, then read.
    note = Notification.objects.create(user=clinician, patient=patient, kind="x", title="t")
    assert "notifications" in worklist_row(page(clinician_client, WORKLIST), name)
    Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    assert '<td data-label="Unread notifications">0</td>' in worklist_row(page(clinician_client, WORKLIST), name)


def test_a_child_leaves_the_kept_worklist_with_its_care_team(clinician_client, clinician, patient):
    other = CareTeamMembershipFactory(clinician=clinician).patient
    html = page(clinician_client, WORKLIST)
    assert worklist_row(html, patient.family_name) and worklist_row(html, other.family_name)
    page(clinician_client, WORKLIST)
    CareTeamMembership.objects.filter(clinician=clinician, patient=other).delete()
    html = page(clinician_client, WORKLIST)
    assert worklist_row(html, patient.family_name) and not worklist_row(html, other.family_name)


def test_the_kept_worklist_sees_a_change_whose_stamp_is_below_my_highest(clinician_client, clinician, patient):
    """Two writers: T1 draws stamp n for child A and commits after T2 drew n + 1 for child B and
    committed. A page built between the commits saw B's n + 1 as my highest stamp; after T1's
    commit the highest is still n + 1, so the key must hold more than the highest to see A's change."""
    from patients.models import Patient, RecordStamp

    other = CareTeamMembershipFactory(clinician=clinician).patient
    page(clinician_client, WORKLIST)
    stamps = RecordStamp.objects.filter(patient_id__in=[patient.pk, other.pk])
    lower = min(stamps.values_list("stamp", flat=True))
    RecordStamp.objects.filter(patient_id=other.pk).update(stamp=F("stamp") + 1000)  # T2 drew the higher one
    page(clinician_client, WORKLIST)  # kept under B's stamp, the highest of mine
    Patient.objects.filter(pk=patient.pk).update(given_name="Renamed")  # T1's change to A, by trigger...
    RecordStamp.objects.filter(patient_id=patient.pk).update(stamp=lower + 500)  # ...with its stamp drawn earlier
    assert "Renamed" in worklist_row(page(clinician_client, WORKLIST), patient.family_name)


def test_every_worklist_request_audits_the_children_listed(clinician_client, clinician, patient):
    for _ in range(3):
        page(clinician_client, WORKLIST)
    listed = AuditEvent.objects.filter(user=clinician, action="list", object_type="patient")
    assert listed.count() == 3 and set(listed.values_list("patient_id", flat=True)) == {patient.pk}
    row = listed.first()
    assert (row.path, row.ip_address, row.object_id, row.purpose) == (WORKLIST, "127.0.0.1", str(patient.pk), "normal")
    from portal.care import audit_chain

    rows = AuditEvent.objects.order_by("id").values_list("id", "prev_hash", "row_hash", *audit_chain.FIELDS)
    assert audit_chain.verify(rows).problem == ""


# --- Whole pages kept, site header included -----------------------------------------------------


def worklist(_patient) -> str:
    return WORKLIST


CLINICIAN_PAGES = [worklist, record, timeline]
EVERY_PAGE = [*(("clinician_client", url) for url in CLINICIAN_PAGES), ("family_client", family_home)]


def add_message(client, text: str) -> None:
    """A message waiting for the client's next page, stored as a view stores one (messages framework)."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage import default_storage
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    storage = default_storage(request)
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    client.cookies.update(response.cookies)


@pytest.mark.parametrize(("who", "url"), EVERY_PAGE)
def test_a_kept_page_shows_my_new_notification_in_its_header(request, who, url, patient):
    from portal.care.models import Notification

    client = request.getfixturevalue(who)
    user = request.getfixturevalue("clinician" if who == "clinician_client" else "family_user")
    html = page(client, url(patient))
    assert 'class="badge"' not in html
    page(client, url(patient))  # kept
    Notification.objects.create(user=user, kind="x", title="t")
    assert '<span class="badge">1<span class="visually-hidden"> unread' in page(client, url(patient))


@pytest.mark.parametrize(("who", "url"), EVERY_PAGE)
def test_a_message_shows_once_over_a_kept_page(request, who, url, patient):
    client = request.getfixturevalue(who)
    page(client, url(patient))
    page(client, url(patient))  # kept
    add_message(client, "Saved, for this test.")
    assert '<p class="message success">Saved, for this test.</p>' in page(client, url(patient))
    assert "Saved, for this test." not in page(client, url(patient))


@pytest.mark.parametrize(("who", "url"), EVERY_PAGE)
def test_the_language_form_of_a_kept_page_returns_to_the_address_asked(request, who, url, patient):
    client = request.getfixturevalue(who)
    for query in ("?from=a", "?from=b", "?from=a"):
        address = url(patient) + query
        assert f'name="next" type="hidden" value="{address}"' in page(client, address)
