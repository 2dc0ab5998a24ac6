"""Delivery channels, in batches. None carries health details.

Texts say only that a follow-up is coming (or overdue), its date, and to sign in; the email adds
an .ics so the date lands in a calendar. Titles are the calendar feed's plain ones ("Check-up":
a reminder is always for a care-plan check-up), with no test or treatment named.

`send_batch(reminders)` hands a batch to its channels and answers, per reminder, `Delivered` (with
the mail server's answer and the Message-ID for an email) or the exception that channel raised.
Each template is rendered once per language and kind
(upcoming or overdue) with placeholders for the date and the link, which are then filled in per
message (HTML-escaped in the HTML part); all emails of a batch go through one mail connection, and
the portal notifications of a batch are one INSERT.

Every email carries a Message-ID derived from its reminder row alone (`message_id()`): a message
sent again after a crash between the server's "250 accepted" and the delivery COMMIT has the same
Message-ID as the first copy, so the receiving side (and our SMTP test server) can recognise it.
A dropped connection is reopened for the rest of the batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import smtplib
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

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
from portal.bulk_rows import insert_rows
from portal.care.models import Notification

DATE_MARK = "@@reminder-date@@"
URL_MARK = "@@reminder-url@@"
UID_MARK = "@@reminder-uid@@"
#: Stand-ins for the event's dates in the calendar rendered once per language: fixed width
#: (YYYYMMDD), so filling in the real dates never changes where iCalendar folds a line.
_ICS_DAY = date(1901, 1, 1)
_LINK_ID = 987654321  # a child id no real link contains, replaced by the real one


def language_for(user, pref: ReminderPreference | None) -> str:
    return (pref.language if pref and pref.language else "") or user.preferred_language or settings.LANGUAGE_CODE


def _link(reminder: Reminder) -> str:
    return _link_for(reminder.recipient.role == "family", reminder.item.patient_id)


def _link_for(family: bool, patient_id: int, _templates: dict[bool, str] = {}) -> str:  # noqa: B006 (a cache)
    """The page a reminder points to; reverse() runs once per process and page, not per message."""
    if family not in _templates:
        name = "patients:family_follow_ups" if family else "patients:care_plan"
        _templates[family] = reverse(name, kwargs={"patient_id": _LINK_ID})
    return _templates[family].replace(str(_LINK_ID), str(patient_id))


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
    ics: str


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
                    headline = _("A check-up is overdue; sign in to see it.")
                    line = _("It was due on %(date)s.") % {"date": DATE_MARK}
                else:
                    headline = _("You have an upcoming check-up; sign in to see it.")
                    line = _("It is due on %(date)s.") % {"date": DATE_MARK}
                ctx = {
                    "headline": headline,
                    "line": line,
                    "url": URL_MARK,
                    "site_url": settings.SITE_URL,
                    "lang": translation.get_language(),
                }
                event_title = _("Check-up")  # the same title as in the calendar feed (feeds.py)
                calendar_name = _("Follow-ups")
                ics = build_calendar(
                    [CalendarEvent(uid=UID_MARK, day=_ICS_DAY, title=event_title)], name=calendar_name
                ).decode()
                self._rendered[key] = Rendered(
                    subject=_("Overdue check-up") if overdue else _("Check-up reminder"),
                    headline=headline,
                    line=line,
                    text=render_to_string("patients/reminders/email.txt", ctx),
                    html=render_to_string("patients/reminders/email.html", ctx),
                    event_title=event_title,
                    calendar_name=calendar_name,
                    ics=ics,
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


def _fill_calendar(rendered: Rendered, reminder: Reminder) -> bytes:
    """The language's calendar with this item's UID and dates; built anew if the UID line would fold."""
    uid = item_uid(reminder.item_id)
    if len(f"UID:{uid}".encode()) > 75:  # iCalendar folds lines longer than 75 octets
        event = CalendarEvent(uid=uid, day=reminder.due_date, title=rendered.event_title)
        return build_calendar([event], name=rendered.calendar_name)
    day = reminder.due_date
    return (
        rendered.ics.replace(UID_MARK, uid)
        .replace(_ICS_DAY.strftime("%Y%m%d"), day.strftime("%Y%m%d"))
        .replace((_ICS_DAY + timedelta(days=1)).strftime("%Y%m%d"), (day + timedelta(days=1)).strftime("%Y%m%d"))
        .encode()
    )


def message_id(reminder: Reminder) -> str:
    """<reminder-{id}-{hash}@{site host}>: the same for every attempt at this row, and names no health detail.

    The hash (HMAC with SECRET_KEY over the row's unique key) keeps ids of different databases
    (a restored copy, staging) apart without exposing the kind or date to the receiving side.
    """
    r = reminder
    key = f"{r.pk}:{r.item_id}:{r.recipient_id}:{r.channel}:{r.kind}:{r.due_date}"
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()[:16]
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{reminder.pk}-{digest}@{host}>"


@dataclass(frozen=True)
class Delivered:
    """A channel took the message: the server's answer (code and first line) and the email's Message-ID."""

    reply: str = ""
    message_id: str = ""


def reply_line(code: int, text: bytes | str) -> str:
    """'250 2.0.0 Ok: queued as X': the code and the first line of the answer, at most 200 characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = (text or "").splitlines()[0] if text else ""
    return f"{code} {first}".strip()[:200]


def failure_reply(exc: Exception) -> str:
    """The SMTP code and first line of a refusal, when the exception carries one (never message content)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, text = next(iter(exc.recipients.values()))
        return reply_line(code, text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return reply_line(exc.smtp_code, exc.smtp_error)
    return ""


def is_permanent(exc: Exception) -> bool:
    """A 5xx refusal: sending the same message again will not help."""
    reply = failure_reply(exc)
    return reply[:1] == "5"


def email_message(renderer: Renderer, reminder: Reminder, connection=None) -> EmailMultiAlternatives:
    r, day, url = renderer.parts(reminder)
    ics = _fill_calendar(r, reminder)
    message = EmailMultiAlternatives(
        r.subject,
        _fill(r.text, day, url),
        settings.DEFAULT_FROM_EMAIL,
        [reminder.recipient.email],
        connection=connection,
        headers={"Message-ID": message_id(reminder)},
    )
    message.attach_alternative(r.html.replace(DATE_MARK, escape(day)).replace(URL_MARK, escape(url)), "text/html")
    message.attach("follow-up.ics", ics, "text/calendar")
    return message


class _ReplyRecorder:
    """Keeps the server's answer to DATA on an SMTP connection (smtplib.sendmail drops it)."""

    def __init__(self):
        self.last = ""

    def attach(self, connection) -> None:
        smtp = getattr(connection, "connection", None)
        if not isinstance(smtp, smtplib.SMTP) or getattr(smtp, "_reminder_recorder", None) is self:
            return
        data = smtp.data

        def recording_data(msg):
            code, text = data(msg)
            self.last = reply_line(code, text)
            return code, text

        smtp.data = recording_data
        smtp._reminder_recorder = self


def send_emails(reminders: list[Reminder], renderer: Renderer, before_each=None) -> dict[int, Exception | Delivered]:
    """One connection for the batch; each message sent on its own so a failure is that message's.

    A dropped connection (server gone, timeout) fails that message and is reopened for the next.
    `before_each()` runs before every message; if it raises (the delivery's database transaction
    is gone, so nothing sent now could be recorded), the rest of the batch is not sent.
    """
    outcome: dict[int, Exception | Delivered] = {}
    if not reminders:
        return outcome
    connection = get_connection(fail_silently=False)
    recorder = _ReplyRecorder()
    try:
        connection.open()
    except Exception as exc:  # the mail server is down: every email of the batch failed
        return dict.fromkeys((r.pk for r in reminders), exc)
    try:
        for n, reminder in enumerate(reminders):
            if before_each is not None:
                try:
                    before_each()
                except Exception as exc:
                    outcome.update(dict.fromkeys((r.pk for r in reminders[n:]), exc))
                    break
            try:
                if getattr(connection, "connection", True) is None:  # dropped by the previous message
                    connection.open()
                recorder.attach(connection)
                recorder.last = ""
                message = email_message(renderer, reminder, connection)
                connection.send_messages([message])
                outcome[reminder.pk] = Delivered(reply=recorder.last, message_id=message.extra_headers["Message-ID"])
            except Exception as exc:
                outcome[reminder.pk] = exc
                if not failure_reply(exc):  # no SMTP answer: the connection itself broke
                    _drop(connection)
    finally:
        connection.close()
    return outcome


def _drop(connection) -> None:
    """Forget a broken SMTP connection so the next message opens a new one."""
    with contextlib.suppress(Exception):  # already broken; close() is best effort
        connection.close()
    if hasattr(connection, "connection"):
        connection.connection = None


def send_portal(reminders: list[Reminder], renderer: Renderer) -> dict[int, Exception | Delivered]:
    """The batch's notifications in one INSERT (in the delivery transaction: exactly once)."""
    notes = []
    for reminder in reminders:
        r, day, _url = renderer.parts(reminder)
        notes.append(
            {
                "user_id": reminder.recipient_id,
                "patient_id": reminder.item.patient_id,
                "kind": "follow_up_reminder",
                "title": r.headline,
                "body": _fill(r.line, day, ""),
                "link": _link(reminder),
            }
        )
    try:
        with transaction.atomic():
            insert_rows(Notification, notes)
    except Exception as exc:
        return dict.fromkeys((r.pk for r in reminders), exc)
    return dict.fromkeys((r.pk for r in reminders), Delivered())


def send_sms(reminders: list[Reminder], renderer: Renderer) -> dict[int, Exception | Delivered]:
    backend = get_sms_backend()
    outcome: dict[int, Exception | Delivered] = {}
    for reminder in reminders:
        r, day, _url = renderer.parts(reminder)
        try:
            backend.send(reminder.recipient.phone, f"{r.headline} {_fill(r.line, day, '')} {settings.SITE_URL}")
            outcome[reminder.pk] = Delivered()
        except Exception as exc:
            outcome[reminder.pk] = exc
    return outcome


SENDERS = {Channel.EMAIL: send_emails, Channel.PORTAL: send_portal, Channel.SMS: send_sms}


def send_batch(reminders: list[Reminder], before_each_email=None) -> dict[int, Exception | Delivered]:
    renderer = Renderer()
    outcome: dict[int, Exception | Delivered] = {}
    for channel, sender in SENDERS.items():
        batch = [r for r in reminders if r.channel == channel]
        if channel == Channel.EMAIL:
            outcome.update(sender(batch, renderer, before_each_email))
        else:
            outcome.update(sender(batch, renderer))
    return outcome
