"""The SVG plot engines on a long record: drawing every plot of a 3-year history stays well under the
page's budget.

Target (2-core machine, shared): all four kinds of plot for 1,000 events, 60 MRD results, 4 counts
× 300 results and 200 doses < 150 ms in total (measured: median about 75 ms; ElementTree's
serialisation is most of it).
"""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from patients.plots import counts, doses, mrd, swimlane
from patients.plots.linechart import Threshold

START = date(2023, 1, 2)
TODAY = START + timedelta(days=3 * 365)
LANES = {"lumbar_puncture": "LPs", "admission": "Stays", "result": "Results", "milestone": "Milestones"}


def draw_all():
    phases = [swimlane.PhaseBar(f"Phase {i}", START + timedelta(days=60 * i), START + timedelta(days=60 * i + 55))
              for i in range(6)]  # fmt: skip
    events = [swimlane.EventMark(("lumbar_puncture", "result", "milestone")[i % 3], START + timedelta(days=i))
              for i in range(1000)]  # fmt: skip
    points = [mrd.MrdPoint(START + timedelta(days=14 * i), None if i % 2 else 0.5 / (i + 1), 0.01 if i % 2 else None)
              for i in range(60)]  # fmt: skip
    rows = [(START + timedelta(days=i), name, f"{1 + i % 9}.5", "", "") for i in range(300)
            for name in ("WBC", "ANC", "Hb", "Platelets")]  # fmt: skip
    given = [doses.DoseGiven(START + timedelta(days=5 * i), 1.0, 25, "mg_m2", 1, None, None) for i in range(200)]
    out = [
        swimlane.draw(phases, events, lanes=LANES, today=TODAY, title="T", desc="D", today_label="Today"),
        mrd.draw(points, title="M", desc="D", threshold_label="0.01%", today=TODAY),
        *(counts.draw(s, title=s.key, desc="D", today=TODAY) for s in counts.series_from_rows(rows)),
        doses.draw(doses.running_totals(given), key="a", thresholds=(Threshold(250, "250"),), title="A", desc="D",
                   today=TODAY),
    ]  # fmt: skip
    return out


def test_all_plots_of_a_long_record(benchmark):
    svgs = benchmark(draw_all)
    assert len(svgs) == 7
    for markup in svgs:
        ET.fromstring(markup)  # noqa: S314 - the engines' own output
