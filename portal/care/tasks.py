"""Celery tasks of the care layer: thin, they call the services."""

from celery import shared_task

from portal.care import audit_partitions


@shared_task
def create_audit_partitions() -> list[str]:
    """Daily: make sure this month's and the next months' audit partitions exist (idempotent)."""
    return audit_partitions.ensure_partitions()
