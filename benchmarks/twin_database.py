"""A copy of the test database, so that two sizes of the same data can be timed in turn.

A growth row compares a page at two sizes. Timed one after the other, a minute apart, the ratio
measured this shared machine as much as the page: the same code's name search grew 0.98x, 1.21x
and 1.43x in three runs. With the larger size built in a copy (CREATE DATABASE ... TEMPLATE), the
process switches between the two databases every few requests, so a slow spell falls on both sizes.
PostgreSQL only, like `make bench`.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from benchmarks import table
from tests.conftest import forget_kept_pages


@contextmanager
def copy_of_the_database(suffix: str = "_twin") -> Iterator[str]:
    """The name of a copy of the current database as it is now; the copy is dropped on exit."""
    source = connection.settings_dict["NAME"]
    twin = f"{source}{suffix}"
    connection.close()  # a template database must have no other session
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{twin}"')
        cursor.execute(f'CREATE DATABASE "{twin}" TEMPLATE "{source}"')
    try:
        yield twin
    finally:
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{twin}" WITH (FORCE)')


@contextmanager
def using(name: str | None) -> Iterator[None]:
    """Connect to database `name` (None: the test database itself) until the block ends."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name or original
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def p95s_in_turn(
    client, url: str, databases: list[str | None], series: int = table.P95_SERIES, requests: int = 100, block: int = 20
) -> list[list[float]]:
    """Seconds: for each database (None: the test database), `series` p95s of `requests` requests of
    `url`, the databases taken in turn every `block` requests within each series.

    Blocks of 20 requests, not whole series: a busy spell of the machine lasts seconds, and a series
    of 100 searches takes six. At each switch kept pages are forgotten and one untimed request fills
    the new connection's caches and the page cache (a clinician's first view), after a garbage
    collection so the garbage of the other database's block is not collected in this one.
    """
    out: list[list[float]] = [[] for _ in databases]
    for _ in range(series):
        elapsed: list[list[float]] = [[] for _ in databases]
        for _ in range(requests // block):
            for name, times in zip(databases, elapsed, strict=True):
                with using(name):
                    forget_kept_pages()
                    assert client.get(url).status_code == 200
                    gc.collect()
                    times += table.timed_requests(client, url, block)
        for p95s, times in zip(out, elapsed, strict=True):
            p95s.append(statistics.quantiles(times, n=20)[-1])
    return out
