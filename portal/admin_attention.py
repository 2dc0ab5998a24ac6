"""What needs an admin's attention, for the admin home: each kind with its count and a link to act.

Every count is one SQL aggregate (no row is loaded), so the panel costs the same few queries
whatever the data: failing and dead reminders together, pages overdue for review, active
break-the-glass grants, and accounts locked by django-axes.
"""

from __future__ import annotations

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin import AdminSite
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from education.models import Page, PageStatus
from patients.reminders.models import Reminder, ReminderStatus
from portal.care.models import BreakGlassGrant
from portal.lockout import cool_off_for


@dataclass(frozen=True)
class AttentionItem:
    key: str
    label: str
    count: int
    url: str
    action: str


def _changelist(model, **query) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def locked_account_count(now=None) -> int:
    """Accounts locked right now, by the lockout's own rule (portal.lockout.is_account_locked): failures
    summed per account, locked while the growing cool-off since the last attempt lasts. One query; only
    attempts within the longest cool-off can still lock."""
    now = now or timezone.now()
    per_account = (
        AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_MAX)
        .values("username")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
    )
    return sum(1 for row in per_account if row["last"] + cool_off_for(row["n"]) > now)


def attention_items() -> list[AttentionItem]:
    now = timezone.now()
    reminders = Reminder.objects.aggregate(
        dead=Count("pk", filter=Q(status=ReminderStatus.DEAD)),
        failed=Count("pk", filter=Q(status=ReminderStatus.FAILED)),
    )
    overdue_pages = Page.objects.filter(status=PageStatus.PUBLISHED, next_review_due__lt=timezone.localdate()).count()
    grants = BreakGlassGrant.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count()
    locked = locked_account_count(now)
    return [
        AttentionItem(
            "dead_reminders",
            _("Reminders that gave up (dead)"),
            reminders["dead"],
            _changelist(Reminder, status=ReminderStatus.DEAD),
            _("Check the address or channel, then resend or skip"),
        ),
        AttentionItem(
            "failing_reminders",
            _("Reminders failing, will retry"),
            reminders["failed"],
            _changelist(Reminder, status=ReminderStatus.FAILED),
            _("See the last error"),
        ),
        AttentionItem(
            "overdue_pages",
            _("Education pages overdue for review"),
            overdue_pages,
            _changelist(Page, review="overdue"),
            _("Reopen and review"),
        ),
        AttentionItem(
            "active_grants",
            _("Active break-the-glass grants"),
            grants,
            _changelist(BreakGlassGrant, status="active"),
            _("Check the reasons; revoke if not needed"),
        ),
        AttentionItem(
            "locked_accounts",
            _("Locked accounts"),
            locked,
            _changelist(AccessAttempt, failures_since_start__gte=settings.AXES_FAILURE_LIMIT),
            _("Delete the attempts to unlock, after checking with the person"),
        ),
    ]


def index_with_attention(site: AdminSite, request, extra_context=None):
    """AdminSite.index with the attention panel (bound to admin.site in portal/admin.py)."""
    context = {**(extra_context or {}), "attention": attention_items()}
    return AdminSite.index(site, request, context)
