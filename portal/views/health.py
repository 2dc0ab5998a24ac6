"""/healthz: is the database reachable, and is the Celery broker? 503 when either is down.

It also warns (without failing: the site works) when the application's database role could wipe the
audit trail: a superuser, the audit table's owner, or a role with UPDATE/DELETE/TRUNCATE on it.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.care.db_roles import role_warnings
from portal.celery import app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        return False


def broker_ok() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            _ = conn.default_channel  # opens a channel: proves the transport really answers
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "broker": broker_ok()}
    status = 200 if all(checks.values()) else 503
    body = {"status": "ok" if status == 200 else "unavailable", **{k: "ok" if v else "down" for k, v in checks.items()}}
    body["broker_transport"] = settings.CELERY_BROKER_URL.split("://", 1)[0]
    if checks["database"] and connection.vendor == "postgresql":
        # Only a verdict here (the page is public); `manage.py check --deploy` says what is wrong.
        body["audit_role"] = "unsafe" if role_warnings(connection) else "ok"
    return JsonResponse(body, status=status)
