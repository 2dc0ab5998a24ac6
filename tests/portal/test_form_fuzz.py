"""Every form and query parameter of the site, fed hostile input, answers a page or a 4xx: never a 500.

Issue 13.4. For each route of the site (the URL walk's list), as each person who may use it (a
care-team clinician, the child's parent, an editor, a site admin):

* the page is requested with GET; the names of its forms' fields are read from the HTML;
* Hypothesis fills those names (and the common query parameters) with NUL bytes, 10,000-character
  strings, wrong types, and dates out of range, and sends them as a query string and as a POST.

New forms are covered the day they are added, because the field names come from the page itself.
The admin's change lists get the same treatment through their search box.
"""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    AdminFactory,
    CareTeamMembershipFactory,
    EditorFactory,
    FamilyLinkFactory,
    PatientFactory,
)
from tests.patients.factories import populate_record
from tests.portal.test_url_walk import ADMIN_MODELS, EXCLUDED, ROUTES, build_path, client_for, fill_kwargs

pytestmark = pytest.mark.django_db

hostile = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "x" * 10_000,
            "-1",
            "0",
            "99999999999999999999999",
            "abc",
            "1800-01-01",
            "9999-12-31",
            "2026-02-30",
            "<script>x</script>",
            "",
        ]
    ),
    st.text(max_size=30),
)
fuzz = settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Query parameters the site's list pages read, besides the fields of their GET forms.
COMMON_QUERY = ("q", "page", "status", "sort", "order", "language", "topic", "kind", "next", "version")


class _FormFields(HTMLParser):
    """The field names of every <form> in a page, by method."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, set[str]] = {"get": set(), "post": set()}
        self._method: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._method = (attrs.get("method") or "get").lower()
        elif tag in ("input", "select", "textarea", "button") and self._method and attrs.get("name"):
            self.fields.setdefault(self._method, set()).add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._method = None


def form_fields(html: str) -> dict[str, set[str]]:
    parser = _FormFields()
    parser.feed(html)
    return {method: names - {"csrfmiddlewaretoken"} for method, names in parser.fields.items()}


@pytest.fixture
def people(db):
    """A child with a full record, and one person of each role who may see it."""
    child = PatientFactory(date_of_birth=timezone.localdate() - timedelta(days=9 * 365))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    family = FamilyLinkFactory(patient=child).user
    populate_record(clinician, child, date.today() - timedelta(days=120))
    return child, [clinician, family, EditorFactory(), AdminFactory()]


# Routes that remove something go last, so the others still find the child's objects.
SITE = sorted(
    (r for r in ROUTES if not r.route.startswith("admin/") and r.name not in EXCLUDED),
    key=lambda r: ("delete" in (r.name or r.route), r.id),
)


def _targets(path, users):
    """Who may use the page, with the field names of its forms (GET first, as that person)."""
    targets, problems = [], []
    for user in users:
        page = client_for(user).get(path)
        if page.status_code >= 500:
            problems.append(f"GET {path} as {user.role}: {page.status_code}")
        fields = {"get": set(), "post": set()}
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            fields = form_fields(page.content.decode(errors="replace"))
        if page.status_code in (200, 405) or fields["post"]:
            targets.append((user, fields))
    return targets, problems


def _probe(path, targets):
    """A Hypothesis test that sends hostile values for the page's fields, as each person."""

    @fuzz
    @given(data=st.data())
    def probe(data):
        for user, fields in targets:
            client = client_for(user)
            query = {name: data.draw(hostile) for name in sorted({*fields["get"], *COMMON_QUERY})}
            answer = client.get(path, query)
            assert answer.status_code < 500, f"GET {path} {query!r} as {user.role}: {answer.status_code}"
            body = {name: data.draw(hostile) for name in sorted(fields["post"] or {"q", "text", "reason"})}
            answer = client.post(path, body)
            assert answer.status_code < 500, f"POST {path} {body!r} as {user.role}: {answer.status_code}"

    return probe


# The walk in parts (every PARTS-th route, in SITE's order), so pytest-xdist can spread it over its
# workers: as one test it was the suite's longest by far.
PARTS = 8


def test_the_walk_reaches_the_site():
    assert len(SITE) > 50


@pytest.mark.parametrize("part", range(PARTS), ids=lambda part: f"part{part + 1}of{PARTS}")
def test_hostile_input_to_every_form_is_never_a_500(people, part):
    """One child and one set of people for each part of the walk (building them per route cost minutes)."""
    child, users = people
    problems: list[str] = []
    for route in SITE[part::PARTS]:
        kwargs, _ = fill_kwargs(route, child)
        path = build_path(route, kwargs)
        targets, found = _targets(path, users)
        problems += found

        if targets:
            try:
                _probe(path, targets)()
            except AssertionError as failure:
                problems.append(str(failure).splitlines()[0][:500])
    assert problems == [], problems


def test_admin_search_with_hostile_text_is_never_a_500(people):
    admin = client_for(people[1][-1])
    problems = []
    for model in ADMIN_MODELS:
        app, name = model.split(".")
        for text in ("\x00", "x" * 10_000, "a\x00%"):
            response = admin.get(f"/admin/{app}/{name}/", {"q": text, "p": text, "o": text})
            if response.status_code >= 500:
                problems.append(f"{model} {text[:5]!r}: {response.status_code}")
    assert problems == [], problems
