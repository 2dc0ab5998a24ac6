"""`manage.py check --deploy`: warn when the application's database role could wipe the audit trail."""

from django.core import checks
from django.db import connections

from portal.care.db_roles import role_warnings


@checks.register(checks.Tags.security, deploy=True)
def audit_database_role(app_configs=None, databases=None, **kwargs):
    aliases = databases if databases is not None else ["default"]
    return [
        checks.Warning(
            message,
            hint="Run the application as the role `manage.py audit_db_roles` creates (docs/deploy.md).",
            id="care.W001",
        )
        for alias in aliases
        for message in role_warnings(connections[alias])
    ]
