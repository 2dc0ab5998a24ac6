"""MRD over time on a log scale, with the 0.01% threshold; a 'not detected' result is drawn as such.

A measured level is a filled dot; "not detected" is an open dot at the test's sensitivity with an
arrow down (the true level is somewhere below it), so it never reads as a measured 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import svg
from .scales import LogScale, TimeScale

HEIGHT = 220
THRESHOLD_PCT = 0.01  # 1 leukaemic cell in 10,000


@dataclass(frozen=True)
class MrdPoint:
    day: date
    value_pct: float | None  # a measured level
    below_pct: float | None = None  # "not detected" at this sensitivity

    @property
    def level(self) -> float:
        return self.value_pct if self.value_pct is not None else (self.below_pct or THRESHOLD_PCT)

    @property
    def detected(self) -> bool:
        return self.value_pct is not None and self.value_pct > 0


def draw(
    points: list[MrdPoint],
    *,
    title: str,
    desc: str,
    threshold_label: str,
    today: date,
    threshold_pct: float = THRESHOLD_PCT,
    date_label: Callable[[date], str] = date.isoformat,
    id_prefix: str = "mrd",
) -> str:
    root = svg.chart(id_prefix, HEIGHT, title, desc)
    bottom = HEIGHT - svg.BOTTOM
    levels = [p.level for p in points if p.level > 0]
    y = LogScale.around(levels, bottom, svg.TOP, floor=threshold_pct / 10, ceiling=1.0)
    x = TimeScale.covering([p.day for p in points] or [today], svg.LEFT + 8, svg.WIDTH - svg.RIGHT - 8)
    svg.time_axis(root, x, svg.TOP, bottom, date_label)
    axis = svg.el(root, "g", class_="axis axis-y")
    for tick in y.ticks():
        svg.el(axis, "line", x1=svg.LEFT, x2=svg.WIDTH - svg.RIGHT, y1=y(tick), y2=y(tick), class_="grid")
        svg.text(axis, svg.LEFT - 6, y(tick) + 5, f"{svg.number(tick)}%", text_anchor="end")
    line = svg.el(root, "g", class_="threshold")
    ty = y(threshold_pct)
    svg.el(line, "line", x1=svg.LEFT, x2=svg.WIDTH - svg.RIGHT, y1=ty, y2=ty, class_="threshold-line")
    svg.text(line, svg.WIDTH - svg.RIGHT - 4, ty - 6, threshold_label, text_anchor="end")
    ordered = sorted(points, key=lambda p: p.day)
    if len(ordered) > 1:
        path = " ".join(f"{x(p.day):.1f},{y(p.level):.1f}" for p in ordered if p.level > 0)
        svg.el(root, "polyline", points=path, class_="series-line")
    dots = svg.el(root, "g", class_="points")
    for p in ordered:
        px, py = x(p.day), y(p.level)
        if p.detected:
            svg.el(dots, "circle", cx=px, cy=py, r=5, class_="point")
        else:  # not detected (or a recorded 0): open dot at the sensitivity, arrow down
            svg.el(dots, "circle", cx=px, cy=py, r=5, class_="point point-not-detected")
            svg.el(dots, "path", d=f"M{px:.1f} {py + 7:.1f}v10m-4 -4l4 4l4 -4", class_="arrow-down")
    return svg.markup(root)
