"""Derived from the schema, so a new endpoint is covered the day it is added: every /api/v1/ path
naming a child (or a child's object) answers 404 to another child's family member and to a
clinician outside the care team, for every documented method, and each refusal is audited.
List endpoints' query counts do not grow with the rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.clinical import services as clinical
from portal.care.models import AuditAction, AuditEvent
from tests.conftest import forget_kept_pages, signed_in_client
from tests.education.factories import PageFactory
from tests.factories import ClinicianFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import add_chemo, add_entry
from tests.portal.api.world import add_care_plan, build_world, v1_schema

pytestmark = pytest.mark.django_db

# Paths whose ids name no child: education pages are published reading for every signed-in user.
NOT_PATIENT_DATA = ("/api/v1/education/",)


def _operations():
    for path, item in v1_schema()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _url(path: str, ids: dict) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"no id for a parameter of {path}"
    return path


def _strangers():
    other_child = PatientFactory()
    return {
        "another child's parent": signed_in_client(FamilyLinkFactory(patient=other_child).user),
        "a clinician outside the team": signed_in_client(ClinicianFactory()),
    }


def test_every_path_with_an_object_id_is_404_for_people_who_may_not_see_the_child():
    world = build_world()
    strangers = _strangers()
    checked = 0
    for path, method, _ in _operations():
        if "{" not in path or path.startswith(NOT_PATIENT_DATA):
            continue
        url = _url(path, world.ids)
        for who, client in strangers.items():
            denied_before = AuditEvent.objects.filter(action=AuditAction.DENIED, patient=world.child).count()
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code == 404, f"{who}: {method.upper()} {url} → {response.status_code}"
            assert response["Content-Type"] == "application/problem+json"
            assert world.child.family_name not in response.content.decode()
            denied = AuditEvent.objects.filter(action=AuditAction.DENIED, patient=world.child).count()
            assert denied == denied_before + 1, f"{who}: {method.upper()} {url} left no denial row"
            checked += 1
    assert checked > 40


def _list_paths():
    return [path for path, method, op in _operations() if method == "get" and op["operationId"].endswith("_list")]


def _count_queries(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        counts[url] = len(ctx.captured_queries)
        assert response.status_code == 200, (url, response.status_code)
    return counts


def test_list_query_counts_do_not_grow_with_the_rows():
    world = build_world()
    urls = [_url(path, world.ids) for path in _list_paths()]
    assert len(urls) >= 8
    clients = {"clinician": signed_in_client(world.clinician), "parent": signed_in_client(world.parent)}
    readable = {
        who: [u for u in urls if client.get(u).status_code == 200] for who, client in clients.items()
    }  # families cannot list staff-only resources (404, tested above)
    forget_kept_pages()  # both counts decide access afresh (the first request of each child, then kept)
    before = {who: _count_queries(clients[who], readable[who]) for who in clients}
    for n in range(4):
        day = date.today() - timedelta(days=20 + n)
        add_chemo(world.clinician, world.child, day, "daunorubicin", 25)
        add_entry(world.clinician, world.child, "appointment", day, title=f"Visit {n}", visibility="released")
    clinical.reassess_risk(world.clinician, world.child)
    add_care_plan(world.child, world.clinician, world.parent, copies=4)
    PageFactory.create_batch(4)
    forget_kept_pages()
    after = {who: _count_queries(clients[who], readable[who]) for who in clients}
    assert after == before
