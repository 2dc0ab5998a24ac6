"""Schemathesis over the whole /api/v1/ schema, as a clinician (write token) and as a family member
(session): no 5xx, and every response has a documented status, content type and body shape.

Bounded and deterministic for CI: a few derandomized examples per operation, path ids pinned to
the child's real objects so the requests reach data (writes included) rather than only 404s.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import signed_in_client
from tests.portal.api.world import bearer, build_world, v1_schema, wsgi_app

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 4


def _operations():
    schema = schemathesis.openapi.from_dict(v1_schema())
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation, ids: dict, *, headers=None, cookies=None, ok: set | None = None) -> str | None:
    """None if every example kept the contract, else what broke (so one run lists every operation's failure)."""
    path_ids = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
    strategy = operation.as_strategy(path_parameters=path_ids)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        response = case.call(app=wsgi_app, headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS)
        if response.status_code < 300 and ok is not None:
            ok.add(f"{operation.method.upper()} {operation.path}")

    try:
        check()
    except Exception as exc:  # Schemathesis failure groups, reported together below
        return f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}"
    return None


@pytest.fixture
def world(db):
    return build_world()


def test_every_v1_operation_keeps_its_contract_for_a_clinician(world):
    headers = bearer(world.clinician)
    operations = _operations()
    assert len(operations) > 30  # the whole v1 schema, not an empty filter
    succeeded: set[str] = set()
    failures = [f for op in operations if (f := _run(op, world.ids, headers=headers, ok=succeeded))]
    assert not failures, "\n\n".join(failures)
    # The examples reached real data: most operations answered 2xx at least once (not only 4xx).
    assert len(succeeded) >= 20, sorted(succeeded)


def test_every_v1_operation_keeps_its_contract_for_a_family_member(world):
    client = signed_in_client(world.parent)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    succeeded: set[str] = set()
    failures = [f for op in _operations() if (f := _run(op, world.ids, cookies=cookies, ok=succeeded))]
    assert not failures, "\n\n".join(failures)
    # What a family reads (their child, released entries, follow-ups, questions, pages) answered 2xx.
    assert {"GET /api/v1/patients/{patient_id}/timeline/", "GET /api/v1/patients/{patient_id}/questions/"} <= succeeded
