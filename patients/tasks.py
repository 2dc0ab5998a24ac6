"""Celery autodiscovery looks for `<app>.tasks`: the patients app's tasks live in subpackages."""

from patients.reminders.tasks import (  # noqa: F401
    deliver_reminders,
    recompute_all_care_plans,
    recompute_care_plan_for_patient,
    send_care_team_digests,
    sweep_reminders,
)
