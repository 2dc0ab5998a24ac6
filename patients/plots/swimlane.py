"""The treatment swimlane: each phase a bar over time, events as marks on their own lanes, today's line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import svg
from .scales import TimeScale

LANE = 42  # height of a lane: its label on top, the bar or marks below
BAR = 12


@dataclass(frozen=True)
class PhaseBar:
    label: str
    start: date
    end: date | None  # None: still running (drawn up to today)
    planned: bool = False  # drawn from the planned dates (not started yet)


@dataclass(frozen=True)
class EventMark:
    lane: str  # a key of `lanes`
    day: date
    until: date | None = None  # admissions: the last day
    count: int = 1  # events on that day


def _mark(group, lane: str, x: float, y: float, width: float | None) -> None:
    if width is not None:  # a stay: a short bar over its days
        svg.el(group, "rect", x=x, y=y - 5, width=max(width, 4.0), height=10, rx=2, class_=f"mark mark-{lane}")
    elif lane == "milestone":
        svg.el(
            group, "path", d=f"M{x:.1f} {y - 7:.1f}L{x + 6:.1f} {y + 5:.1f}H{x - 6:.1f}Z", class_="mark mark-milestone"
        )
    elif lane == "result":
        svg.el(group, "path", d=f"M{x:.1f} {y - 6:.1f}l6 6l-6 6l-6 -6Z", class_="mark mark-result")
    else:
        svg.el(group, "circle", cx=x, cy=y, r=5, class_=f"mark mark-{lane}")


def draw(
    phases: list[PhaseBar],
    events: list[EventMark],
    *,
    lanes: dict[str, str],
    today: date,
    title: str,
    desc: str,
    today_label: str,
    date_label: Callable[[date], str] = date.isoformat,
    id_prefix: str = "swimlane",
) -> str:
    """Phases first (one lane each, in order), then one lane per event kind that has events."""
    used = [key for key in lanes if any(e.lane == key for e in events)]
    rows = len(phases) + len(used)
    height = svg.TOP + max(rows, 1) * LANE + svg.BOTTOM
    root = svg.chart(id_prefix, height, title, desc)
    days = [today] + [p.start for p in phases] + [p.end for p in phases if p.end]
    days += [e.day for e in events] + [e.until for e in events if e.until]
    x = TimeScale.covering(days, 8, svg.WIDTH - svg.RIGHT)
    bottom = height - svg.BOTTOM
    svg.time_axis(root, x, svg.TOP, bottom, date_label)
    lane_top = svg.TOP
    bars = svg.el(root, "g", class_="phases")
    for phase in phases:
        end = phase.end or max(today, phase.start)
        x0, x1 = x(phase.start), x(end)
        # The label starts over its bar, moved left when it would run past the right edge.
        svg.text(bars, max(4, min(x0, svg.WIDTH - svg.RIGHT - len(phase.label) * 10)), lane_top + 17, phase.label,
                 class_="lane-label")  # fmt: skip
        svg.el(
            bars,
            "rect",
            x=x0,
            y=lane_top + 24,
            width=max(x1 - x0, 3.0),
            height=BAR,
            rx=3,
            class_="bar bar-planned" if phase.planned else "bar",
        )
        lane_top += LANE
    marks = svg.el(root, "g", class_="events")
    for key in used:
        svg.text(marks, 8, lane_top + 17, lanes[key], class_="lane-label")
        y = lane_top + 30
        for event in (e for e in events if e.lane == key):
            width = x(event.until) - x(event.day) if event.until else None
            _mark(marks, key, x(event.day), y, width)
        lane_top += LANE
    now = svg.el(root, "g", class_="today")
    svg.el(now, "line", x1=x(today), x2=x(today), y1=svg.TOP - 4, y2=bottom, class_="today-line")
    anchor = "end" if x(today) > svg.WIDTH / 2 else "start"
    svg.text(now, x(today) + (-4 if anchor == "end" else 4), svg.TOP + 2, today_label, text_anchor=anchor)
    return svg.markup(root)
