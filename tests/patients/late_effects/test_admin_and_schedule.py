"""Admin retry of dead reminders, rule-set activation in the admin, and the beat schedule."""

from datetime import date

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from patients.late_effects import services as plan_services
from patients.late_effects.models import RuleSet
from patients.reminders.models import Reminder
from portal.celery import app
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

pytestmark = pytest.mark.django_db


def test_dead_reminders_are_listed_and_retried_from_the_admin(admin_client_verified, clinician, patient):
    load_default_ruleset()
    plan_services.recompute_care_plan(patient, high_anthracycline_summary(date(2019, 9, 1)))
    item = patient.late_effects_followupitem_set.first()
    dead = Reminder.objects.create(
        item=item, recipient=clinician, channel="email", kind="lead-7", due_date=item.due_on, status="dead", attempts=5
    )
    listing = admin_client_verified.get("/admin/reminders/reminder/?status__exact=dead")
    assert listing.status_code == 200 and f"/admin/reminders/reminder/{dead.pk}/change/" in listing.content.decode()
    response = admin_client_verified.post(
        "/admin/reminders/reminder/", {"action": "retry", "_selected_action": [dead.pk]}, follow=True
    )
    assert response.status_code == 200
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("pending", 0)


def test_admin_action_switches_the_active_rule_set(admin_client_verified):
    first = load_default_ruleset()
    second, _ = plan_services.load_ruleset(first.raw_text.replace('version: "2026.2"', 'version: "2026.9"'))
    admin_client_verified.post(
        "/admin/late_effects/ruleset/", {"action": "make_active", "_selected_action": [second.pk]}
    )
    assert list(RuleSet.objects.filter(active=True)) == [second]


def test_periodic_tasks_are_registered_and_exist():
    call_command("sync_schedule")
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"patients.reminders.tasks.sweep_reminders", "patients.reminders.tasks.send_care_team_digests"} <= names
    app.loader.import_default_modules()
    for task in names:
        assert task in app.tasks, task
