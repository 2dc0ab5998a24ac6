"""Tell the care team when a follow-up on one of their children becomes overdue (in-portal notices).

Set-based and idempotent: one read of the items that fell overdue within NOTICE_WINDOW_DAYS, the
care teams of those children in two queries (portal.care.access.care_team_pairs, per-child and
named teams), and INSERTs that skip what was already sent (the notification's (user, dedup_key)
constraint). Run daily by beat; a second run, or two at once, adds nothing. An item that fell
overdue longer ago than the window (the job did not run for that long) is left to the weekly digest.
The notice names the MRN only: the screening itself is a health detail, read on the record.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.late_effects.models import FollowUpItem, FollowUpStatus
from portal.care.access import care_team_pairs
from portal.care.models import Notification

NOTICE_WINDOW_DAYS = 14
INSERT_BATCH = 1000


def _notice(clinician_id: int, language: str, item: dict) -> Notification:
    with translation.override(language or settings.LANGUAGE_CODE):
        return Notification(
            user_id=clinician_id,
            patient_id=item["patient_id"],
            kind="follow_up_overdue",
            title=_("A follow-up is overdue for a patient on your team"),
            body=_("A follow-up for %(mrn)s was due on %(due)s. Open the care plan to see it.")
            % {"mrn": item["patient__mrn"], "due": item["due_on"].isoformat()},
            link=reverse("patients:care_plan", kwargs={"patient_id": item["patient_id"]}),
            dedup_key=f"overdue:{item['id']}",
        )


def notify_overdue_follow_ups(today: date | None = None) -> int:
    """Create the missing overdue notices; returns how many rows were offered to the INSERT."""
    today = today or timezone.localdate()
    items = list(
        FollowUpItem.objects.filter(
            status=FollowUpStatus.OPEN, due_on__lt=today, due_on__gte=today - timedelta(days=NOTICE_WINDOW_DAYS)
        ).values("id", "patient_id", "patient__mrn", "due_on")
    )
    by_patient: dict[int, list[dict]] = {}
    for item in items:
        by_patient.setdefault(item["patient_id"], []).append(item)
    notices = [
        _notice(clinician_id, language, item)
        for clinician_id, patient_id, language in care_team_pairs(by_patient)
        for item in by_patient[patient_id]
    ]
    Notification.objects.bulk_create(notices, batch_size=INSERT_BATCH, ignore_conflicts=True)
    return len(notices)
