"""Issue 8: one family-visibility rule, seen the same way everywhere a family looks.

One 14-year-old with timeline entries and follow-up items in every release state: released,
released without a release time, never released (clinician only), released from tomorrow, and
released but adolescent-confidential. Their parent (no confidential entries at 14) and the child's
own account (everything released) must find exactly the same entries on the family timeline, the
family follow-ups, the "for you now" page (which is steered by procedures and open screening items)
and the reminders, and that set must be the one the access policy's rule gives.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients.clinical.selectors import family_timeline, timeline
from patients.late_effects.models import CarePlan, FollowUpItem, FollowUpStatus
from patients.late_effects.selectors import care_plan_items, family_follow_ups
from patients.models import TimelineEntry
from patients.reminders import services as reminders
from patients.reminders.models import Reminder
from portal.care.access import family_entry_q, family_may_see, family_view
from tests.conftest import signed_in_client
from tests.education.factories import PageFactory
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory, born_years_ago
from tests.patients.factories import add_entry
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db

# Release state → (timeline procedure kind, follow-up screening key). Each key is used once, so
# the keys "for you now" matches on name the entry that steered them.
STATES = {
    "released": ("lumbar_puncture", "cardiac_echo"),
    "released_no_time": ("transplant", "hepatitis_screen"),
    "unreleased": ("bone_marrow", "bone_density_dxa"),
    "future_release": ("transfusion", "neurocognitive"),
    "confidential": ("radiation", "liver_function"),
}
DETAIL = {
    "lumbar_puncture": {"it_drugs": ["methotrexate"], "csf_wbc_per_ul": 1},
    "transfusion": {"product": "red_cells"},
    "radiation": {"site": "cranial", "total_gy": 12, "fractions": 8},
}
PARENT_SEES = {"released", "released_no_time"}
OWN_ACCOUNT_SEES = PARENT_SEES | {"confidential"}


def _release(state: str, now) -> dict:
    return {
        "released": {"visibility": "released", "released_at": now - timedelta(days=1), "confidential": False},
        "released_no_time": {"visibility": "released", "released_at": None, "confidential": False},
        "unreleased": {"visibility": "clinician", "released_at": None, "confidential": False},
        "future_release": {"visibility": "released", "released_at": now + timedelta(days=1), "confidential": False},
        "confidential": {"visibility": "released", "released_at": now - timedelta(days=1), "confidential": True},
    }[state]


def _marker(key: str) -> str:
    return f"fyn-{key}-page"


@pytest.fixture
def record():
    """The teenager, their parent, their own account, a clinician, and one entry and item per state."""
    now = timezone.now()
    today = timezone.localdate()
    child = PatientFactory(date_of_birth=born_years_ago(14.3))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child, relationship="mother").user
    own = FamilyLinkFactory(patient=child, relationship="self").user
    ruleset = load_default_ruleset()
    plan = CarePlan.objects.create(patient=child, ruleset=ruleset, exposures={})
    entries, items = {}, {}
    for state, (kind, screening_key) in STATES.items():
        entry = add_entry(clinician, child, kind, today, DETAIL.get(kind, {}), title=f"{state} {kind}")
        TimelineEntry.objects.filter(pk=entry.pk).update(**_release(state, now))
        entries[state] = entry.pk
        items[state] = FollowUpItem.objects.create(
            patient=child,
            plan=plan,
            ruleset=ruleset,
            slot=screening_key,
            screening_key=screening_key,
            what=f"{state} screening",
            why="Because of the treatment received.",
            late_effect="Late effect",
            due_on=today + timedelta(days=7),
            status=FollowUpStatus.OPEN,
            **_release(state, now),
        ).pk
        for key in (kind, screening_key):
            PageFactory(title=_marker(key), slug=key.replace("_", "-"), relevance_tags=[key])
    return {"child": child, "clinician": clinician, "parent": parent, "own": own, "entries": entries, "items": items}


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def _for_you_keys(user, child) -> set[str]:
    """The care-moment keys that steered the "for you now" page this user sees."""
    response = signed_in_client(user).get(f"/learn/for-you/{child.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    return {key for pair in STATES.values() for key in pair if _marker(key) in text}


@pytest.mark.parametrize(("who", "sees"), [("parent", PARENT_SEES), ("own", OWN_ACCOUNT_SEES)])
def test_every_family_surface_sees_the_same_entries_and_items(record, who, sees):
    child, user = record["child"], record[who]
    entries, items = record["entries"], record["items"]
    view = family_view(user, child)
    assert view is not None and view.include_confidential is (who == "own")

    # The one rule, as a filter and in memory, gives the hand-listed set.
    expected_entries = {entries[s] for s in sees}
    expected_items = {items[s] for s in sees}
    now = timezone.now()
    assert _ids(TimelineEntry.objects.filter(family_entry_q(view), patient=child)) == expected_entries
    assert _ids(FollowUpItem.objects.filter(family_entry_q(view), patient=child)) == expected_items
    assert {e.pk for e in TimelineEntry.objects.filter(patient=child) if family_may_see(view, e, now)} == (
        expected_entries
    )
    assert {i.pk for i in FollowUpItem.objects.filter(patient=child) if family_may_see(view, i, now)} == (
        expected_items
    )

    # The family timeline and the family follow-ups.
    assert {e.pk for e in family_timeline(user, child)} == expected_entries
    assert {e.pk for e in timeline(user, child)} == expected_entries
    assert {i.pk for i in family_follow_ups(user, child)} == expected_items

    # "For you now": only what the family can see steers the pages suggested to them.
    procedures = {STATES[s][0] for s in sees}
    screening = {STATES[s][1] for s in sees}
    assert _for_you_keys(user, child) == procedures | screening

    # Reminders: the sweep creates rows for exactly these items ...
    reminders.sweep()
    reminded = set(Reminder.objects.filter(recipient=user).values_list("item_id", flat=True))
    assert reminded == expected_items
    # ... and delivery re-checks the same rule (an item hidden after the sweep is skipped).
    outcomes = {}
    for state, item_id in items.items():
        item = FollowUpItem.objects.get(pk=item_id)
        row = Reminder.objects.create(item=item, recipient=user, channel="portal", kind="check", due_date=item.due_on)
        outcomes[state] = reminders.deliver_reminder(row.pk)
    assert {s for s, outcome in outcomes.items() if outcome == "sent"} == sees
    assert {s for s, outcome in outcomes.items() if outcome == "skipped"} == set(STATES) - sees


def test_clinicians_still_see_every_entry_and_item(record):
    child, clinician = record["child"], record["clinician"]
    assert {e.pk for e in timeline(clinician, child)} == set(record["entries"].values())
    assert {i.pk for i in care_plan_items(clinician, child)} == set(record["items"].values())
    reminders.sweep()
    reminded = set(Reminder.objects.filter(recipient=clinician).values_list("item_id", flat=True))
    assert reminded == set(record["items"].values())


@pytest.mark.parametrize("include_confidential", [False, True])
def test_the_filter_and_its_in_memory_twin_agree_on_every_combination(include_confidential):
    """family_entry_q() and family_may_see() over every visibility × release time × confidential."""
    from itertools import product

    from portal.care.access import FamilyView
    from tests.patients.factories import TimelineEntryFactory

    child = PatientFactory()
    now = timezone.now()
    release_times = (None, now - timedelta(seconds=1), now, now + timedelta(seconds=1))
    for visibility, released_at, confidential in product(("clinician", "released"), release_times, (False, True)):
        TimelineEntryFactory(patient=child, visibility=visibility, released_at=released_at, confidential=confidential)
    view = FamilyView(include_confidential=include_confidential)
    entries = list(TimelineEntry.objects.filter(patient=child))
    assert len(entries) == 16
    in_memory = {e.pk for e in entries if family_may_see(view, e, now)}
    by_filter = _ids(TimelineEntry.objects.filter(family_entry_q(view, now), patient=child))
    assert in_memory == by_filter
    expected = {
        e.pk
        for e in entries
        if e.visibility == "released"
        and (e.released_at is None or e.released_at <= now)
        and (include_confidential or not e.confidential)
    }
    assert by_filter == expected
    assert len(expected) == (6 if include_confidential else 3)
