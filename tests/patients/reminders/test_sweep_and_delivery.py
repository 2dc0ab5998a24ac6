"""The set-based sweep and the batched delivery: the same rows as the Python rules, idempotent,
concurrent-safe, each reminder delivered once by several workers, query counts flat in the data.

The oracle is the Python statement of the rules (patients.reminders.sweep.python_rows: the
previous sweep's algorithm, kept as the SQLite path), checked against a population that cycles
through ages, link kinds, preferences, dates and visibility (tests/patients/reminders/population.py),
plus hand-written expectations for the access rules that matter most.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients.late_effects.models import FollowUpItem
from patients.reminders import services, tasks
from patients.reminders.models import DeliveryLog, Reminder, ReminderStatus
from patients.reminders.sweep import python_rows
from portal.care.models import FamilyLink, Notification
from tests.patients.reminders.concurrency import run_together
from tests.patients.reminders.population import population

TODAY = date(2026, 3, 10)
KEY = ("item_id", "recipient_id", "channel", "kind", "due_date", "not_before")

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL")


def noon(day: date = TODAY, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def expected_rows(now: datetime) -> set[tuple]:
    rows = python_rows(timezone.localdate(now), now, 0, 2**62)
    return {(r.item_id, r.recipient_id, r.channel, r.kind, r.due_date, r.not_before) for r in rows}


def stored_rows() -> set[tuple]:
    return set(Reminder.objects.values_list(*KEY))


@pytest.mark.django_db
@pytest.mark.parametrize("hour", [3, 12, 22])
def test_sweep_creates_exactly_the_rows_of_the_python_rules(hour, settings):
    settings.REMINDER_SWEEP_CHUNK = 37  # several chunks, boundaries inside children
    population(120, TODAY, items_per_child=4)
    now = noon(hour=hour)
    expected = expected_rows(now)
    with time_machine.travel(now, tick=False):
        result = services.sweep()
    assert stored_rows() == expected
    assert result.created == len(expected)
    # The population reaches every rule: each lead time, each overdue week up to the caps, SMS, quiet hours.
    kinds = {row[3] for row in expected}
    assert {"lead-0", "lead-3", "lead-7", "lead-14", "lead-30", "lead-60"} <= kinds
    assert {"overdue-1", "overdue-2", "overdue-3"} <= kinds and "overdue-4" not in kinds
    assert {row[2] for row in expected} == {"email", "portal", "sms"}
    if hour != 12:
        assert any(row[5] > now for row in expected), "quiet hours delayed nothing"


@pytest.mark.django_db
def test_sweep_follows_the_access_policy_for_families():
    population(60, TODAY)
    now = noon()
    with time_machine.travel(now, tick=False):
        services.sweep()
    to_family = Reminder.objects.filter(recipient__role="family")
    assert to_family.exists()
    assert not to_family.filter(item__visibility="clinician").exists()
    assert not to_family.filter(item__released_at__gt=now).exists()
    assert not Reminder.objects.filter(item__status="done").exists()
    assert not Reminder.objects.filter(item__patient__status__in=["deceased", "transferred"]).exists()
    assert not Reminder.objects.filter(recipient__is_active=False).exists()
    assert not Reminder.objects.filter(recipient__role="clinician", recipient__care_memberships__active=False).exists()
    links = FamilyLink.objects.filter(user__reminders__isnull=False).distinct()
    assert not links.filter(valid_until__lt=TODAY).exists() and not links.filter(valid_from__gt=TODAY).exists()
    confidential = to_family.filter(item__confidential=True)
    assert confidential.exists()
    assert not confidential.filter(recipient__family_links__access_level="limited").exists()
    # A proxy sees confidential entries only while the child is young; the child's own account always.
    for row in confidential.select_related("item__patient"):
        link = FamilyLink.objects.get(user=row.recipient_id, patient=row.item.patient_id)
        assert link.relationship == "self" or row.item.patient.age_on(TODAY) < 12
    # Adults: a parent's link counts only with the young adult's consent.
    adult_links = FamilyLink.objects.filter(patient__date_of_birth__lte=date(2008, 3, 10)).exclude(relationship="self")
    assert not to_family.filter(recipient__family_links__in=adult_links.filter(adult_consent_on__isnull=True)).exists()


@pytest.mark.django_db
def test_a_second_sweep_creates_and_enqueues_nothing_until_a_row_is_overdue_for_delivery(swept, settings):
    population(20, TODAY)
    with time_machine.travel(noon(), tick=False):
        first = swept()
        assert first and len(first) == len(set(first))
        assert swept() == []
    ready = Reminder.objects.filter(not_before__lte=noon()).values_list("id", flat=True)
    assert set(first) == set(ready)
    services.deliver_batch(first[: len(first) // 2])
    later = noon() + timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        again = swept()  # rows still pending past the time-out (a lost task): once more, once
        assert swept() == []
    assert set(again) == set(first[len(first) // 2 :])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_create_each_row_once_and_enqueue_each_row_once(monkeypatch):
    population(40, TODAY)
    now = noon()
    expected = expected_rows(now)
    published: list[int] = []
    monkeypatch.setattr(tasks.deliver_reminders, "delay", lambda ids: published.extend(ids))

    def sweep():
        with time_machine.travel(now, tick=False):
            services.sweep()

    run_together(sweep, [()] * 3)
    assert stored_rows() == expected
    assert sorted(published) == sorted(Reminder.objects.filter(not_before__lte=now).values_list("id", flat=True))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_several_workers_deliver_each_reminder_exactly_once(monkeypatch, settings):
    settings.REMINDER_DELIVERY_CHUNK = 7
    population(40, TODAY)
    now = noon()
    published: list[int] = []
    monkeypatch.setattr(tasks.deliver_reminders, "delay", lambda ids: published.extend(ids))
    with time_machine.travel(now, tick=False):
        services.sweep()
    assert published
    mail.outbox = []

    def worker(seed: int):
        ids = list(published)  # every worker is handed every id, in its own order
        random.Random(seed).shuffle(ids)
        with time_machine.travel(now, tick=False):
            services.deliver_batch(ids)

    run_together(worker, [(seed,) for seed in range(4)])
    rows = Reminder.objects.filter(pk__in=published)
    assert not rows.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.FAILED]).exists()
    sent = rows.filter(status=ReminderStatus.SENT)
    assert sent.exists()
    assert set(sent.values_list("attempts", flat=True)) == {1}
    assert DeliveryLog.objects.count() == sent.count()
    logged = sorted(DeliveryLog.objects.values_list("reminder_id", flat=True))
    assert logged == sorted(sent.values_list("id", flat=True))
    assert len(mail.outbox) == sent.filter(channel="email").count()
    assert Notification.objects.filter(kind="follow_up_reminder").count() == sent.filter(channel="portal").count()


# What one delivery chunk may ask, whatever its size: the claim, the care-team and family-link
# checks, the notifications (in a savepoint), the skipped/sent/failed updates, the log insert, and
# the chunk's own savepoint inside the test transaction. Which of them run depends on the rows.
DELIVERY_QUERIES_PER_CHUNK = 13


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite splits bulk inserts by its variable limit")
@pytest.mark.django_db
def test_sweep_and_delivery_query_counts_do_not_grow_with_the_number_of_items(django_assert_max_num_queries, settings):
    """10 items, then 200 more: the sweep asks no more often; a delivery batch (one chunk) stays under its bound."""
    settings.REMINDER_DELIVERY_CHUNK = 10_000
    now = noon()

    def pending() -> list[int]:
        return list(Reminder.objects.filter(status=ReminderStatus.PENDING).values_list("id", flat=True))

    population(5, TODAY, items_per_child=2)
    with time_machine.travel(now, tick=False):
        with CaptureQueriesContext(connection) as sweep_10:
            services.sweep()
        first = pending()
        with django_assert_max_num_queries(DELIVERY_QUERIES_PER_CHUNK):
            assert "sent" in services.deliver_batch(first).values()
    population(100, TODAY, items_per_child=2, start=5)
    with time_machine.travel(now, tick=False):
        with django_assert_max_num_queries(len(sweep_10.captured_queries)):
            services.sweep()
        more = pending()
        assert len(more) > 10 * len(first)
        FollowUpItem.objects.filter(reminders__in=more[:10]).update(status="waived")  # no longer wanted
        with django_assert_max_num_queries(DELIVERY_QUERIES_PER_CHUNK):
            outcomes = services.deliver_batch(more)
    assert {"sent", "skipped"} <= set(outcomes.values())
    assert DeliveryLog.objects.count() > 10 * len(first)
