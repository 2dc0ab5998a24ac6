"""Data for the page rows: a child with a long timeline, its clinician and parent; a large worklist."""

from __future__ import annotations

from datetime import date, timedelta

from patients.models import Patient, TimelineEntry
from portal.care.models import CareTeamMembership
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory

SURNAMES = ("Garcia", "Smith", "Nguyen", "Okafor", "Kowalski", "Haddad", "Silva", "Jensen", "Tanaka", "Moreau")


def long_record(entries: int = 2000):
    """(child, clinician, parent): `entries` timeline entries over ~5 years, most released to the family."""
    child = PatientFactory()
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child, relationship="mother", access_level="full").user
    start = date(2021, 1, 4)
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                patient=child,
                kind="appointment",
                occurred_on=start + timedelta(days=i % 1800),
                title=f"Visit {i}",
                visibility="released" if i % 4 else "clinician",
            )
            for i in range(entries)
        ],
        batch_size=1000,
    )
    return child, clinician, parent


def add_children(clinician, count: int, start: int) -> None:
    """`count` more children on this clinician's team, names cycling through SURNAMES (bulk inserts)."""
    born = date(2015, 6, 1)
    children = Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"W{start + i:08d}",
                given_name=f"Child{start + i}",
                family_name=SURNAMES[(start + i) % len(SURNAMES)],
                date_of_birth=born + timedelta(days=(start + i) % 3000),
                sex="female",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    CareTeamMembership.objects.bulk_create(
        [CareTeamMembership(patient=c, clinician=clinician, team_role="attending") for c in children], batch_size=2000
    )
