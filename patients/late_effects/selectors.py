"""Reads of care plans, always through portal.access (which audits the child's record read)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from patients.models import CalendarFeedToken, CarePlan, FollowUpItem, FollowUpStatus, Patient, Visibility
from portal import audit
from portal.access import family_view, visible_entries, visible_patients
from portal.models import AuditAction


def care_plan_items(user, patient: Patient) -> QuerySet[FollowUpItem]:
    """Every item of the child's plan this user may see (history included), oldest due first."""
    return visible_entries(user, patient, FollowUpItem.objects.select_related("closed_by")).order_by(
        "due_on", "slot", "id"
    )


def care_plan(patient: Patient) -> CarePlan | None:
    return CarePlan.objects.select_related("ruleset").filter(patient=patient).first()


def item_for(user, patient: Patient, item_id) -> FollowUpItem | None:
    return care_plan_items(user, patient).filter(pk=item_id).first()


def family_follow_ups(user, patient: Patient) -> list[FollowUpItem]:
    """Open, released items for the family's page, soonest first."""
    return list(care_plan_items(user, patient).filter(status=FollowUpStatus.OPEN))


def feed_items(token: CalendarFeedToken) -> list[FollowUpItem]:
    """Open items of every child the token's owner may see today, each audited as an export."""
    user = token.user
    items = []
    children = list(visible_patients(user).order_by("id"))
    for child in children:  # a family follows one or a few children; one query per child
        view = family_view(user, child)
        if view is None:
            continue
        items += list(care_plan_items(user, child).filter(status=FollowUpStatus.OPEN))
    audit.record_many(user, AuditAction.EXPORT, children, object_type="calendar_feed")
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    return items


def open_screening_keys(patient: Patient) -> frozenset[str]:
    """SCREENING_KEYS of the child's open, released items: the care plan's part of care_moments_for().

    Released only, so pages suggested to a family never hint at an item they cannot see.
    """
    keys = FollowUpItem.objects.filter(
        patient=patient, status=FollowUpStatus.OPEN, visibility=Visibility.RELEASED
    ).values_list("screening_key", flat=True)
    return frozenset(keys)
