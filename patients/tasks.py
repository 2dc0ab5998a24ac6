"""Celery autodiscovery looks for `<app>.tasks`: the patients app's tasks live in subpackages."""

from patients.late_effects.tasks import recompute_all_care_plans, recompute_care_plan_for_patient  # noqa: F401
from patients.reminders.tasks import deliver_reminders, send_care_team_digests, sweep_reminders  # noqa: F401
