"""Factories and builders for the clinical record (reference data comes from migration 0003)."""

from datetime import date

import factory

from patients.clinical import services
from patients.models import Drug, GeneticMarker, TimelineEntry, TreatmentPhase


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    """A plain entry without detail (notes, appointments, milestones); use add_entry() for typed kinds."""

    class Meta:
        model = TimelineEntry

    kind = "note"
    occurred_on = factory.LazyFunction(date.today)
    title = factory.Sequence(lambda n: f"Entry {n}")


class TreatmentPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPhase

    key = "induction"


def drug(code: str) -> Drug:
    return Drug.objects.get(code=code)


def marker(code: str) -> GeneticMarker:
    return GeneticMarker.objects.get(code=code)


def add_entry(user, patient, kind, on, detail=None, **data):
    return services.save_entry(user, patient, {"occurred_on": on, **data}, detail or {}, kind=kind)


def add_chemo(user, patient, on, code, dose, *, unit="mg_m2", doses=1, route="iv", until=None, **detail):
    return add_entry(
        user,
        patient,
        "chemo",
        on,
        {"drug": code, "dose": dose, "dose_unit": unit, "doses": doses, "route": route, **detail},
        ends_on=until,
    )
