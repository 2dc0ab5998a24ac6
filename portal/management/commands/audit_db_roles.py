"""Create (idempotently) the PostgreSQL owner role for migrations and the application role that may
only SELECT and INSERT on the audit table. Run as a superuser, after each `migrate` (docs/deploy.md).

    DATABASE_URL=postgres://postgres@db/portal manage.py audit_db_roles --owner portal_owner --app portal_app

Passwords, if given, are read from AUDIT_DB_OWNER_PASSWORD and AUDIT_DB_APP_PASSWORD (never argv).
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from portal.care.db_roles import ensure_roles


class Command(BaseCommand):
    help = (
        "Create the audit-safe PostgreSQL roles: an owner for migrations, and an application role "
        "without UPDATE/DELETE/TRUNCATE on the audit table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="portal_owner", help="role that owns the tables and runs migrations")
        parser.add_argument("--app", default="portal_app", help="role the web and worker processes connect as")
        parser.add_argument("--schema", default=None, help="schema of the tables (default: the current schema)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, owner, app, schema, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("audit_db_roles is for PostgreSQL; other databases rely on the model-level guard.")
        passwords = {
            owner: os.environ.get("AUDIT_DB_OWNER_PASSWORD", ""),
            app: os.environ.get("AUDIT_DB_APP_PASSWORD", ""),
        }
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                done = ensure_roles(cursor, owner=owner, app=app, passwords=passwords, schema=schema)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 2:
            for statement in done:
                self.stdout.write(statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"{owner} owns the tables (use it for migrate); {app} may only SELECT and INSERT on the audit table "
                f"(use it in DATABASE_URL). {len(done)} statements."
            )
        )
