"""Celery beat jobs for the education pages. Thin: the work is in services."""

from celery import shared_task

from education import services


@shared_task(name="education.tasks.notify_review_due")
def notify_review_due() -> int:
    """Daily: tell editors which pages are due or overdue for review (once a day per editor)."""
    return services.notify_review_due()
