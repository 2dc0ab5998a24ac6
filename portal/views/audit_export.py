"""CSV export of the audit trail, streamed row by row so a large export never sits in memory.

Times are local (settings.TIME_ZONE), as on every screen, written as ISO 8601 with their UTC offset,
and the header names the zone ("at (America/Chicago)"). The export is itself recorded (action
"export", purpose "admin") with the row count and the names of the filters used, never their values
(a search term could be a child's name).
"""

from __future__ import annotations

import csv
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from portal.care import audit
from portal.care.models import AuditAction, AuditPurpose


def header() -> list[str]:
    """The column names; the time column states the zone its local times are in."""
    return ["id", f"at ({settings.TIME_ZONE})", *HEADER[2:]]


HEADER = [
    "id",
    "at",
    "user_email",
    "user_id",
    "patient_mrn",
    "patient_id",
    "action",
    "purpose",
    "object_type",
    "object_id",
    "ip_address",
    "user_agent",
    "path",
    "detail",
]
_FIELDS = [
    "id",
    "at",
    "user__email",
    "user_email",
    "user_id",
    "patient__mrn",
    "patient_id",
    "action",
    "purpose",
    "object_type",
    "object_id",
    "ip_address",
    "user_agent",
    "path",
    "detail",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """Text as a spreadsheet will not run it: a leading formula character gets a quote (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, ZoneInfo(settings.TIME_ZONE))
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(queryset):
    writer = csv.writer(_Echo())
    yield writer.writerow(header())
    for row in queryset.values_list(*_FIELDS).iterator(chunk_size=2000):
        (pk, at, email, typed_email, user_id, mrn, patient_id, *rest) = row
        yield writer.writerow([_cell(v) for v in (pk, at, email or typed_email, user_id, mrn, patient_id, *rest)])


def csv_response(user, queryset, *, filters=()) -> StreamingHttpResponse:
    count = queryset.count()
    event = audit.record(
        user,
        AuditAction.EXPORT,
        purpose=AuditPurpose.ADMIN,
        object_type="auditevent",
        detail=f"csv rows={count} filters={','.join(filters)}"[:300],
    )
    # The rows counted above; not the export's own row or anything written while streaming.
    response = StreamingHttpResponse(_rows(queryset.filter(id__lt=event.pk)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(timezone.now(), ZoneInfo(settings.TIME_ZONE)).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
