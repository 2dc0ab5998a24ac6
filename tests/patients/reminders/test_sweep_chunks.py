"""The sweep's chunks follow children (keyset over child ids) and the email's calendar is filled in.

Chunks: every window item falls in exactly one range, a range never splits a child, and a range
holds at most REMINDER_SWEEP_CHUNK window items unless it is one child. Calendar: the .ics rendered
once per language and filled in per message equals the one built for that message alone.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from itertools import pairwise
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone, translation

from patients.reminders import channels, sweep
from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from tests.patients.reminders.population import population

TODAY = date(2026, 3, 10)


@pytest.mark.django_db
def test_chunks_cover_each_window_item_once_never_split_a_child_and_stay_bounded(settings):
    settings.REMINDER_SWEEP_CHUNK = 9
    population(30, TODAY, items_per_child=4)
    items = list(sweep.window_items(TODAY).values_list("id", "patient_id"))
    ranges = list(sweep._patient_ranges(TODAY))
    assert len(ranges) > 2
    seen = Counter()
    for lo, hi in ranges:
        chunk = list(sweep.window_items(TODAY, lo, hi).values_list("id", "patient_id"))
        seen.update(pk for pk, _ in chunk)
        children = {patient for _, patient in chunk}
        assert len(chunk) <= settings.REMINDER_SWEEP_CHUNK or len(children) == 1
    assert seen == Counter(pk for pk, _ in items)
    assert all(hi <= lo_next for (_, hi), (lo_next, _) in pairwise(ranges))


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("due", [date(2026, 3, 10), date(2026, 12, 31), date(2028, 2, 29)])
def test_calendar_filled_in_per_message_is_the_one_built_for_that_message(lang, due):
    with time_machine.travel(timezone.make_aware(datetime.combine(TODAY, time(12, 0))), tick=False):
        rendered = channels.Renderer().rendered(lang, overdue=False)
        filled = channels._fill_calendar(rendered, SimpleNamespace(item_id=98765, due_date=due))
        with translation.override(lang):
            alone = build_calendar(
                [CalendarEvent(uid=item_uid(98765), day=due, title=rendered.event_title)], name=rendered.calendar_name
            )
    assert filled == alone
