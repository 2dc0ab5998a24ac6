"""Delivery channels. Each `send(reminder)` either delivers or raises; none carries health details.

Texts say only that a follow-up is coming (or overdue), its date, and to sign in; the email adds
an .ics so the date lands in a calendar, with the neutral title "Follow-up appointment".
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from patients.reminders.ics import CalendarEvent, build_calendar, item_uid
from patients.reminders.models import Channel, Reminder, ReminderPreference
from patients.reminders.sms import get_sms_backend
from portal.care.models import Notification


def language_for(user, pref: ReminderPreference | None) -> str:
    return (pref.language if pref and pref.language else "") or user.preferred_language or settings.LANGUAGE_CODE


def _preference(user) -> ReminderPreference | None:
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return None


def _link(reminder: Reminder) -> str:
    patient_id = reminder.item.patient_id
    if reminder.recipient.role == "family":
        return reverse("patients:family_follow_ups", kwargs={"patient_id": patient_id})
    return reverse("patients:care_plan", kwargs={"patient_id": patient_id})


def message_context(reminder: Reminder) -> dict:
    overdue = reminder.kind.startswith("overdue")
    day = date_format(reminder.due_date, "DATE_FORMAT")
    if overdue:
        headline = _("A follow-up is overdue; sign in to see it.")
        line = _("It was due on %(date)s.") % {"date": day}
    else:
        headline = _("You have an upcoming follow-up; sign in to see it.")
        line = _("It is due on %(date)s.") % {"date": day}
    return {
        "headline": headline,
        "line": line,
        "url": settings.SITE_URL.rstrip("/") + _link(reminder),
        "site_url": settings.SITE_URL,
        "lang": translation.get_language(),
    }


def send_email(reminder: Reminder) -> None:
    user = reminder.recipient
    with translation.override(language_for(user, _preference(user))):
        ctx = message_context(reminder)
        subject = _("Follow-up reminder") if not reminder.kind.startswith("overdue") else _("Overdue follow-up")
        text = render_to_string("patients/reminders/email.txt", ctx)
        html = render_to_string("patients/reminders/email.html", ctx)
        ics = build_calendar(
            [CalendarEvent(uid=item_uid(reminder.item_id), day=reminder.due_date, title=_("Follow-up appointment"))],
            name=_("Follow-ups"),
        )
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.attach("follow-up.ics", ics, "text/calendar")
    message.send(fail_silently=False)


def send_portal(reminder: Reminder) -> None:
    user = reminder.recipient
    with translation.override(language_for(user, _preference(user))):
        ctx = message_context(reminder)
        Notification.objects.create(
            user=user,
            patient_id=reminder.item.patient_id,
            kind="follow_up_reminder",
            title=ctx["headline"],
            body=ctx["line"],
            link=_link(reminder),
        )


def send_sms(reminder: Reminder) -> None:
    user = reminder.recipient
    with translation.override(language_for(user, _preference(user))):
        ctx = message_context(reminder)
        get_sms_backend().send(user.phone, f"{ctx['headline']} {ctx['line']} {ctx['site_url']}")


SENDERS = {Channel.EMAIL: send_email, Channel.PORTAL: send_portal, Channel.SMS: send_sms}


def send(reminder: Reminder) -> None:
    SENDERS[reminder.channel](reminder)
