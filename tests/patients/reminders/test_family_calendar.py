"""'Add to calendar' per visit and check-up, and the feed: plain titles, one VEVENT per item, stable UIDs."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from patients.late_effects import services as plan_services
from patients.late_effects.models import FollowUpItem
from patients.reminders import feeds
from tests.patients.factories import add_entry
from tests.patients.reminders.test_reminders import HEALTH_WORDS

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def _item_url(patient, kind, pk):
    return reverse("patients:family_calendar_item", kwargs={"patient_id": patient.pk, "kind": kind, "item_id": pk})


def _assert_plain(events):
    for ev in events:
        text = f"{ev.get('summary')} {ev.get('description', '')}".lower()
        assert not any(word in text for word in HEALTH_WORDS), text


def test_a_check_up_as_its_own_ics_keeps_its_uid_when_cancelled(plan, family_client, clinician):
    item = FollowUpItem.objects.filter(patient=plan, status="open").order_by("due_on", "id").first()
    response = family_client.get(_item_url(plan, "follow-up", item.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    (event,) = _events(response.content)
    assert str(event["summary"]) == "Check-up" and str(event["status"]) == "CONFIRMED"
    assert event["dtstart"].dt == item.due_on
    _assert_plain([event])
    uid = str(event["uid"])

    plan_services.close_item(clinician, item, status="waived", reason="not needed")
    (cancelled,) = _events(family_client.get(_item_url(plan, "follow-up", item.pk)).content)
    assert str(cancelled["uid"]) == uid and str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) > int(event["sequence"])


def test_the_feed_has_one_plain_event_per_item_and_visits_too(plan, family_user, clinician):
    visit_day = date.today() + timedelta(days=10)
    visit = add_entry(clinician, plan, "appointment", visit_day, title="Echo clinic", visibility="released")
    open_items = list(FollowUpItem.objects.filter(patient=plan, status="open"))
    events = _events(feeds.feed_for_token(feeds.create_feed(family_user).token))
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)) == len(open_items) + 1
    by_uid = {str(e["uid"]): e for e in events}
    visit_event = next(e for u, e in by_uid.items() if u.startswith(f"appointment-{visit.pk}@"))
    assert str(visit_event["summary"]) == "Clinic visit" and visit_event["dtstart"].dt == visit_day
    _assert_plain(events)
    # Several check-ups on one day are told apart: "Check-up 1 of 2", "Check-up 2 of 2".
    same_day = [e for e in events if e["dtstart"].dt == open_items[0].due_on and str(e["summary"]) != "Clinic visit"]
    titles = [str(e["summary"]) for e in same_day]
    assert len(set(titles)) == len(titles)
    if len(titles) > 1:
        assert titles[0] == f"Check-up 1 of {len(titles)}"

    # A closed check-up stays under its UID as cancelled; the visit's UID is the one of its own .ics.
    item = open_items[0]
    plan_services.close_item(clinician, item, status="declined", reason="family choice")
    again = {str(e["uid"]): e for e in _events(feeds.feed_for_token(feeds.create_feed(family_user).token))}
    closed = next(e for u, e in again.items() if u.startswith(f"follow-up-{item.pk}@"))
    assert str(closed["status"]) == "CANCELLED"


def test_the_visit_ics_is_for_this_family_only(plan, family_client, clinician, other_patient):
    from portal.care.models import CareTeamMembership

    hidden = add_entry(clinician, plan, "appointment", date.today() + timedelta(days=3), title="Not released")
    assert family_client.get(_item_url(plan, "appointment", hidden.pk)).status_code == 404
    other_clinician = CareTeamMembership.objects.filter(patient=other_patient).first().clinician
    theirs = add_entry(other_clinician, other_patient, "appointment", date.today(), visibility="released")
    assert family_client.get(_item_url(other_patient, "appointment", theirs.pk)).status_code == 404
    assert family_client.get(_item_url(plan, "appointment", theirs.pk)).status_code == 404
    assert family_client.get(_item_url(plan, "nonsense", 1)).status_code == 404
