"""iCalendar documents (icalendar package) for email attachments and the family feed.

Event titles are neutral ("Follow-up appointment") unless the family opted in to details.
UIDs are stable per item, so calendars update an event instead of duplicating it.
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


def item_uid(item_id: int) -> str:
    host = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "portal"
    return f"follow-up-{item_id}@{host}"


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
        if ev.description:
            event.add("description", ev.description)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
