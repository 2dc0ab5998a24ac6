"""Care-plan Celery tasks: thin wrappers around late-effects services; they take ids.

The registered names keep their first home (patients.reminders.tasks) because beat rows and
queued messages name tasks by that string.
"""

from __future__ import annotations

from celery import shared_task

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="patients.reminders.tasks.recompute_all_care_plans", **RELIABLE)
def recompute_all_care_plans() -> int:
    """After the active rule set changes: recompute every plan from its stored exposure summary."""
    # Imported here: services enqueue these tasks, so the task module may not import them at load.
    from patients.late_effects.services import recompute_all_from_stored_exposures

    return recompute_all_from_stored_exposures()


@shared_task(name="patients.reminders.tasks.recompute_care_plan_for_patient", **RELIABLE)
def recompute_care_plan_for_patient(patient_id: int) -> bool:
    from patients.late_effects.services import recompute_for_patient

    return recompute_for_patient(patient_id) is not None


@shared_task(name="patients.late_effects.tasks.notify_overdue_follow_ups", **RELIABLE)
def notify_overdue_follow_ups() -> int:
    """Daily: in-portal notices to the care team for follow-ups that became overdue (idempotent)."""
    from patients.late_effects.overdue_notices import notify_overdue_follow_ups as notify

    return notify()
