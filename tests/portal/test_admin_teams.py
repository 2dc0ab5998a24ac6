"""The admin: named care teams with inline members and children, plural names, the attention panel."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.care.access import visible_patients
from portal.care.models import AuditAction, AuditEvent, CareTeam, CareTeamChild, CareTeamMember
from tests.factories import BreakGlassGrantFactory, ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_client_verified):
    return admin_client_verified


def _team_form(name, members=(), children=(), initial_members=0, initial_children=0, **extra):
    data = {
        "name": name,
        "description": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(initial_members),
        "children-TOTAL_FORMS": str(len(children)),
        "children-INITIAL_FORMS": str(initial_children),
    }
    for i, row in enumerate(members):
        data.update({f"members-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(children):
        data.update({f"children-{i}-{k}": v for k, v in row.items()})
    data.update(extra)
    return data


def _errors(response):
    ctx = response.context
    if ctx is None:
        return response.status_code
    return [ctx.get("errors"), [f.errors for f in ctx.get("inline_admin_formsets", [])]]


def test_admin_builds_a_team_and_a_member_sees_all_its_children(admin, site_admin):
    nurse = ClinicianFactory()
    kids = PatientFactory.create_batch(2)
    data = _team_form(
        "Leukaemia A",
        members=[{"clinician": str(nurse.pk), "team_role": "primary_nurse"}],
        children=[{"patient": str(k.pk)} for k in kids],
    )
    response = admin.post(reverse("admin:care_careteam_add"), data)
    assert response.status_code == 302, _errors(response)
    team = CareTeam.objects.get()
    assert set(visible_patients(nurse)) == set(kids)
    rows = AuditEvent.objects.filter(object_type="careteam", object_id=str(team.pk))
    assert rows.filter(action=AuditAction.CREATE, detail__contains=f"member={nurse.pk}").count() == 1
    assert rows.filter(action=AuditAction.CREATE, patient__isnull=False).count() == 2

    # Taking the nurse off in the inline removes every child at once, with one audit row.
    seat = CareTeamMember.objects.get()
    change = _team_form(
        "Leukaemia A",
        members=[{"id": str(seat.pk), "team": str(team.pk), "clinician": str(nurse.pk), "DELETE": "on"}],
        initial_members=1,
        **{"members-0-team_role": "primary_nurse"},
    )
    response = admin.post(reverse("admin:care_careteam_change", args=[team.pk]), change)
    assert response.status_code == 302, _errors(response)
    assert list(visible_patients(nurse)) == []
    assert rows.filter(action=AuditAction.DELETE, detail__contains=f"member={nurse.pk}").count() == 1
    assert CareTeamChild.objects.filter(team=team).count() == 2


def test_team_admin_refuses_a_family_account_and_audits_the_children_shown(admin, family_user, patient):
    data = _team_form("B", members=[{"clinician": str(family_user.pk), "team_role": "member"}])
    response = admin.post(reverse("admin:care_careteam_add"), data)
    assert response.status_code == 200
    assert "Only clinicians can join a care team." in response.content.decode()

    team = CareTeam.objects.create(name="C")
    CareTeamChild.objects.create(team=team, patient=patient)
    assert admin.get(reverse("admin:care_careteam_changelist")).status_code == 200
    assert admin.get(reverse("admin:care_careteam_change", args=[team.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LIST, patient=patient, purpose="admin").exists()


# --- Plural names -----------------------------------------------------------------------------------

OUR_APPS = {"accounts", "care", "patients", "late_effects", "reminders", "education"}


def _english_plural(name: str) -> str:
    """The plural of a noun phrase's last word, by the regular English rules."""
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    return name + "s"


IRREGULAR = {"child on a team": "children on teams", "diagnosis": "diagnoses"}


@pytest.mark.parametrize(
    "model", [m for m in apps.get_models() if m._meta.app_label in OUR_APPS], ids=lambda m: m._meta.label
)
def test_every_model_has_a_correct_plural_name(model):
    singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    assert plural == IRREGULAR.get(singular, _english_plural(singular)), (singular, plural)


def test_the_plurals_the_admin_got_wrong_are_right(admin):
    html = admin.get(reverse("admin:index")).content.decode()
    assert "Manual treatment summaries" in html and "Page working copies" in html
    assert "summarys" not in html and "copys" not in html


# --- The attention panel ----------------------------------------------------------------------------


def test_admin_home_lists_each_kind_of_attention_with_its_count_and_a_link(admin, patient):
    BreakGlassGrantFactory(patient=patient)
    BreakGlassGrantFactory(patient=patient, revoked_at=timezone.now())
    BreakGlassGrantFactory(patient=patient, expires_at=timezone.now() - timedelta(hours=1))
    AccessAttempt.objects.create(
        username="ann@example.org",
        ip_address="10.0.0.1",
        user_agent="t",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
    )
    AccessAttempt.objects.create(
        username="bob@example.org", ip_address="10.0.0.1", user_agent="t", failures_since_start=1
    )
    html = admin.get(reverse("admin:index")).content.decode()
    panel = html[html.index('id="attention"') : html.index("</table>", html.index('id="attention"'))]
    for key, link in [
        ("dead_reminders", reverse("admin:reminders_reminder_changelist") + "?status=dead"),
        ("failing_reminders", reverse("admin:reminders_reminder_changelist") + "?status=failed"),
        ("overdue_pages", reverse("admin:education_page_changelist") + "?review=overdue"),
        ("active_grants", reverse("admin:care_breakglassgrant_changelist") + "?status=active"),
        ("locked_accounts", reverse("admin:axes_accessattempt_changelist") + "?failures_since_start__gte="),
    ]:
        assert f"attention-{key}" in panel and link in panel, key
    row = re.search(r"attention-active_grants.*?<td>(.*?)</td>", panel, re.S).group(1)
    assert "<strong>1</strong>" in row
    row = re.search(r"attention-locked_accounts.*?<td>(.*?)</td>", panel, re.S).group(1)
    assert "<strong>1</strong>" in row
    # Each link opens a working, filtered list.
    for link in re.findall(r'href="([^"]+\?[^"]+)"', panel):
        response = admin.get(link.replace("&amp;", "&"))
        assert response.status_code == 200 and "?e=1" not in response.get("Location", ""), link
    active = admin.get(reverse("admin:care_breakglassgrant_changelist") + "?status=active")
    assert active.context["cl"].result_count == 1


def test_attention_panel_queries_do_not_grow_with_the_data(admin, patient):
    from portal.admin_attention import attention_items

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            items = attention_items()
        return len(ctx.captured_queries), items

    few, _ = queries()
    BreakGlassGrantFactory.create_batch(4, patient=patient)
    for i in range(4):
        AccessAttempt.objects.create(
            username=f"u{i}@example.org",
            ip_address="10.0.0.1",
            user_agent="t",
            failures_since_start=settings.AXES_FAILURE_LIMIT + 1,
            attempt_time=timezone.now(),
        )
    many, items = queries()
    assert few == many <= 4
    counts = {i.key: i.count for i in items}
    assert counts["active_grants"] == 4 and counts["locked_accounts"] == 4
