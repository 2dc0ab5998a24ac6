"""Benchmarks: `make bench` (real PostgreSQL + Redis, benchmarks/settings.py). Speed targets live here.

Each benchmark records its row of the table (benchmarks/table.py) and asserts its goal; the table
is printed and written to docs/performance.md at the end of the session.
"""

import pytest

from benchmarks import table


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    text = table.write()
    if text:
        terminalreporter.write_sep("=", "benchmark table (also docs/performance.md)")
        terminalreporter.write_line(text)


@pytest.fixture(scope="session", autouse=True)
def _server_version(django_db_setup, django_db_blocker):
    """The PostgreSQL version for the table's machine line (the database is closed by the summary)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        table.SERVER = f"{'PostgreSQL' if connection.vendor == 'postgresql' else 'SQLite'} {cursor.fetchone()[0]}"
