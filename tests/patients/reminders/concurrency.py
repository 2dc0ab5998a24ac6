"""Run one function in several threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_together(target: Callable, args: list[tuple]) -> None:
    """Start len(args) threads released together by a barrier; each closes its connections when done."""
    barrier = threading.Barrier(len(args))

    def run(*a):
        try:
            barrier.wait()
            target(*a)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=a) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
