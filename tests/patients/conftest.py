"""Reference data (drugs, markers, syndromes, exposure rules, risk settings) for clinical-record tests.

It comes from data migrations 0002 and 0004, but a transactional test elsewhere (e.g. browser tests) flushes
every table, and --reuse-db keeps that flushed state; reload it when missing (idempotent).
"""

import pytest

from tests.clinical_reference import ensure_clinical_reference_data


@pytest.fixture(autouse=True)
def _clinical_reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    ensure_clinical_reference_data()
