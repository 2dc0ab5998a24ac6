"""Factories and builders for the clinical record (reference data comes from migration 0003)."""

from datetime import date, timedelta

import factory

from patients.clinical import services
from patients.models import (
    ChemoAdministration,
    Drug,
    GeneticMarker,
    LabResult,
    MrdResult,
    TimelineEntry,
    TreatmentPhase,
)


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


def add_chemo(user, patient, on, code, dose, *, unit="mg_m2", doses=1, route="iv", until=None, phase=None, **detail):
    return add_entry(
        user,
        patient,
        "chemo",
        on,
        {"drug": code, "dose": dose, "dose_unit": unit, "doses": doses, "route": route, **detail},
        ends_on=until,
        phase=phase,
    )


def populate_record(user, patient, start: date, copies: int = 1):
    """A record with every entry kind, `copies` times over (for page and query-count tests)."""
    from patients.models import GeneticMarker, PredispositionSyndrome

    if not hasattr(patient, "_diagnosed"):
        services.save_diagnosis(
            user,
            patient,
            {
                "diagnosed_on": start,
                "lineage": "B",
                "wbc_value": 12,
                "wbc_unit": "e9_per_l",
                "cns_status": "CNS1",
                "genetics_complete": True,
                "genetic_markers": list(GeneticMarker.objects.filter(code="ETV6_RUNX1")),
                "predisposition_syndromes": list(PredispositionSyndrome.objects.filter(code="down")),
            },
        )
        services.save_plan(user, patient, {"protocol": "AALL0932", "arm": "standard"})
        patient._diagnosed = True
    phase = services.save_phase(user, patient, {"key": "induction", "actual_start": start})
    for i in range(copies):
        day = start + timedelta(days=i)
        add_chemo(user, patient, day, "daunorubicin", 25, phase=phase)
        add_chemo(user, patient, day, "dexamethasone", 6, until=day + timedelta(days=27), route="oral")
        add_entry(user, patient, "lumbar_puncture", day, {"it_drugs": ["methotrexate"], "csf_wbc_per_ul": 1})
        add_entry(user, patient, "bone_marrow", day, result="M1 marrow")
        add_entry(
            user, patient, "mrd", day, {"timepoint": "day8", "sample": "blood", "method": "flow", "value_pct": 0.001}
        )
        add_entry(user, patient, "lab", day, {"test_name": "ANC", "value": "0.4", "unit": "×10⁹/L"})
        add_entry(user, patient, "imaging", day, result="Chest x-ray: no mediastinal mass")
        add_entry(user, patient, "radiation", day, {"site": "cranial", "total_gy": 12, "fractions": 8})
        add_entry(user, patient, "procedure", day, subtype="central_line_placed")
        add_entry(user, patient, "transplant", day, subtype="allogeneic")
        add_entry(user, patient, "transfusion", day, {"product": "red_cells"})
        add_entry(user, patient, "admission", day, ends_on=day + timedelta(days=2))
        add_entry(user, patient, "adverse_event", day, {"ctcae_term": "Febrile neutropenia", "grade": 3})
        add_entry(user, patient, "milestone", day, subtype="remission", visibility="released")
        add_entry(user, patient, "appointment", day, title="Clinic visit", visibility="released")
        add_entry(user, patient, "note", day, notes="Family coping well", visibility="released", confidential=True)


PLOT_KINDS = ("lumbar_puncture", "admission", "mrd", "lab", "chemo", "milestone", "bone_marrow", "note")


def bulk_plot_history(patient, n: int, start: date, *, released: bool = True):
    """`n` entries of the plotted kinds (doxorubicin doses, MRD, platelet counts among them), four a day, by SQL."""
    entries = TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                patient=patient,
                kind=PLOT_KINDS[i % len(PLOT_KINDS)],
                occurred_on=start + timedelta(days=i // 4),
                visibility="released" if released else "clinician",
            )
            for i in range(n)
        ]
    )
    dox = drug("doxorubicin")
    ChemoAdministration.objects.bulk_create(
        [ChemoAdministration(entry=e, drug=dox, dose="10", dose_unit="mg_m2") for e in entries if e.kind == "chemo"]
    )
    MrdResult.objects.bulk_create(
        [MrdResult(entry=e, timepoint="other", sample="blood", method="flow", value_pct="0.1")
         for e in entries if e.kind == "mrd"]
    )  # fmt: skip
    LabResult.objects.bulk_create(
        [LabResult(entry=e, test_name="Platelets", value="120", unit="×10⁹/L") for e in entries if e.kind == "lab"]
    )
