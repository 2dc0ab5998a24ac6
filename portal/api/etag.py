"""ETag / If-Match over the `version` field every editable record carries.

A detail response of a versioned record carries `ETag: "<version>"`. A write that sends If-Match
with another value gets 412 (someone saved since); a matching If-Match stands in for the body's
`version`, so the service still refuses a write that loses a race (409). Without If-Match the
body's `version` works as before.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you loaded it (If-Match does not match its ETag). Reload it."
    default_code = "precondition_failed"


def etag_for(obj) -> str | None:
    version = getattr(obj, "version", None)
    return f'"{version}"' if isinstance(version, int) else None


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def expected_version(request, obj) -> int | None:
    """The version a write may assume, from If-Match; raises PreconditionFailed on a mismatch.

    None when the request has no If-Match (or there is no stored object yet: If-Match: * on a
    missing singleton is refused too).
    """
    header = request.headers.get("If-Match")
    if not header:
        return None
    tag = etag_for(obj) if obj is not None else None
    if tag is None:
        raise PreconditionFailed()
    tags = _tags(header)
    if "*" in tags or tag in tags:
        return obj.version
    raise PreconditionFailed()
