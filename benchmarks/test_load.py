"""Throughput under 32 clients (locust, headless, bounded in time) against gunicorn with 2 workers.

Goal (issue 11): the family landing page (/family/children/<id>/) at least 50% of the bare view's
throughput in the same run; the clinician worklist (/patients/) is measured the same way and
reported, with no goal of its own in the issue.
BENCH_LOAD_SECONDS (default 10) bounds each run; each path is run three times.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from benchmarks import pages, table
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
USERS = 32
# Issue 11 asks for the worklist under load to be measured; its 50% goal is the family page's. The
# worklist does more per request than the family page (the state of ~1,265 children's stamps and an
# audit row for each of the 25 listed), and is reported beside it.
WORKLIST_GOAL = "none in issue 11 (measured and reported)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def _gunicorn():
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "DATABASE_URL": _database_url()}
    proc = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [BIN / "gunicorn", "portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _throughput(host: str, path: str, session: str) -> float:
    """Requests per second of one bounded locust run; every response must be a 200."""
    _warm(host, path, session)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "run"
        subprocess.run(  # noqa: S603 (our own locust, fixed arguments)
            [
                BIN / "locust",
                "-f",
                ROOT / "benchmarks" / "locustfile.py",
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(USERS),
                "-t",
                f"{SECONDS}s",
                "--host",
                host,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "BENCH_PATH": path, "BENCH_SESSION": session},
            check=False,
            capture_output=True,
            timeout=SECONDS + 60,
        )
        with open(f"{prefix}_stats.csv") as f:
            row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    assert int(row["Failure Count"]) == 0, f"{path}: {row['Failure Count']} failed requests under load"
    return float(row["Requests/s"])


def _warm(host: str, path: str, session: str) -> None:
    """A few requests first, so each gunicorn worker has imported and compiled what the path needs."""
    request = urllib.request.Request(host + path, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    for _ in range(4):
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (our own 127.0.0.1 server)
            assert response.status == 200, f"{path}: {response.status}"


def _session(user) -> str:
    return signed_in_client(user).cookies["sessionid"].value


def test_family_page_and_worklist_under_32_clients():
    child, clinician, parent = pages.long_record(2000)
    pages.add_children(clinician, 1264, 0)
    family, staff = _session(parent), _session(clinician)
    runs: dict[str, list[float]] = {"bare-family": [], "family": [], "bare-staff": [], "worklist": []}
    with _gunicorn() as host:
        for _ in range(table.REPEATS):
            runs["bare-family"].append(_throughput(host, "/bench/bare/", family))
            runs["family"].append(_throughput(host, f"/family/children/{child.pk}/", family))
            runs["bare-staff"].append(_throughput(host, "/bench/bare/", staff))
            runs["worklist"].append(_throughput(host, "/patients/", staff))

    def row(name, order, key, bare_key, *, goal: bool):
        share = statistics.median(runs[key]) / statistics.median(runs[bare_key])
        lo, mid = min(runs[key]), statistics.median(runs[key])
        bare_mid = statistics.median(runs[bare_key])
        measured = f"{lo:.0f} / {mid:.0f} req/s (bare {bare_mid:.0f} req/s), {USERS} clients, {SECONDS} s runs"
        wanted, met = ("≥ 50% of bare throughput", share >= 0.5) if goal else (WORKLIST_GOAL, None)
        table.record(name, wanted, measured, f"{share:.0%} of bare", met, order)
        return share

    family_share = row("Family landing page, 32 clients (gunicorn 2 workers)", 3, "family", "bare-family", goal=True)
    row("Clinician worklist, 32 clients (gunicorn 2 workers)", 3.5, "worklist", "bare-staff", goal=False)
    assert family_share >= 0.5, f"family landing page: {family_share:.0%} of the bare view's throughput (goal 50%)"
