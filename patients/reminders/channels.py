"""Delivery channels, in batches. None carries health details.

Texts say only that a follow-up is coming (or overdue), its date, and to sign in; the email adds
an .ics so the date lands in a calendar, with the neutral title "Follow-up appointment".

`send_batch(reminders)` hands a batch to its channels and answers, per reminder, None (delivered)
or the exception that channel raised. Each template is rendered once per language and kind
(upcoming or overdue) with placeholders for the date and the link, which are then filled in per
message (HTML-escaped in the HTML part); all emails of a batch go through one mail connection, and
the portal notifications of a batch are one INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from patients.reminders.models import Channel, Reminder, ReminderPreference
from patients.reminders.rules import preference_of
from patients.reminders.sms import get_sms_backend
from portal.care.models import Notification

DATE_MARK = "@@reminder-date@@"
URL_MARK = "@@reminder-url@@"


def language_for(user, pref: ReminderPreference | None) -> str:
    return (pref.language if pref and pref.language else "") or user.preferred_language or settings.LANGUAGE_CODE


def _link(reminder: Reminder) -> str:
    patient_id = reminder.item.patient_id
    if reminder.recipient.role == "family":
        return reverse("patients:family_follow_ups", kwargs={"patient_id": patient_id})
    return reverse("patients:care_plan", kwargs={"patient_id": patient_id})


@dataclass(frozen=True)
class Rendered:
    """One language and kind, with DATE_MARK and URL_MARK where each message's own values go."""

    subject: str
    headline: str
    line: str
    text: str
    html: str
    event_title: str
    calendar_name: str


class Renderer:
    """Renders each (language, overdue?) once per batch and fills in the date and link per message."""

    def __init__(self):
        self._rendered: dict[tuple[str, bool], Rendered] = {}
        self._dates: dict[tuple[str, object], str] = {}

    def language(self, reminder: Reminder) -> str:
        user = reminder.recipient
        return language_for(user, preference_of(user))

    def rendered(self, lang: str, overdue: bool) -> Rendered:
        key = (lang, overdue)
        if key not in self._rendered:
            with translation.override(lang):
                if overdue:
                    headline = _("A follow-up is overdue; sign in to see it.")
                    line = _("It was due on %(date)s.") % {"date": DATE_MARK}
                else:
                    headline = _("You have an upcoming follow-up; sign in to see it.")
                    line = _("It is due on %(date)s.") % {"date": DATE_MARK}
                ctx = {
                    "headline": headline,
                    "line": line,
                    "url": URL_MARK,
                    "site_url": settings.SITE_URL,
                    "lang": translation.get_language(),
                }
                self._rendered[key] = Rendered(
                    subject=_("Overdue follow-up") if overdue else _("Follow-up reminder"),
                    headline=headline,
                    line=line,
                    text=render_to_string("patients/reminders/email.txt", ctx),
                    html=render_to_string("patients/reminders/email.html", ctx),
                    event_title=_("Follow-up appointment"),
                    calendar_name=_("Follow-ups"),
                )
        return self._rendered[key]

    def day(self, lang: str, due_date) -> str:
        key = (lang, due_date)
        if key not in self._dates:
            with translation.override(lang):
                self._dates[key] = date_format(due_date, "DATE_FORMAT")
        return self._dates[key]

    def parts(self, reminder: Reminder) -> tuple[Rendered, str, str]:
        lang = self.language(reminder)
        rendered = self.rendered(lang, reminder.kind.startswith("overdue"))
        return rendered, self.day(lang, reminder.due_date), settings.SITE_URL.rstrip("/") + _link(reminder)


def _fill(template: str, day: str, url: str) -> str:
    return template.replace(DATE_MARK, day).replace(URL_MARK, url)


def email_message(renderer: Renderer, reminder: Reminder, connection=None) -> EmailMultiAlternatives:
    r, day, url = renderer.parts(reminder)
    ics = build_calendar(
        [CalendarEvent(uid=item_uid(reminder.item_id), day=reminder.due_date, title=r.event_title)],
        name=r.calendar_name,
    )
    message = EmailMultiAlternatives(
        r.subject,
        _fill(r.text, day, url),
        settings.DEFAULT_FROM_EMAIL,
        [reminder.recipient.email],
        connection=connection,
    )
    message.attach_alternative(r.html.replace(DATE_MARK, escape(day)).replace(URL_MARK, escape(url)), "text/html")
    message.attach("follow-up.ics", ics, "text/calendar")
    return message


def send_emails(reminders: list[Reminder], renderer: Renderer) -> dict[int, Exception | None]:
    """One connection for the batch; each message sent on its own so a failure is that message's."""
    outcome: dict[int, Exception | None] = {}
    if not reminders:
        return outcome
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the mail server is down: every email of the batch failed
        return dict.fromkeys((r.pk for r in reminders), exc)
    try:
        for reminder in reminders:
            try:
                connection.send_messages([email_message(renderer, reminder, connection)])
                outcome[reminder.pk] = None
            except Exception as exc:
                outcome[reminder.pk] = exc
    finally:
        connection.close()
    return outcome


def send_portal(reminders: list[Reminder], renderer: Renderer) -> dict[int, Exception | None]:
    """The batch's notifications in one INSERT (in the delivery transaction: exactly once)."""
    notes = []
    for reminder in reminders:
        r, day, _url = renderer.parts(reminder)
        notes.append(
            Notification(
                user=reminder.recipient,
                patient_id=reminder.item.patient_id,
                kind="follow_up_reminder",
                title=r.headline,
                body=_fill(r.line, day, ""),
                link=_link(reminder),
            )
        )
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(notes)
    except Exception as exc:
        return dict.fromkeys((r.pk for r in reminders), exc)
    return dict.fromkeys((r.pk for r in reminders), None)


def send_sms(reminders: list[Reminder], renderer: Renderer) -> dict[int, Exception | None]:
    backend = get_sms_backend()
    outcome: dict[int, Exception | None] = {}
    for reminder in reminders:
        r, day, _url = renderer.parts(reminder)
        try:
            backend.send(reminder.recipient.phone, f"{r.headline} {_fill(r.line, day, '')} {settings.SITE_URL}")
            outcome[reminder.pk] = None
        except Exception as exc:
            outcome[reminder.pk] = exc
    return outcome


SENDERS = {Channel.EMAIL: send_emails, Channel.PORTAL: send_portal, Channel.SMS: send_sms}


def send_batch(reminders: list[Reminder]) -> dict[int, Exception | None]:
    renderer = Renderer()
    outcome: dict[int, Exception | None] = {}
    for channel, sender in SENDERS.items():
        outcome.update(sender([r for r in reminders if r.channel == channel], renderer))
    return outcome
