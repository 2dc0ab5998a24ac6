"""SVG elements through ElementTree (escaping is the library's), with the accessible frame of a chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date

from .scales import TimeScale

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 480  # viewBox units; text is sized for this width shown at 343 px (a 375 px phone)
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 16, 30  # LEFT fits "0.001%" at the phone size


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def el(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    """A child element; `class_` sets class, underscores in other names become hyphens."""
    clean = {("class" if k == "class_" else k.replace("_", "-")): _value(v) for k, v in attrs.items() if v is not None}
    return ET.SubElement(parent, tag, clean)


def text(parent: ET.Element, x: float, y: float, words: str, **attrs) -> ET.Element:
    node = el(parent, "text", x=x, y=y, **attrs)
    node.text = words
    return node


def chart(id_prefix: str, height: float, title: str, desc: str) -> ET.Element:
    """The root: role img, named by its <title> and described by its <desc> (aria-labelledby)."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {_value(float(height))}",
            "width": "100%",
            "role": "img",
            "class": "plot",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "focusable": "false",
        },
    )
    el(root, "title", id=f"{id_prefix}-title").text = title
    el(root, "desc", id=f"{id_prefix}-desc").text = desc
    return root


def time_axis(root: ET.Element, x: TimeScale, top: float, bottom: float, label: Callable[[date], str]) -> None:
    """Vertical grid lines at the ticks and their date labels below the plot area."""
    group = el(root, "g", class_="axis axis-x")
    for day in x.ticks():
        px = x(day)
        el(group, "line", x1=px, x2=px, y1=top, y2=bottom, class_="grid")
        # Near an edge the label hangs inwards, so it is never cut off by the viewBox.
        anchor = "start" if px < 40 else "end" if px > WIDTH - 40 else "middle"
        text(group, px, bottom + 18, label(day), text_anchor=anchor)


def markup(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def number(value: float) -> str:
    """A short number for labels (0.01, 2.5, 1,000): four significant digits below 100, whole numbers above."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"
