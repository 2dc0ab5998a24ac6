"""A child with something of every API resource, the people around it, and ways to call the v1 API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.test.client import ClientHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from education import services as education
from education.models import FamilyQuestion
from patients.clinical import services as clinical
from patients.late_effects import services as late_effects
from patients.late_effects.models import CarePlan, FollowUpItem
from patients.models import RiskAssessment, TimelineEntry, TreatmentPhase
from patients.reminders.models import Reminder
from portal.accounts import api_tokens
from tests.education.factories import PageFactory
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import populate_record
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

V1 = "/api/v1/"


@dataclass
class World:
    child: object
    clinician: object
    parent: object
    ids: dict  # path parameter name -> an id of this child's object (for path_parameters)


def add_care_plan(child, clinician, parent, copies: int = 1) -> None:
    """The shipped rule set's plan for a high anthracycline dose, released; `copies` more of each
    item (cloned), with a reminder to the parent each, and `copies` family questions."""
    load_default_ruleset()
    if not CarePlan.objects.filter(patient=child).exists():
        late_effects.recompute_care_plan(child, high_anthracycline_summary(date.today()), user=clinician)
        late_effects.release_plan(clinician, child)
    template = FollowUpItem.objects.filter(patient=child).order_by("id").first()
    clones = []
    for n in range(copies):
        clone = FollowUpItem.objects.get(pk=template.pk)
        clone.pk = None
        clone.slot = f"{template.slot}-copy{FollowUpItem.objects.count()}-{n}"
        clones.append(clone)
    FollowUpItem.objects.bulk_create(clones)
    Reminder.objects.bulk_create(
        Reminder(item=item, recipient=parent, channel="portal", kind="lead-7", due_date=item.due_on) for item in clones
    )
    for n in range(copies):
        education.add_question(parent, child, f"Question {n} {FamilyQuestion.objects.count()}?")


def build_world(copies: int = 1) -> World:
    child = PatientFactory()
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    populate_record(clinician, child, date.today() - timedelta(days=90), copies=copies)
    clinical.reassess_risk(clinician, child)
    add_care_plan(child, clinician, parent, copies)
    page = PageFactory()
    released = TimelineEntry.objects.filter(patient=child, visibility="released").order_by("id").first()
    ids = {
        "patient_id": child.pk,
        "entry_id": released.pk,
        "phase_id": TreatmentPhase.objects.filter(patient=child).values_list("pk", flat=True).first(),
        "assessment_id": RiskAssessment.objects.filter(patient=child).values_list("pk", flat=True).first(),
        "id": FollowUpItem.objects.filter(patient=child).values_list("pk", flat=True).first(),
        "reminder_id": Reminder.objects.filter(item__patient=child).values_list("pk", flat=True).first(),
        "question_id": FamilyQuestion.objects.filter(patient=child).values_list("pk", flat=True).first(),
        "page_id": page.pk,
    }
    return World(child=child, clinician=clinician, parent=parent, ids=ids)


def bearer(user, scope: str = "write") -> dict:
    issued = api_tokens.create_token(user, name="tests", scope=scope, verified=True)
    return {"Authorization": f"Bearer {issued.secret}"}


def v1_schema() -> dict:
    """The served OpenAPI document, as JSON, with only the /api/v1/ paths."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(raw))
    schema["paths"] = {p: item for p, item in schema["paths"].items() if p.startswith(V1)}
    return schema


def wsgi_app(environ, start_response):
    """Django as a WSGI app for Schemathesis, through the test client's handler: it keeps the test's
    database connection (and transaction) open across requests and skips CSRF as the test client does."""
    response = ClientHandler()(environ)
    headers = list(response.items()) + [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]
