"""The record's plots as page-ready figures: the SVG (from patients.plots), a text summary and a data table.

Words are translated here and handed to the drawing engines, which escape them. Clinicians get
clinical wording; families (plain=True) get plain words and only the swimlane and their released
results. The table holds exactly the plotted data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.clinical.plot_series import RecordSeries
from patients.models import TreatmentPhase
from patients.models.timeline import MRD_NOT_DETECTED_MSGID, MRD_TIMEPOINT_CHOICES
from patients.plots import counts as counts_plot
from patients.plots import doses as doses_plot
from patients.plots import mrd as mrd_plot
from patients.plots import swimlane
from patients.plots.linechart import Threshold
from patients.plots.svg import number
from patients.units import mrd_text


@dataclass
class Figure:
    key: str  # the figure's id on the page
    heading: str
    summary: str
    svg: SafeString
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _markup(svg: str) -> SafeString:
    """The engines build SVG with ElementTree, which escapes every text and attribute: safe to embed."""
    return mark_safe(svg)


def _day(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _tick(value: date) -> str:
    return formats.date_format(value, "M Y")


def _mrd_words(point) -> str:
    return mrd_text(point.value_pct, point.below_pct, not_detected=_(MRD_NOT_DETECTED_MSGID))


def _lanes(plain: bool) -> dict[str, str]:
    if plain:
        return {
            "lumbar_puncture": _("Spinal taps (lumbar punctures)"),
            "admission": _("Hospital stays"),
            "result": _("Test results"),
            "milestone": _("Milestones"),
        }
    return {
        "lumbar_puncture": _("Lumbar punctures"),
        "admission": _("Admissions"),
        "result": _("Results (MRD, marrow)"),
        "milestone": _("Milestones"),
    }


def swimlane_figure(phases: list[TreatmentPhase], series: RecordSeries, today: date, plain: bool) -> Figure:
    bars = []
    for p in phases:
        start, end = p.actual_start or p.planned_start, p.actual_end if p.actual_start else p.planned_end
        if start is not None:
            bars.append(swimlane.PhaseBar(p.name, start, end, planned=p.actual_start is None))
    lanes = _lanes(plain)
    counted = {lane: sum(1 for e in series.events if e.lane == lane) for lane in lanes}
    if plain:
        summary = _(
            "Your child's treatment phases as bars over time, with the spinal taps, hospital stays, test "
            "results and milestones your care team has shared. The line marks today."
        )
    else:
        summary = _(
            "%(phases)s; %(lps)s lumbar puncture days, %(stays)s admissions, %(results)s result days, "
            "%(milestones)s milestones. The line marks today."
        ) % {
            "phases": ngettext("%(n)s phase", "%(n)s phases", len(bars)) % {"n": len(bars)},
            "lps": counted["lumbar_puncture"],
            "stays": counted["admission"],
            "results": counted["result"],
            "milestones": counted["milestone"],
        }
    heading = _("Treatment over time")
    svg = swimlane.draw(
        bars,
        series.events,
        lanes=lanes,
        today=today,
        title=heading,
        desc=summary,
        today_label=_("Today"),
        date_label=_tick,
    )
    rows = [
        [b.label, _day(b.start), _day(b.end) if b.end else _("ongoing"), _("planned") if b.planned else _("actual")]
        for b in bars
    ]
    rows += [
        [lanes[e.lane], _day(e.day), _day(e.until) if e.until else "", ""]
        for e in sorted(series.events, key=lambda e: e.day)
    ]
    columns = [_("Phase or event"), _("From"), _("Until"), _("Dates")]
    return Figure("plot-swimlane", heading, summary, _markup(svg), columns, rows)


def mrd_figure(series: RecordSeries, today: date, plain: bool) -> Figure | None:
    if not series.mrd:
        return None
    timepoints = dict(MRD_TIMEPOINT_CHOICES)
    latest, _tp = series.mrd[-1]
    above = sum(1 for p, _t in series.mrd if p.value_pct is not None and p.value_pct >= mrd_plot.THRESHOLD_PCT)
    if plain:
        heading = _("MRD results")
        summary = _(
            "MRD tests look for leukaemia cells too few to see under a microscope. The dashed line is 0.01%%, "
            "1 cell in 10,000. 'Not detected' means the test found none. Latest shared result (%(day)s): %(result)s."
        ) % {"day": _day(latest.day), "result": _mrd_words(latest)}
    else:
        heading = _("MRD over time (log scale)")
        summary = ngettext(
            "%(n)s MRD result, %(above)s at or above 0.01%%; latest %(day)s: %(result)s.",
            "%(n)s MRD results, %(above)s at or above 0.01%%; latest %(day)s: %(result)s.",
            len(series.mrd),
        ) % {"n": len(series.mrd), "above": above, "day": _day(latest.day), "result": _mrd_words(latest)}
    svg = mrd_plot.draw(
        [p for p, _t in series.mrd],
        title=heading,
        desc=summary,
        threshold_label=_("0.01% threshold"),
        today=today,
        date_label=_tick,
    )
    rows = [[_day(p.day), str(timepoints.get(tp, tp)), _mrd_words(p)] for p, tp in series.mrd]
    columns = [_("Date"), _("Timepoint"), _("MRD")]
    return Figure("plot-mrd", heading, summary, _markup(svg), columns, rows)


def _count_names() -> dict[str, str]:
    return {
        "wbc": _("White cells (WBC)"),
        "anc": _("Neutrophils (ANC)"),
        "hb": _("Haemoglobin"),
        "plt": _("Platelets"),
    }


def count_figures(series: RecordSeries, today: date, plain: bool) -> list[Figure]:
    names, figures = _count_names(), []
    for s in series.counts:
        day, value = s.points[-1]
        words = {
            "name": names[s.key],
            "n": len(s.points),
            "value": number(value),
            "unit": s.unit,
            "day": _day(day),
            "low": number(s.band[0]),
            "high": number(s.band[1]),
        }
        if plain:
            summary = (
                _(
                    "%(name)s: latest shared result %(value)s %(unit)s (%(day)s). The shaded band is the usual "
                    "range for children, %(low)s to %(high)s."
                )
                % words
            )
        else:
            summary = (
                ngettext(
                    "%(name)s: %(n)s result; latest %(value)s %(unit)s on %(day)s; reference band %(low)s–%(high)s.",
                    "%(name)s: %(n)s results; latest %(value)s %(unit)s on %(day)s; reference band %(low)s–%(high)s.",
                    len(s.points),
                )
                % words
            )
        svg = counts_plot.draw(s, title=names[s.key], desc=summary, today=today, date_label=_tick)
        rows = [[_day(d), f"{number(v)} {s.unit}"] for d, v in s.points]
        figures.append(
            Figure(f"plot-count-{s.key}", names[s.key], summary, _markup(svg), [_("Date"), _("Value")], rows)
        )
    return figures


def dose_figures(series: RecordSeries, thresholds: dict[str, tuple[float, ...]], today: date) -> list[Figure]:
    figures = []
    wanted = (
        ("anthracycline", _("Cumulative anthracycline (doxorubicin-equivalent)"), series.anthracycline,
         thresholds.get("anthracycline_dox_eq_mg_m2", ())),
        ("ced", _("Cumulative cyclophosphamide-equivalent dose (CED)"), series.ced, thresholds.get("ced_mg_m2", ())),
    )  # fmt: skip
    for key, heading, points, cuts in wanted:
        if not points:
            continue
        day, total = points[-1]
        lines = tuple(Threshold(v, _("rule: %(value)s mg/m²") % {"value": number(v)}) for v in cuts)
        summary = _("%(total)s mg/m² by %(day)s, from the doses on the timeline.") % {
            "total": number(total),
            "day": _day(day),
        }
        summary += " " + (
            _("Thresholds of the active late-effects rules: %(values)s mg/m².")
            % {"values": ", ".join(number(v) for v in cuts)}
            if cuts
            else _("The active late-effects rules set no threshold for this dose.")
        )
        svg = doses_plot.draw(
            points, key=key, thresholds=lines, title=heading, desc=summary, today=today, date_label=_tick
        )
        rows = [[_day(d), f"{number(v)} mg/m²"] for d, v in points]
        figures.append(Figure(f"plot-dose-{key}", heading, summary, _markup(svg), [_("Date"), _("Cumulative")], rows))
    return figures


@dataclass
class RecordPlots:
    swimlane: Figure
    mrd: Figure | None
    counts: list[Figure]
    doses: list[Figure]


def record_plots(
    series: RecordSeries,
    phases: list[TreatmentPhase],
    *,
    thresholds: dict[str, tuple[float, ...]] | None = None,
    plain: bool = False,
) -> RecordPlots:
    """The clinician's four plots (plain=False) or the family's swimlane and released results (plain=True).

    `series` comes from patients.clinical.plot_series.record_series (for a family: without doses).
    """
    today = timezone.localdate()
    return RecordPlots(
        swimlane=swimlane_figure(phases, series, today, plain),
        mrd=mrd_figure(series, today, plain),
        counts=count_figures(series, today, plain),
        doses=[] if plain else dose_figures(series, thresholds or {}, today),
    )
