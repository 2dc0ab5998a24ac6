"""The plots' series, read in SQL: only the columns each plot needs (values_list), never the timeline's objects.

Two queries whatever the history's length: one for the swimlane's events, the MRD results and the
blood counts, one for the doses (each dose row carries its drug's equivalence factor from the
active exposure rules, by subquery). Both go through visible_entries, so a family's series hold
released entries only. The page that shows them has already recorded its read of the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from patients.models import AnthracyclineFactor, CedFactor, EntryKind, Patient, TimelineEntry
from patients.plots.counts import COUNT_NAMES, CountSeries, series_from_rows
from patients.plots.doses import DoseGiven, running_totals
from patients.plots.mrd import MrdPoint
from patients.plots.swimlane import EventMark
from portal.care.access import visible_entries

# Entry kind -> swimlane lane.
EVENT_LANES = {
    EntryKind.LUMBAR_PUNCTURE: "lumbar_puncture",
    EntryKind.ADMISSION: "admission",
    EntryKind.MRD: "result",
    EntryKind.BONE_MARROW: "result",
    EntryKind.MILESTONE: "milestone",
}
COUNT_TEST_NAMES = tuple(name for names in COUNT_NAMES.values() for name in names)
_COLUMNS = (
    "occurred_on",
    "title",
    "ends_on",
    "kind",
    "mrd__value_pct",
    "mrd__negative_below_pct",
    "mrd__timepoint",
    "lab__test_name",
    "lab__value",
    "lab__unit",
    "lab__reference_range",
)


@dataclass
class RecordSeries:
    events: list[EventMark] = field(default_factory=list)
    mrd: list[tuple[MrdPoint, str]] = field(default_factory=list)  # (point, timepoint code), oldest first
    counts: list[CountSeries] = field(default_factory=list)
    anthracycline: list[tuple[date, float]] = field(default_factory=list)  # running totals, mg/m²
    ced: list[tuple[date, float]] = field(default_factory=list)
    next_appointment: tuple[date, str] | None = None  # (day, title) of the first appointment from today


def _f(value) -> float | None:
    return None if value is None else float(value)


def timeline_series(user, patient: Patient) -> RecordSeries:
    """Events, MRD, counts and the next appointment in one query (lab rows only for the counts' test names)."""
    today = timezone.localdate()
    rows = (
        visible_entries(user, patient, TimelineEntry.objects.all())
        .annotate(test=Lower("lab__test_name"))
        .filter(
            Q(kind__in=list(EVENT_LANES))
            | Q(kind=EntryKind.LAB, test__in=COUNT_TEST_NAMES)
            | Q(kind=EntryKind.APPOINTMENT, occurred_on__gte=today)
        )
        .order_by("occurred_on", "id")
        .values_list(*_COLUMNS)
    )
    series, seen, labs = RecordSeries(), set(), []
    for day, title, until, kind, value, below, timepoint, test, lab_value, unit, reference in rows:
        if kind == EntryKind.APPOINTMENT:
            series.next_appointment = series.next_appointment or (day, title)
            continue
        if kind == EntryKind.LAB:
            labs.append((day, test, lab_value, unit, reference))
            continue
        lane = EVENT_LANES[kind]
        key = (lane, day, until)
        if key not in seen:  # one mark per lane and day
            seen.add(key)
            series.events.append(EventMark(lane, day, until if kind == EntryKind.ADMISSION else None))
        if kind == EntryKind.MRD and (value is not None or below is not None):
            series.mrd.append((MrdPoint(day, _f(value), _f(below)), timepoint))
    series.counts = series_from_rows(labs)
    return series


def dose_series(user, patient: Patient, series: RecordSeries) -> RecordSeries:
    """Running anthracycline (doxorubicin-equivalent) and CED totals from the recorded doses, one query."""
    anthracycline = AnthracyclineFactor.objects.filter(rule_set__active=True, drug=OuterRef("chemo__drug")).values(
        "factor"
    )[:1]
    ced = CedFactor.objects.filter(formula__active=True, drug=OuterRef("chemo__drug")).values("factor")[:1]
    rows = (
        visible_entries(user, patient, TimelineEntry.objects.all())
        .filter(kind=EntryKind.CHEMO, chemo__drug__drug_class__in=("anthracycline", "alkylator"))
        .annotate(anthracycline_factor=Subquery(anthracycline), ced_factor=Subquery(ced))
        .order_by("occurred_on", "id")
        .values_list(
            "occurred_on",
            "anthracycline_factor",
            "ced_factor",
            "chemo__dose",
            "chemo__dose_unit",
            "chemo__doses",
            "chemo__bsa_m2",
            "chemo__weight_kg",
        )
    )
    anth, alk = [], []
    for day, a_factor, c_factor, dose, unit, doses, bsa, weight in rows:
        for factor, into in ((a_factor, anth), (c_factor, alk)):
            if factor is not None:
                into.append(DoseGiven(day, float(factor), _f(dose), unit, doses, _f(bsa), _f(weight)))
    series.anthracycline, series.ced = running_totals(anth), running_totals(alk)
    return series


def record_series(user, patient: Patient, *, doses: bool = True) -> RecordSeries:
    series = timeline_series(user, patient)
    return dose_series(user, patient, series) if doses else series
