"""The SVG engines (patients.plots): valid XML, accessible frame, no script or style, the data drawn."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.plots import counts, doses, linechart, mrd, swimlane
from patients.plots.scales import LinearScale, LogScale, TimeScale
from patients.plots.svg import SVG_NS

NS = {"s": SVG_NS}
DAY = date(2025, 3, 1)


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # noqa: S314 - the engines' own output; raises on invalid XML
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("role") == "img" and root.get("width") == "100%" and root.get("viewBox")
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"s:title[@id='{title_id}']", NS) is not None
    assert root.find(f"s:desc[@id='{desc_id}']", NS) is not None
    for node in root.iter():
        assert "style" not in node.attrib, node.tag  # CSP: classes only
        assert not node.tag.endswith(("script", "style", "foreignObject"))
    return root


def by_class(root, name):
    return [n for n in root.iter() if name in (n.get("class") or "").split()]


def mrd_points():
    return [
        mrd.MrdPoint(DAY, 1.2),
        mrd.MrdPoint(DAY + timedelta(days=21), 0.05),
        mrd.MrdPoint(DAY + timedelta(days=42), None, 0.01),
    ]


def draw_mrd(points, **kw):
    return mrd.draw(points, title="MRD", desc="three results", threshold_label="0.01%", today=DAY, **kw)


def test_mrd_plot_draws_the_threshold_on_a_log_scale_and_not_detected_as_such():
    root = parse(draw_mrd(mrd_points()))
    (line,) = by_class(root, "threshold-line")
    y_threshold = float(line.get("y1"))
    filled = [p for p in by_class(root, "point") if "point-not-detected" not in p.get("class")]
    open_ = by_class(root, "point-not-detected")
    assert len(filled) == 2 and len(open_) == 1 and len(by_class(root, "arrow-down")) == 1
    # Log scale: 1.2% high above, 0.05% just above the 0.01% line, the negative sits on it.
    ys = [float(p.get("cy")) for p in filled]
    assert ys[0] < ys[1] < y_threshold
    assert float(open_[0].get("cy")) == pytest.approx(y_threshold, abs=0.2)
    ticks = [t.text for t in root.iterfind(".//s:g[@class='axis axis-y']/s:text", NS)]
    assert "0.01%" in ticks and "1%" in ticks and "10%" in ticks


def test_text_is_escaped_by_elementtree():
    markup = mrd.draw(
        mrd_points(), title='<script>alert("x")</script> & co', desc="a < b", threshold_label="<0.01%", today=DAY
    )
    root = parse(markup)
    assert "<script>" not in markup
    assert root.find("s:title", NS).text == '<script>alert("x")</script> & co'


def test_swimlane_has_a_bar_per_phase_marks_per_lane_and_today():
    phases = [
        swimlane.PhaseBar("Induction", DAY, DAY + timedelta(days=28)),
        swimlane.PhaseBar("Consolidation", DAY + timedelta(days=29), None),
        swimlane.PhaseBar("Maintenance", DAY + timedelta(days=200), DAY + timedelta(days=900), planned=True),
    ]
    events = [
        swimlane.EventMark("lumbar_puncture", DAY),
        swimlane.EventMark("lumbar_puncture", DAY + timedelta(days=8)),
        swimlane.EventMark("admission", DAY + timedelta(days=3), DAY + timedelta(days=9)),
        swimlane.EventMark("milestone", DAY + timedelta(days=29)),
    ]
    lanes = {"lumbar_puncture": "LPs", "admission": "Stays", "result": "Results", "milestone": "Milestones"}
    today = DAY + timedelta(days=60)
    root = parse(swimlane.draw(phases, events, lanes=lanes, today=today, title="T", desc="D", today_label="Today"))
    bars = by_class(root, "bar")
    assert len(bars) == 3 and len(by_class(root, "bar-planned")) == 1
    assert len(by_class(root, "mark-lumbar_puncture")) == 2
    assert len(by_class(root, "mark-admission")) == 1 and len(by_class(root, "mark-milestone")) == 1
    labels = [t.text for t in root.iter(f"{{{SVG_NS}}}text")]
    assert {"Induction", "Consolidation", "Maintenance", "LPs", "Stays", "Milestones", "Today"} <= set(labels)
    assert "Results" not in labels  # a lane without events is left out
    (today_line,) = by_class(root, "today-line")
    running = bars[1]  # runs to today
    assert float(running.get("x")) + float(running.get("width")) == pytest.approx(float(today_line.get("x1")), abs=0.2)


def test_counts_series_parse_names_values_and_bands():
    rows = [
        (DAY, "ANC", "0.4", "×10⁹/L", ""),
        (DAY + timedelta(days=7), "anc", "1,6", "", "1.5-8.0"),
        (DAY, "Platelets", "45", "×10⁹/L", ""),
        (DAY, "Hb", "pending", "g/dL", ""),  # not a number: left out
        (DAY, "Ferritin", "800", "ng/mL", ""),  # not a blood count
    ]
    series = counts.series_from_rows(rows)
    assert [s.key for s in series] == ["anc", "plt"]
    anc = series[0]
    assert anc.points == [(DAY, 0.4), (DAY + timedelta(days=7), 1.6)] and anc.band == (1.5, 8.0)
    root = parse(counts.draw(anc, title="ANC", desc="d", today=DAY))
    assert len(by_class(root, "band")) == 1 and len(by_class(root, "point")) == 2
    assert len(by_class(root, "point-outside")) == 1  # 0.4 is below the band


def test_dose_running_totals_use_factors_units_and_bsa():
    given = [
        doses.DoseGiven(DAY, 0.6, 25, "mg_m2", 4, None, None),  # daunorubicin 25 ×4 → 60 dox-eq
        doses.DoseGiven(DAY + timedelta(days=60), 1.0, 25, "mg_m2", 3, None, None),  # doxorubicin → +75
        doses.DoseGiven(DAY + timedelta(days=61), 1.0, 40, "mg", 1, 0.8, None),  # 40 mg / 0.8 m² → +50
        doses.DoseGiven(DAY + timedelta(days=62), 1.0, 5, "units", 1, None, None),  # not convertible
    ]
    assert doses.running_totals(given) == [
        (DAY, 60.0),
        (DAY + timedelta(days=60), 135.0),
        (DAY + timedelta(days=61), 185.0),
    ]


def test_dose_plot_draws_each_rule_threshold():
    points = [(DAY, 60.0), (DAY + timedelta(days=60), 135.0)]
    thresholds = (linechart.Threshold(100, "rule: 100"), linechart.Threshold(250, "rule: 250"))
    root = parse(
        doses.draw(points, key="anthracycline", thresholds=thresholds, title="A", desc="d", today=DAY + timedelta(90))
    )
    lines = by_class(root, "threshold-line")
    assert len(lines) == 2
    assert float(lines[1].get("y1")) < float(lines[0].get("y1"))  # 250 above 100
    assert {"rule: 100", "rule: 250"} <= {t.text for t in root.iter(f"{{{SVG_NS}}}text")}


@given(st.lists(st.floats(min_value=1e-5, max_value=100), min_size=1, max_size=20))
def test_log_scale_is_monotonic_and_covers_the_values(values):
    scale = LogScale.around(values, 200, 0, floor=0.001, ceiling=1)
    assert scale.lo <= min(values) and scale.hi >= max(values)
    ordered = sorted(values)
    ys = [scale(v) for v in ordered]
    assert ys == sorted(ys, reverse=True)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)), st.integers(0, 4000))
def test_time_scale_ticks_fall_inside_the_span(first, days):
    scale = TimeScale.covering([first, first + timedelta(days=days)], 0, 100)
    ticks = scale.ticks()
    assert ticks and len(ticks) <= 14
    assert all(scale.first <= t <= scale.last for t in ticks)


def test_linear_ticks_are_round():
    assert LinearScale(0, 275, 0, 1).ticks(4) == [0, 100, 200]
    assert LinearScale(0, 1.6, 0, 1).ticks(4) == [0, 0.5, 1.0, 1.5]


def test_a_long_count_series_keeps_dots_only_where_values_leave_the_band():
    series = counts.CountSeries("plt", "×10⁹/L", (150.0, 450.0))
    series.points = [(DAY + timedelta(days=i), 40.0 if i == 10 else 200.0) for i in range(linechart.MAX_DOTS + 40)]
    root = parse(counts.draw(series, title="Platelets", desc="d", today=DAY))
    assert len(by_class(root, "point-outside")) == 1
    assert len(by_class(root, "point")) == 2  # the low one and the latest
