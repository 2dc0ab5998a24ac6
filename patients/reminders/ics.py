"""iCalendar documents (icalendar package) for email attachments and the family feed.

Event titles are plain and carry no health detail ("Clinic visit", "Check-up") unless the family
opted in to details. UIDs are stable per item, so calendars update an event instead of duplicating
it; SEQUENCE follows the item's version, and a cancelled item keeps its UID with STATUS:CANCELLED
(RFC 5545 3.8.1.11), so the calendar strikes it out rather than keeping a stale date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    title: str
    description: str = ""
    sequence: int = 0
    cancelled: bool = False


def _host() -> str:
    return settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "portal"


def item_uid(item_id: int) -> str:
    """A care-plan check-up's UID (also used by the reminder emails' .ics)."""
    return f"follow-up-{item_id}@{_host()}"


def appointment_uid(entry_id: int) -> str:
    """A clinic visit's UID (a timeline appointment)."""
    return f"appointment-{entry_id}@{_host()}"


def build_calendar(events: list[CalendarEvent], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//ALL Care Portal//follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp: datetime = timezone.now()
    for ev in events:
        event = Event()
        event.add("uid", ev.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", ev.day)
        event.add("dtend", ev.day + timedelta(days=1))
        event.add("summary", ev.title)
        event.add("sequence", ev.sequence)
        event.add("status", "CANCELLED" if ev.cancelled else "CONFIRMED")
        if ev.description:
            event.add("description", ev.description)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
