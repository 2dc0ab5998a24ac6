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
from django.db import connection
from django.utils import timezone, translation

from patients.reminders import channels, sweep, tasks
from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from patients.reminders.models import Reminder
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
@pytest.mark.django_db
def test_a_chunk_over_the_statement_timeout_fails_alone_and_the_next_sweep_creates_its_rows(settings, monkeypatch):
    settings.REMINDER_SWEEP_CHUNK = 20
    settings.REMINDER_SWEEP_STATEMENT_TIMEOUT_MS = 200
    monkeypatch.setattr(tasks.deliver_reminders, "delay", lambda ids: None)
    population(40, TODAY, items_per_child=4)
    now = timezone.make_aware(datetime.combine(TODAY, time(12, 0)))
    ranges = list(sweep._patient_ranges(TODAY))
    assert len(ranges) > 2
    slow_lo = ranges[1][0]
    chunk_items = sweep._chunk_items

    def slow_second_chunk(today, now, lo, hi):  # a plan gone wrong, in the second chunk only
        sql, params = chunk_items(today, now, lo, hi)
        if lo == slow_lo:
            sql = f"SELECT * FROM ({sql}) AS slow WHERE (SELECT 1 FROM pg_sleep(5)) = 1"  # noqa: S608
        return sql, params

    with time_machine.travel(now, tick=False):
        monkeypatch.setattr(sweep, "_chunk_items", slow_second_chunk)
        first = sweep.sweep()
        monkeypatch.undo()
        monkeypatch.setattr(tasks.deliver_reminders, "delay", lambda ids: None)
        second = sweep.sweep()
    assert first.timed_out == 1 and first.created > 0
    slow_rows = Reminder.objects.filter(item__patient_id__gte=slow_lo, item__patient_id__lt=ranges[1][1])
    assert second.timed_out == 0 and second.created == slow_rows.count() > 0
    expected = {(r.item_id, r.recipient_id, r.channel, r.kind) for r in sweep.python_rows(TODAY, now, 0, 2**62)}
    assert set(Reminder.objects.values_list("item_id", "recipient_id", "channel", "kind")) == expected


@pytest.mark.django_db(transaction=True)
def test_chunks_run_side_by_side_on_their_own_connections_create_the_same_rows_and_send_each_once(
    settings, monkeypatch
):
    """REMINDER_SWEEP_WORKERS chunks at a time (outside a transaction): the rows of the one-at-a-time
    sweep, each created once, each sent once, and only after its chunk committed."""
    if connection.vendor != "postgresql":
        pytest.skip("the parallel sweep is PostgreSQL only")
    settings.REMINDER_SWEEP_CHUNK = 20
    settings.REMINDER_SWEEP_WORKERS = 3
    sent: list[int] = []
    committed: list[bool] = []

    def deliver(ids):
        sent.extend(ids)
        committed.append(Reminder.objects.filter(pk__in=ids).count() == len(ids))  # visible to others

    monkeypatch.setattr(tasks.deliver_reminders, "delay", deliver)
    population(40, TODAY, items_per_child=4)
    now = timezone.make_aware(datetime.combine(TODAY, time(12, 0)))
    assert len(list(sweep._patient_ranges(TODAY))) > 3
    with time_machine.travel(now, tick=False):
        first = sweep.sweep()
        again = sweep.sweep()
    expected = {(r.item_id, r.recipient_id, r.channel, r.kind) for r in sweep.python_rows(TODAY, now, 0, 2**62)}
    assert set(Reminder.objects.values_list("item_id", "recipient_id", "channel", "kind")) == expected
    assert first.created == len(expected) and again.created == 0
    assert Counter(sent) == Counter(set(sent)) and all(committed)
    assert sent and set(sent) <= set(Reminder.objects.values_list("pk", flat=True))
    assert first.enqueued == len(sent) and again.enqueued == 0
