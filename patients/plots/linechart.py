"""A value over time on a linear axis, with an optional reference band and threshold lines (shared by
the blood counts and the cumulative doses)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import svg
from .scales import LinearScale, TimeScale

HEIGHT = 190
MAX_DOTS = 60  # beyond this the line carries the series; dots stay only where a value is outside its band


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str


def draw(
    points: list[tuple[date, float]],
    *,
    title: str,
    desc: str,
    unit: str,
    today: date,
    band: tuple[float, float] | None = None,
    thresholds: tuple[Threshold, ...] = (),
    steps: bool = False,
    date_label: Callable[[date], str] = date.isoformat,
    id_prefix: str,
) -> str:
    """`steps` draws a running total (flat between days, rising on a day); otherwise dots joined by a line."""
    root = svg.chart(id_prefix, HEIGHT, title, desc)
    bottom = HEIGHT - svg.BOTTOM
    ordered = sorted(points)
    values = [v for _, v in ordered] + [t.value for t in thresholds] + (list(band) if band else [])
    high = max(values or [1.0]) * 1.1 or 1.0
    low = 0.0 if steps or min(values or [0.0]) >= 0 else min(values) * 1.1
    y = LinearScale(low, high, bottom, svg.TOP)
    days = [d for d, _ in ordered] + ([today] if steps else [])
    x = TimeScale.covering(days or [today], svg.LEFT + 8, svg.WIDTH - svg.RIGHT - 8)
    if band:
        top_y, low_y = y(band[1]), y(band[0])
        svg.el(
            root,
            "rect",
            x=svg.LEFT,
            y=top_y,
            width=svg.WIDTH - svg.RIGHT - svg.LEFT,
            height=low_y - top_y,
            class_="band",
        )
    svg.time_axis(root, x, svg.TOP, bottom, date_label)
    axis = svg.el(root, "g", class_="axis axis-y")
    for tick in y.ticks(4):
        svg.el(axis, "line", x1=svg.LEFT, x2=svg.WIDTH - svg.RIGHT, y1=y(tick), y2=y(tick), class_="grid")
        svg.text(axis, svg.LEFT - 6, y(tick) + 5, svg.number(tick), text_anchor="end")
    svg.text(axis, 4, svg.TOP - 2, unit, class_="unit")
    for t in thresholds:
        line = svg.el(root, "g", class_="threshold")
        ty = y(t.value)
        svg.el(line, "line", x1=svg.LEFT, x2=svg.WIDTH - svg.RIGHT, y1=ty, y2=ty, class_="threshold-line")
        svg.text(line, svg.WIDTH - svg.RIGHT - 4, ty - 6, t.label, text_anchor="end")
    if steps and ordered:
        coords, previous = [(x(ordered[0][0]), y(0))], 0.0
        for day, value in ordered:
            coords += [(x(day), y(previous)), (x(day), y(value))]
            previous = value
        coords.append((x(max(today, ordered[-1][0])), y(previous)))
        svg.el(root, "polyline", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in coords), class_="series-line")
    elif len(ordered) > 1:
        svg.el(root, "polyline", points=" ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in ordered), class_="series-line")
    dots = svg.el(root, "g", class_="points")
    crowded = len(ordered) > MAX_DOTS
    for index, (day, value) in enumerate(ordered):
        outside = band is not None and not band[0] <= value <= band[1]
        if crowded and not outside and index != len(ordered) - 1:
            continue
        svg.el(dots, "circle", cx=x(day), cy=y(value), r=4, class_="point point-outside" if outside else "point")
    return svg.markup(root)
