"""The reminder outbox in-process: sweep rules, delivery, privacy of messages, retries, digest, feed."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.late_effects import services as plan_services
from patients.late_effects.models import FollowUpItem, FollowUpStatus
from patients.reminders import services
from patients.reminders.models import CalendarFeedToken, DeliveryLog, Reminder, ReminderPreference, ReminderStatus
from patients.reminders.sms import ConsoleSmsBackend
from portal.care.models import Notification
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

pytestmark = pytest.mark.django_db

END = date(2019, 9, 1)
ECHO_DUE = date(2021, 9, 1)  # echo and entry ECG are due 2 years after end of therapy
HEALTH_WORDS = ("echo", "cardi", "heart", "ecg", "anthracycl", "leuk", "cancer", "neuro", "chemo")


def at(day: date, hour: int = 12):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(hour, 0))), tick=False)


def due_on_echo_day(patient):
    """Only the echo and the entry ECG share the date used in these tests."""
    return FollowUpItem.objects.filter(patient=patient, status="open", due_on=ECHO_DUE)


def test_sweep_creates_one_row_per_item_recipient_channel_and_is_idempotent(plan, family_user, clinician):
    with at(ECHO_DUE - timedelta(days=30)):
        services.sweep()
        services.sweep()
    items = due_on_echo_day(plan).count()
    assert items >= 2
    rows = Reminder.objects.all()
    # family: email + portal; clinician: portal only (defaults)
    assert rows.filter(recipient=family_user).count() == 2 * items
    assert rows.filter(recipient=clinician).count() == items
    assert set(rows.values_list("kind", flat=True)) == {"lead-30"}


def test_lead_times_pick_the_nearest_and_overdue_nudges_are_capped(plan, family_user):
    pref = ReminderPreference.objects.create(user=family_user, portal=False, overdue_nudge_cap=2)
    kinds = []
    for offset in (-31, -30, -20, -7, -3, 0, 6, 7, 10, 14, 21, 28):
        with at(ECHO_DUE + timedelta(days=offset)):
            services.sweep()
    kinds = sorted(
        set(Reminder.objects.filter(recipient=family_user).values_list("kind", flat=True)),
    )
    assert kinds == ["lead-30", "lead-7", "overdue-1", "overdue-2"]
    pref.lead_days = [14]
    pref.save()
    assert (
        services.reminder_kind(ECHO_DUE, ECHO_DUE - timedelta(days=20), services.prefs_for(family_user, pref)) is None
    )
    assert services.reminder_kind(ECHO_DUE, ECHO_DUE - timedelta(days=3), services.prefs_for(family_user, pref)) == (
        "lead-14"
    )


def test_family_gets_no_reminder_for_unreleased_items(clinician, family_user, patient):
    load_default_ruleset()
    plan_services.recompute_care_plan(patient, high_anthracycline_summary(END))  # not released
    with at(ECHO_DUE - timedelta(days=7)):
        services.sweep()
    assert not Reminder.objects.filter(recipient=family_user).exists()
    assert Reminder.objects.filter(recipient=clinician).exists()


def test_other_families_and_expired_links_get_nothing(plan, other_patient):
    FamilyLinkFactory(patient=plan, valid_until=date(2020, 1, 1))  # expired link
    with at(ECHO_DUE - timedelta(days=7)):
        services.sweep()
    recipients = set(Reminder.objects.values_list("recipient__family_links__patient", flat=True))
    assert other_patient.pk not in recipients
    assert not Reminder.objects.filter(recipient__family_links__valid_until=date(2020, 1, 1)).exists()


def test_quiet_hours_delay_email_but_not_portal(plan, family_user, swept):
    ReminderPreference.objects.create(user=family_user, quiet_start=time(21, 0), quiet_end=time(8, 0))
    with at(ECHO_DUE - timedelta(days=7), hour=22):
        ready = swept()
        email = Reminder.objects.filter(recipient=family_user, channel="email").first()
        assert email.pk not in ready
        assert timezone.localtime(email.not_before).time() == time(8, 0)
        assert Reminder.objects.filter(recipient=family_user, channel="portal", pk__in=ready).exists()
        assert swept() == []  # nothing new, nothing due again
        services.deliver_batch(ready)
    with at(ECHO_DUE - timedelta(days=6), hour=8):  # quiet hours over: the next sweep enqueues the emails
        later = swept()
    assert email.pk in later
    emails = Reminder.objects.filter(recipient=family_user, channel="email")
    assert set(later) == set(emails.values_list("id", flat=True))


def _child_with_plan(with_pref: bool = False):
    child = PatientFactory(date_of_birth=date(2010, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    if with_pref:
        ReminderPreference.objects.create(user=parent, sms=False, lead_days=[30, 7])
    with at(END):
        plan_services.recompute_care_plan(child, high_anthracycline_summary(END))
        plan_services.release_plan(clinician, child)


def test_sweep_query_count_does_not_grow_with_data(django_assert_max_num_queries):
    load_default_ruleset()
    for _ in range(2):
        _child_with_plan()
    with at(ECHO_DUE - timedelta(days=7)), CaptureQueriesContext(connection) as ctx:
        services.sweep()
    for _ in range(4):
        _child_with_plan(with_pref=True)
    # Later the same day (within REMINDER_REQUEUE_AFTER_SECONDS: the first rows are not due again).
    ten_past = timezone.make_aware(datetime.combine(ECHO_DUE - timedelta(days=7), time(12, 10)))
    with time_machine.travel(ten_past, tick=False), django_assert_max_num_queries(len(ctx.captured_queries)):
        services.sweep()
    assert Reminder.objects.filter(recipient__reminder_preference__isnull=False).count() == 4 * 5 * 2


def test_email_has_text_html_ics_and_no_health_details(plan, family_user, swept):
    with at(ECHO_DUE - timedelta(days=7)):
        ids = swept()
        for rid in ids:
            assert services.deliver_reminder(rid) == "sent"
    emails = [m for m in mail.outbox if m.to == [family_user.email]]
    assert len(emails) == due_on_echo_day(plan).count()
    message = emails[0]
    html = message.alternatives[0][0]
    ics = message.attachments[0]
    assert "You have an upcoming check-up; sign in to see it." in message.body
    assert message.subject == "Check-up reminder"
    assert "sign in" in html.lower()
    assert ics[0] == "follow-up.ics" and ics[2] == "text/calendar"
    ics_text = ics[1].decode() if isinstance(ics[1], bytes) else ics[1]
    # The same plain title as the calendar feed, never the old "Follow-up appointment".
    assert "SUMMARY:Check-up\r\n" in ics_text and "Follow-up appointment" not in ics_text
    assert "DTSTART;VALUE=DATE:20210901" in ics_text
    for text in (message.subject, message.body, html, ics_text):
        assert not any(word in text.lower() for word in HEALTH_WORDS), text
    assert plan.given_name not in message.body
    notes = Notification.objects.filter(user=family_user)
    assert notes.count() == len(emails)
    assert not any(w in notes.first().title.lower() for w in HEALTH_WORDS)
    assert DeliveryLog.objects.filter(recipient=family_user).count() == 2 * len(emails)


def test_email_language_follows_preference(plan, family_user, swept):
    ReminderPreference.objects.create(user=family_user, language="es", portal=False)
    with at(ECHO_DUE - timedelta(days=7)):
        for rid in swept():
            services.deliver_reminder(rid)
    message = next(m for m in mail.outbox if m.to == [family_user.email])
    assert 'lang="es"' in message.alternatives[0][0]
    assert message.subject == "Recordatorio de revisión"
    ics_text = message.attachments[0][1]
    ics_text = ics_text.decode() if isinstance(ics_text, bytes) else ics_text
    assert "SUMMARY:Revisión" in ics_text


def test_sms_goes_through_the_console_backend(plan, family_user, swept):
    family_user.phone = "+15555550123"
    family_user.save()
    ReminderPreference.objects.create(user=family_user, email=False, portal=False, sms=True)
    ConsoleSmsBackend.sent.clear()
    with at(ECHO_DUE - timedelta(days=7)):
        for rid in swept():
            services.deliver_reminder(rid)
    assert ConsoleSmsBackend.sent
    to, text = ConsoleSmsBackend.sent[0]
    assert to == "+15555550123" and "sign in" in text
    assert not any(word in text.lower() for word in HEALTH_WORDS)


def test_failures_retry_then_die_and_admin_retry_revives(plan, family_user, settings, swept):
    settings.REMINDER_MAX_ATTEMPTS = 3
    working_backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "tests.patients.reminders.mail_backend.RefusingBackend"
    with at(ECHO_DUE - timedelta(days=7)):
        services.sweep()
        email = Reminder.objects.filter(recipient=family_user, channel="email").first()
        assert services.deliver_reminder(email.pk) == "failed"
        email.refresh_from_db()
        assert email.attempts == 1 and email.not_before > timezone.now()
        assert email.last_error == "ConnectionRefusedError"
        assert services.deliver_reminder(email.pk) == "failed"
        assert services.deliver_reminder(email.pk) == "dead"
        assert services.deliver_reminder(email.pk) == "dead"  # dead rows are left alone
        assert email.pk not in swept()
        settings.EMAIL_BACKEND = working_backend
        assert services.retry_dead([email.pk]) == 1
        assert services.deliver_reminder(email.pk) == "sent"
    email.refresh_from_db()
    assert email.status == ReminderStatus.SENT and email.attempts == 1


def test_closed_item_reminder_is_skipped(plan, clinician, family_user):
    with at(ECHO_DUE - timedelta(days=7)):
        services.sweep()
        reminder = Reminder.objects.filter(recipient=family_user).first()
        plan_services.close_item(clinician, reminder.item, status="waived", reason="Done elsewhere")
        assert services.deliver_reminder(reminder.pk) == "skipped"


def test_weekly_digest_once_per_clinician_per_week(plan, clinician):
    with at(ECHO_DUE + timedelta(days=10)):
        assert services.send_care_team_digests() == 1
        assert services.send_care_team_digests() == 0
    digest = [m for m in mail.outbox if m.to == [clinician.email]]
    assert len(digest) == 1
    assert "overdue" in digest[0].body and not any(w in digest[0].body.lower() for w in HEALTH_WORDS)
    with at(ECHO_DUE + timedelta(days=17)):
        assert services.send_care_team_digests() == 1


def test_calendar_feed_is_secret_revocable_and_neutral(plan, family_user, client):
    from patients.reminders import feeds

    feed = feeds.create_feed(family_user)
    url = reverse("patients:calendar_feed", kwargs={"token": feed.token})
    # The address is the secret token alone: no child id, name or health word.
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{32,}\.ics", url), url
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "SUMMARY:Check-up" in body and "Follow-up appointment" not in body
    assert not any(w in body.lower() for w in HEALTH_WORDS)
    ReminderPreference.objects.create(user=family_user, calendar_details=True)
    assert "Heart ultrasound" in client.get(url).content.decode()
    second = feeds.create_feed(family_user)  # a new address revokes the old one
    assert client.get(url).status_code == 404
    assert client.get(f"/calendar/{second.token}.ics").status_code == 200
    feeds.revoke_feeds(family_user)
    assert client.get(f"/calendar/{second.token}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert CalendarFeedToken.objects.filter(user=family_user, revoked_at__isnull=True).count() == 0


def test_calendar_feed_queries_do_not_grow_with_children(plan, clinician, family_user, client):
    """A parent of several children: the feed reads all their items in a fixed number of queries."""
    from patients.reminders import feeds

    url = f"/calendar/{feeds.create_feed(family_user).token}.ics"
    with CaptureQueriesContext(connection) as one_child:
        body_one = client.get(url).content.decode()
    sibling = PatientFactory(date_of_birth=date(2012, 5, 1))
    FamilyLinkFactory(patient=sibling, user=family_user)
    CareTeamMembershipFactory(patient=sibling, clinician=clinician)
    with at(END):
        plan_services.recompute_care_plan(sibling, high_anthracycline_summary(END))
        plan_services.release_plan(clinician, sibling)
    with CaptureQueriesContext(connection) as two_children:
        body_two = client.get(url).content.decode()
    assert len(two_children.captured_queries) == len(one_child.captured_queries)
    assert body_two.count("BEGIN:VEVENT") > body_one.count("BEGIN:VEVENT")


def test_item_done_before_sweep_gets_no_reminder(plan, clinician):
    with at(ECHO_DUE - timedelta(days=3)):
        for item in due_on_echo_day(plan):
            plan_services.complete_item(clinician, item, done_on=ECHO_DUE - timedelta(days=3))
        services.sweep()
    assert not Reminder.objects.filter(item__status=FollowUpStatus.DONE).exists()


def test_no_reminders_for_a_deceased_child_or_a_clinician_who_left_the_team(plan, clinician, family_user):
    with at(ECHO_DUE - timedelta(days=7)):
        services.sweep()
        clinician.care_memberships.update(active=False)
        for_clinician = Reminder.objects.filter(recipient=clinician).first()
        assert services.deliver_reminder(for_clinician.pk) == "skipped"
        plan.status = "deceased"
        plan.save()
        for_family = Reminder.objects.filter(recipient=family_user).first()
        assert services.deliver_reminder(for_family.pk) == "skipped"
    Reminder.objects.all().delete()
    with at(ECHO_DUE - timedelta(days=6)):
        services.sweep()
    assert not Reminder.objects.exists()
