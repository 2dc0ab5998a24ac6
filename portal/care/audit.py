"""Writing the audit trail. Called by the access layer (portal.care.access, portal.api, portal.views).

This module does not import portal.care.access: a row about a child carries the purpose the caller
passes (portal.care.access computes it); without one it falls back to _purpose() below.

Where the request came from (IP, user agent, path) is taken from a context variable that
AuditContextMiddleware sets for each request, so services and selectors can record without
being handed the request. Outside a request (Celery, commands) those fields stay empty and the
purpose defaults to "system" when there is no user.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from portal.care.models import AuditEvent, AuditPurpose


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


_context: ContextVar[RequestContext] = ContextVar(
    "audit_request_context",
    default=RequestContext(),  # noqa: B039 (a frozen dataclass is immutable)
)


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is only believed for the hops our own proxies add.

    With TRUSTED_PROXY_COUNT = N (proxies in front of the app), the client is the N-th address
    from the right of X-Forwarded-For; anything further left was written by the client and
    can be forged. With 0 (the default) only the socket's REMOTE_ADDR is used.
    """
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if trusted and len(hops) >= trusted:
        return hops[-trusted]
    return request.META.get("REMOTE_ADDR") or None


def context_from_request(request) -> RequestContext:
    ip = client_ip(request)
    return RequestContext(
        ip_address=ip or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        path=request.path[:300],
    )


def set_request_context(ctx: RequestContext):
    return _context.set(ctx)


def reset_request_context(token) -> None:
    _context.reset(token)


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.model_name, str(obj.pk or "")


def _purpose(user) -> str:
    """The default when the caller passes none. Events about a child get theirs from the access layer
    (portal.care.access.record_patient_event: break-the-glass, admin or normal); this module never asks it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return AuditPurpose.SYSTEM
    return AuditPurpose.ADMIN if getattr(user, "is_site_admin", False) else AuditPurpose.NORMAL


def _fields(
    user, action, *, patient=None, obj=None, purpose=None, object_type="", object_id="", detail="", user_email=""
) -> dict:
    """The chained columns of one row (audit_chain.FIELDS), with the request's context."""
    ctx = _context.get()
    auto_type, auto_id = _describe(obj)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return {
        "at": timezone.now(),
        "user_id": user.pk if authenticated else None,
        "user_email": (user.email if authenticated else user_email)[:254],
        "patient_id": getattr(patient, "pk", patient),
        "action": action,
        "object_type": object_type or auto_type,
        "object_id": str(object_id or auto_id)[:64],
        "purpose": purpose or _purpose(user),
        "ip_address": ctx.ip_address,
        "user_agent": ctx.user_agent,
        "path": ctx.path,
        "detail": detail[:300],
    }


def _event(user, action, **kwargs) -> AuditEvent:
    return AuditEvent(**_fields(user, action, **kwargs))


def record(
    user,
    action: str,
    *,
    patient=None,
    obj=None,
    purpose: str | None = None,
    object_type: str = "",
    object_id="",
    detail: str = "",
    user_email: str = "",
) -> AuditEvent:
    """Append one row. `detail` must never carry health details (ids, field names, reasons only)."""
    event = _event(
        user,
        action,
        patient=patient,
        obj=obj,
        purpose=purpose,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        user_email=user_email,
    )
    event.save(force_insert=True)
    return event


def record_events(user, events: Iterable[dict], *, patient=None, purpose: str | None = None) -> None:
    """Several rows of one request (each a dict of record()'s keyword arguments), in a single INSERT."""
    rows = [_fields(user, e.pop("action"), patient=patient, purpose=purpose, **e) for e in (dict(e) for e in events)]
    AuditEvent.objects.append(rows)


def record_many(
    user, action: str, patients: Iterable, *, object_type: str = "patient", purpose: str | None = None, detail: str = ""
) -> None:
    """One row per child shown on a list page (children or their ids), in a single INSERT."""
    ids = [getattr(p, "pk", p) for p in patients]
    if not ids:
        return
    if purpose is None:
        purpose = AuditPurpose.ADMIN if getattr(user, "is_site_admin", False) else AuditPurpose.NORMAL
    common = _fields(user, action, purpose=purpose, object_type=object_type, detail=detail)
    AuditEvent.objects.append([{**common, "patient_id": pk, "object_id": str(pk)} for pk in ids])
