"""The table `make bench` prints and writes to docs/performance.md: one row per goal of issue 11.

Each benchmark measures its row three times (min and median are reported), records it here with
its goal, then asserts the goal; a row that misses its goal still lands in the table, marked, and
its test fails naming the row. At the end of the session the table, the machine and the command
are written to docs/performance.md.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPEATS = 3
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


@dataclass
class Row:
    name: str
    goal: str
    measured: str
    ratio: str
    passed: bool | None  # None: measured and reported, with no goal to meet
    order: int = 99


ROWS: dict[str, Row] = {}
SERVER = "database version unknown"  # set by benchmarks/conftest.py once the database is up


def record(name: str, goal: str, measured: str, ratio: str, passed: bool | None, order: int = 99) -> None:
    ROWS[name] = Row(name, goal, measured, ratio, passed, order)
    print(f"\n[bench] {name}: {measured} ({ratio}) goal {goal}: {_met(passed, 'ok', 'MISSED')}")


def _met(passed: bool | None, yes: str, no: str) -> str:
    return "reported" if passed is None else yes if passed else no


def repeat(fn: Callable[[], object], times: int = REPEATS) -> list[float]:
    """Wall-clock seconds of `times` runs of fn()."""
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def per_call(fn: Callable[[], object], calls: int, times: int = REPEATS) -> list[float]:
    """Seconds per call, each repeat the mean over `calls` calls (short requests are noisy alone)."""

    def batch():
        for _ in range(calls):
            fn()

    return [t / calls for t in repeat(batch, times)]


def per_call_in_turn(fns: dict[str, Callable[[], object]], calls: int, times: int = REPEATS) -> dict[str, list[float]]:
    """per_call for several functions, their batches taken in turn within each repeat.

    A ratio of two batches timed a minute apart measured the machine as much as the page: on this
    shared 2-core machine the bare view alone took 2.0 ms in one spell and 2.9 ms in the next, and
    the same record page came out at 2.89x and 4.23x bare. In turn, a slow spell falls on both; and
    each batch starts after a garbage collection, so the garbage of building the data is not
    collected inside whichever batch happens to come first.
    """
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(times):
        for name, fn in fns.items():
            gc.collect()
            out[name] += per_call(fn, calls, 1)
    return out


# Series of a p95 row: the median of five p95s, each of 100 requests (of 20 a p95 falls between the
# two slowest, so one pause of the process decides it), the two sizes of a growth row taken in turn
# (benchmarks/twin_database.py). One series can fall in a busy second; the median of five does not.
P95_SERIES = 5


def timed_requests(client, url: str, requests: int) -> list[float]:
    """Seconds of each of `requests` requests of `url` (each must answer 200)."""
    elapsed = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        elapsed.append(time.perf_counter() - started)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    return elapsed


def min_median(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def ms(values: list[float]) -> str:
    lo, mid = min_median(values)
    return f"{lo * 1000:.1f} / {mid * 1000:.1f} ms"


def _machine() -> str:
    try:
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    pg = SERVER
    try:
        load = "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = ""
    return f"{os.cpu_count()} CPUs (`nproc`), {ram}, {pg}, Python {platform.python_version()}, {load}"


def render(command: str) -> str:
    rows = sorted(ROWS.values(), key=lambda r: r.order)
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (benchmarks/): each row is measured three times (min / median shown),",
        "pages as a ratio to a bare signed-in view measured in the same run (benchmarks/urls.py), so the",
        "ratios compare across machines while the absolute figures depend on this one. The record and",
        "timeline pages are timed in turn with the bare view, 20 requests a batch, so a slower spell of",
        "the machine falls on both sides of the ratio. The name search's growth row builds its larger size",
        "in a copy of the test database and switches between the two every 20 requests",
        "(benchmarks/twin_database.py); each size's p95 is the median of five series of 100 requests.",
        "",
        "The sweep's items/s is the issue's unit: every follow-up item of the population (open or done, in",
        "or out of the reminder window) divided by the wall time of one full sweep (every chunk's INSERT",
        "and COMMIT, then the requeue pass), not reminder rows created per second; the row names both",
        "counts. The bench population is pessimistic: about 80% of its items are open and inside the",
        "window on the bench day (a real follow-up plan spreads items over years). Its first 20,000 items",
        "are built by tests/patients/reminders/population.py; benchmarks/sweep_population.py copies those",
        "children in SQL up to the size asked (ids and keys shifted), so 1,000,000 items take seconds to build.",
        "",
        "The page rows time a page as it is served again: its HTML kept under the child's change stamp",
        '(docs/architecture.md, "Kept pages"), with the access decision, the audit INSERT and the site',
        "header done on every request. The record and timeline rows also give the first view after a",
        "change (the page built from the database, once per viewer and change). The load rows run",
        "locust on the same 2 cores as gunicorn and PostgreSQL, so they share the machine with the",
        "load generator.",
        "",
        "| Row | Goal | Measured (min / median) | Ratio | Met |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.goal} | {r.measured} | {r.ratio} | {_met(r.passed, 'yes', '**no**')} |" for r in rows]
    lines += [
        "",
        f"Machine: {_machine()}.",
        "",
        f"Command: `{command}`",
        "",
        f"Commit: {_commit()}.",
        "",
    ]
    return "\n".join(lines)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, as in make)
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def write(command: str | None = None) -> str:
    """Write docs/performance.md (when any row was measured) and answer its text."""
    if not ROWS:
        return ""
    command = command or os.environ.get("BENCH_COMMAND", "make bench")
    text = render(command)
    DOC.write_text(text)
    return text
