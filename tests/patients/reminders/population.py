"""A deterministic population for the reminder sweep and delivery, built with bulk inserts.

`population(n, today)` makes n children, each with one family account and one clinician, and
`items_per_child` follow-up items. Child i draws (from a generator seeded with i) its age, link kind (parent, limited,
own account, adult with and without consent, expired or not yet valid), preferences (defaults,
channels, SMS with and without a phone, lead days, no or capped nudges, quiet hours inside and
outside the sweep's time, language), item dates around every lead time and overdue week, and
item visibility (clinician only, released, released later, confidential, done): the same
population for the same arguments, every time. The tests use it
at 10-200 children; the benchmark at tens of thousands.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from patients.late_effects.models import CarePlan, FollowUpItem, RuleSet
from patients.models import Patient
from patients.reminders.models import ReminderPreference
from portal.accounts.models import User
from portal.care.access import years_before
from portal.care.models import CareTeamMembership, FamilyLink

OFFSETS = (-120, -92, -91, -84, -29, -28, -22, -21, -14, -8, -7, -1, 0, 1, 3, 6, 7, 8, 14, 29, 30, 31, 100, 121)
AGES = (5, 11, 12, 14, 17, 18, 20)
LINKS = (  # relationship, access level, adult consent
    ("mother", "full", False),
    ("father", "limited", False),
    ("self", "full", False),
    ("guardian", "full", True),
    ("parent", "full", False),
)
PREFS = (
    None,
    {"portal": False},
    {"sms": True},
    {"sms": True, "phone": "+15555550100"},
    {"lead_days": [14, 3]},
    {"lead_days": []},
    {"overdue_nudges": False},
    {"overdue_nudge_cap": 1},
    {"quiet_start": time(21, 0), "quiet_end": time(8, 0)},
    {"quiet_start": time(9, 0), "quiet_end": time(17, 0)},
    {"lead_days": [200, 60, 0], "language": "es"},
    {"email": False, "portal": False},
)


def _ruleset() -> RuleSet:
    return RuleSet.objects.get_or_create(
        name="population", version="1", defaults={"source": "-", "content": {}, "raw_text": "", "checksum": "-"}
    )[0]


def _profile(i: int) -> dict:
    rng = random.Random(i)
    return {
        "age": rng.choice(AGES),
        "days": rng.randrange(5),
        "status": rng.choices(["ltfu", "deceased", "transferred"], weights=[90, 5, 5])[0],
        "family_active": rng.random() > 0.05,
        "clinician_active": rng.random() > 0.08,
        "membership_active": rng.random() > 0.1,
        "link": rng.choice(LINKS),
        "link_later": rng.random() < 0.05,
        "link_expired": rng.random() < 0.07,
        "family_pref": rng.choice(PREFS),
        "clinician_pref": rng.choice(PREFS) if rng.random() < 0.5 else None,
    }


def population(n: int, today: date, *, items_per_child: int = 3, start: int = 0) -> None:
    """n children (numbered from `start`) with their family accounts, clinicians, links and items."""
    ruleset = _ruleset()
    now = timezone.make_aware(datetime.combine(today, time(12, 0)))
    tag = f"{today:%Y%m%d}-{start}"
    profiles = [_profile(i) for i in range(start, start + n)]
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"S{tag}-{i}",
            given_name="Sam",
            family_name="Sweep",
            date_of_birth=years_before(today, p["age"]) - timedelta(days=p["days"]),
            status=p["status"],
        )
        for i, p in zip(range(start, start + n), profiles, strict=True)
    )
    family = User.objects.bulk_create(
        User(
            email=f"family{tag}-{i}@example.org",
            role="family",
            password="!",
            is_active=p["family_active"],
            phone=(p["family_pref"] or {}).get("phone", ""),
        )
        for i, p in zip(range(start, start + n), profiles, strict=True)
    )
    staff = User.objects.bulk_create(
        User(email=f"clinician{tag}-{i}@example.org", role="clinician", password="!", is_active=p["clinician_active"])
        for i, p in zip(range(start, start + n), profiles, strict=True)
    )
    links = []
    for p, child, user in zip(profiles, patients, family, strict=True):
        relationship, level, consent = p["link"]
        valid_from = today + timedelta(days=3) if p["link_later"] else today - timedelta(days=400)
        valid_until = today - timedelta(days=1) if p["link_expired"] and not p["link_later"] else None
        links.append(
            FamilyLink(
                user=user,
                patient=child,
                relationship=relationship,
                access_level=level,
                adult_consent_on=today - timedelta(days=30) if consent else None,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
    FamilyLink.objects.bulk_create(links)
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=child, clinician=user, active=p["membership_active"])
        for p, child, user in zip(profiles, patients, staff, strict=True)
    )
    prefs = []
    for p, parent, clinician in zip(profiles, family, staff, strict=True):
        for user, choice in ((parent, p["family_pref"]), (clinician, p["clinician_pref"])):
            if choice is not None:
                fields = {k: v for k, v in choice.items() if k != "phone"}
                prefs.append(ReminderPreference(user=user, **fields))
    ReminderPreference.objects.bulk_create(prefs)
    plans = CarePlan.objects.bulk_create(CarePlan(patient=child, ruleset=ruleset, exposures={}) for child in patients)
    items = []
    for i, child, plan in zip(range(start, start + n), patients, plans, strict=True):
        rng = random.Random(-1 - i)
        for j in range(items_per_child):
            done = rng.random() < 0.08
            items.append(
                FollowUpItem(
                    patient=child,
                    plan=plan,
                    ruleset=ruleset,
                    slot=f"s{j}",
                    screening_key="echo",
                    what="Heart ultrasound",
                    why="-",
                    late_effect="-",
                    due_on=today + timedelta(days=rng.choice(OFFSETS)),
                    status="done" if done else "open",
                    completed_on=today if done else None,
                    visibility="clinician" if rng.random() < 0.15 else "released",
                    confidential=rng.random() < 0.3,
                    released_at=now + timedelta(days=1) if rng.random() < 0.1 else now - timedelta(days=1),
                )
            )
    FollowUpItem.objects.bulk_create(items, batch_size=2000)
    _analyse(Patient, User, FamilyLink, CareTeamMembership, ReminderPreference, CarePlan, FollowUpItem)


def _analyse(*models) -> None:
    """Give the planner statistics for the rows just written, as autovacuum does on a live database.

    Tables emptied by earlier tests and never analysed made one sweep statement pick a plan that ran
    for minutes in the full suite; with statistics it takes milliseconds."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))
