"""The care-team portal: project package, site shell, people, access policy and audit trail."""

from .celery import app as celery_app

__all__ = ("celery_app",)
