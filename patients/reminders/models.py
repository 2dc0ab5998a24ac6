"""The reminder outbox (see shared architecture "The reminder pipeline" and docs in patients/reminders).

A Reminder row is created by the beat sweep for one (follow-up item, recipient, channel, kind,
due date): that tuple is unique, so repeated or concurrent sweeps cannot create or send twice.
Status: pending → sent, or failed (retried with backoff) → dead after REMINDER_MAX_ATTEMPTS.
DeliveryLog is one row per message handed to a channel, written in the same transaction that
marks the reminder sent. Texts never carry health details.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("In-portal notification")
    SMS = "sms", _("Text message")


class ReminderPreference(models.Model):
    """How one user wants follow-up reminders. Users without a row get the defaults below."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference")
    email = models.BooleanField(_("by email"), default=True)
    portal = models.BooleanField(_("in the portal"), default=True)
    sms = models.BooleanField(_("by text message"), default=False)
    lead_days = models.JSONField(
        _("days before"), default=list, blank=True, help_text=_("Days before the due date, e.g. [30, 7].")
    )
    overdue_nudges = models.BooleanField(_("weekly reminders when overdue"), default=True)
    overdue_nudge_cap = models.PositiveSmallIntegerField(_("at most this many overdue reminders"), default=3)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    language = models.CharField(
        _("language of reminders"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the account's."),
    )
    calendar_details = models.BooleanField(
        _("show the test names in my calendar"),
        default=False,
        help_text=_("Off: calendar events only say 'Check-up' or 'Clinic visit'."),
    )

    def __str__(self) -> str:
        return f"Reminder preferences of user {self.user_id}"

    def effective_lead_days(self) -> list[int]:
        return sorted({int(d) for d in (self.lead_days or settings.REMINDER_DEFAULT_LEAD_DAYS)}, reverse=True)


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead: gave up")
    SKIPPED = "skipped", _("Skipped: no longer needed")


class Reminder(models.Model):
    # No index of its own: the unique key below starts with item_id (one index less per swept row).
    item = models.ForeignKey(
        "late_effects.FollowUpItem", on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=20, help_text=_("lead-<days> or overdue-<n>."))
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now, help_text=_("Quiet hours or retry backoff."))
    enqueue_at = models.DateTimeField(
        default=timezone.now,
        help_text=_(
            "When the sweep (re)enqueues this row if it is still pending or failed: once its quiet hours "
            "end, or REMINDER_REQUEUE_AFTER_SECONDS after it was last enqueued (a lost task)."
        ),
    )
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "recipient", "channel", "kind", "due_date"], name="reminder_once_per_key"
            )
        ]
        indexes = [
            # Only the rows someone looks for (admin: dead, failing): pending and sent rows, nearly
            # all of them, cost the sweep and the delivery no entry here.
            models.Index(
                fields=["status"], condition=models.Q(status__in=["failed", "dead"]), name="reminder_needs_attention"
            ),
            models.Index(
                fields=["enqueue_at"], condition=models.Q(status__in=["pending", "failed"]), name="reminder_to_enqueue"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.pk} ({self.channel}, {self.kind}) {self.status}"


class DeliveryLog(models.Model):
    """What was handed to a channel, when. Written with the 'sent' status, in one transaction."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    message_id = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The email's Message-ID: the same for every attempt at this reminder (see docs/reminders.md)."),
    )
    smtp_reply = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The mail server's answer to the message: code and first line (e.g. its queue id)."),
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} to user {self.recipient_id} at {self.sent_at:%Y-%m-%d %H:%M}"


class CareTeamDigest(models.Model):
    """One weekly overdue digest per clinician and week: makes the digest task idempotent."""

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    overdue_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinician", "week_start"], name="digest_once_per_week")]

    def __str__(self) -> str:
        return f"Digest for user {self.clinician_id}, week of {self.week_start}"


def new_feed_secret() -> str:
    """The secret part of a feed address: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_feed_secret(token: str) -> str:
    """What is stored and looked up: SHA-256 of the token (it is random, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: Kept for migration 0001, which names it as the old plain-text column's default.
_new_token = new_feed_secret


class CalendarFeedToken(models.Model):
    """A secret, revocable, expiring calendar-feed address for one family account (no patient id in the URL).

    Only the SHA-256 of the token is stored; the address is shown once, when it is made
    (patients.reminders.feeds.create_feed sets the transient `token` attribute on the new row).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: The first characters of the token, not secret on their own: lets a person tell addresses apart.
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    #: The full token, only on the instance create_feed returns; never saved.
    token: str | None = None

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} of user {self.user_id}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
