"""Rendered pages of a child, kept under the child's change stamp (patients.models.stamps).

A record, timeline or family page is mostly the same HTML from one view to the next: it changes
when the child's data changes (the stamp moves, by database trigger, on every write), when the
reference data changes (the reference stamp), at midnight (ages, "day N of the phase", overdue), or
with the language. The page, site header included (kept_page), is rendered once and kept in the
"pages" cache under a key made of all of them plus the viewer (each person gets their own copy, so
nothing one person may see is ever served to another) and what the header shows (my unread count,
the address its language form returns to). What belongs to the request is done every time: the
access decision, the audit rows, counting my unread notifications, the break-the-glass panel (a
slot in the kept HTML) and "new since your last visit"; a page with a message is not kept.

Forms inside a kept part carry a placeholder instead of the CSRF token; the request's own token
replaces it when the part is served. Entries expire after PAGE_CACHE_SECONDS as a backstop for
what no stamp follows (a clinician renaming themselves). The key holds ids and dates only, never a
name or a clinical value; the cache itself holds health data, so in production it lives in the web
process (the default) or in a Redis protected like the database (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal.care.access import request_stamps
from portal.care.unread import unread_notifications

CSRF_PLACEHOLDER = "csrf-token-placeholder-7f3a9c"
Built = str | tuple[str, int | None]
CACHE_ALIAS = "pages"


def _key(part: str, patient_id: int, stamps: tuple, user_id: int, vary: tuple) -> str:
    raw = "|".join(
        str(v)
        for v in (
            settings.PAGE_CACHE_RELEASE,
            part,
            patient_id,
            *stamps,
            get_language(),
            timezone.localdate().isoformat(),
            user_id,
            *vary,
        )
    )
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _kept(key: str, make, seconds_of=lambda value: None):
    """The value kept under `key`, or make() kept for PAGE_CACHE_SECONDS (or less: seconds_of(value))."""
    cache = caches[CACHE_ALIAS]
    value = cache.get(key)
    if value is None:
        value = make()
        limit = seconds_of(value)
        seconds = settings.PAGE_CACHE_SECONDS if limit is None else max(0, min(limit, settings.PAGE_CACHE_SECONDS))
        if seconds:
            cache.set(key, value, seconds)
    return value


def _with_token(request, html: str) -> str:
    """Kept HTML with the request's own CSRF token in place of the placeholder."""
    return html.replace(CSRF_PLACEHOLDER, get_token(request)) if CSRF_PLACEHOLDER in html else html


def kept_worklist(
    request, template: str, vary: tuple, build_body: Callable[[str], tuple[str, list[int]]]
) -> tuple[str, list[int]]:
    """The clinician's worklist, a whole page like kept_page's (its HTML, ids of the children listed),
    kept under `vary` (patients.worklist.worklist_state(), which holds my unread count, and the
    page's query and path). The caller audits the ids every time."""

    def build() -> tuple[str, list[int]]:
        body, ids = build_body(CSRF_PLACEHOLDER)
        return _page(request, template, body, CSRF_PLACEHOLDER), ids

    html, ids = _kept(_key("worklist", 0, (), request.user.pk, vary), build)
    return _with_token(request, html), ids


def kept_page(
    request,
    template: str,
    part: str,
    patient_id: int,
    build_body: Callable[[str], Built],
    *,
    context: dict | None = None,
    vary: tuple = (),
) -> str:
    """A whole page, site header included: `template` (extending base.html) around the part that
    build_body(csrf_placeholder) renders, kept as kept_html keeps a part. The header's forms carry
    the placeholder too, so serving the page costs no template at all.

    The header shows my unread count and sends its language form back to this path: both are part
    of the key. A page with a message to show is built and not kept: the message shows once.
    """

    def build(csrf_token: str) -> tuple[str, int | None]:
        built = build_body(csrf_token)
        body, seconds = built if isinstance(built, tuple) else (built, None)
        return _page(request, template, body, csrf_token, context), seconds

    if len(get_messages(request)):
        return build(get_token(request))[0]
    header = (unread_notifications(request), request.get_full_path())
    return kept_html(request, part, patient_id, build, vary=(*vary, *header))


def _page(request, template: str, body: str, csrf_token: str, context: dict | None = None) -> str:
    """`template` (extending base.html) around a rendered body, its forms given `csrf_token`."""
    page = {**(context or {}), "body": mark_safe(body), "csrf_token": csrf_token}
    return render_to_string(template, page, request)


def kept_html(request, part: str, patient_id: int, build: Callable[[str], Built], vary: tuple = ()) -> str:
    """The part's HTML from the cache, or built by `build(csrf_placeholder)` and kept.

    `build` returns the HTML, or (HTML, seconds it may be kept at most; None for no limit of its own).
    Kept, it costs no query beyond the stamps the access decision already read.
    """

    def make() -> tuple[str, int | None]:
        built = build(CSRF_PLACEHOLDER)
        return built if isinstance(built, tuple) else (built, None)

    key = _key(part, patient_id, request_stamps(patient_id), request.user.pk, vary)
    html, _limit = _kept(key, make, seconds_of=lambda kept: kept[1])
    return _with_token(request, html)
