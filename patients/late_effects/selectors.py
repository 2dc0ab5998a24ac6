"""Reads of care plans, always through portal.care.access (which audits the child's record read)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus, RuleSet
from patients.late_effects.schema import criterion_leaves
from patients.models import Patient
from portal.care import audit
from portal.care.access import (
    NARROWEST_FAMILY_VIEW,
    FamilyView,
    active_family_links,
    family_entry_q,
    family_view_for_link,
    is_family_user,
    visible_entries,
)
from portal.care.models import AuditAction


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


def feed_items(user) -> list[FollowUpItem]:
    """Open, released items of every child `user` (a calendar feed's owner) may see today, audited
    as an export.

    Family accounts only (tokens are created from the family reminder settings): one query for the
    allowed links, one for the items of all their children, whatever the number of children.
    """
    if not is_family_user(user):
        return []
    links = list(active_family_links(user).select_related("patient").order_by("patient_id"))
    if not links:
        return []
    visible = Q()
    for link in links:  # builds the filter in Python; no query per child
        visible |= Q(patient_id=link.patient_id) & family_entry_q(family_view_for_link(link))
    items = list(FollowUpItem.objects.filter(visible, status=FollowUpStatus.OPEN).order_by("due_on", "slot", "id"))
    audit.record_many(user, AuditAction.EXPORT, [link.patient for link in links], object_type="calendar_feed")
    return items


def open_screening_keys(patient: Patient, *, view: FamilyView = NARROWEST_FAMILY_VIEW) -> frozenset[str]:
    """SCREENING_KEYS of the child's open items a family with `view` may see: the care plan's part
    of care_moments_for().

    The family rule of the access policy (released, release time reached, confidential per view),
    so pages suggested to a family never hint at an item they cannot see.
    """
    visible = FollowUpItem.objects.filter(family_entry_q(view), patient=patient, status=FollowUpStatus.OPEN)
    return frozenset(visible.values_list("screening_key", flat=True))


DOSE_THRESHOLD_FIELDS = ("anthracycline_dox_eq_mg_m2", "ced_mg_m2")


def dose_thresholds() -> dict[str, tuple[float, ...]]:
    """The cumulative-dose cut-offs the active rule set's criteria use, per field (for the dose plots).

    Zero is left out: "> 0" means "any exposure", not a line worth drawing. One query.
    """
    content = RuleSet.objects.filter(active=True).values_list("content", flat=True).first() or {}
    found: dict[str, set[float]] = {name: set() for name in DOSE_THRESHOLD_FIELDS}
    for rule in content.get("rules", []):
        for leaf in criterion_leaves(rule.get("criteria") or {}):
            if leaf.get("field") in found and isinstance(leaf.get("value"), int | float) and leaf["value"] > 0:
                found[leaf["field"]].add(float(leaf["value"]))
    return {name: tuple(sorted(values)) for name, values in found.items()}
