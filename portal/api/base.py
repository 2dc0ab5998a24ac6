"""Behaviour every API view shares: ETag on versioned records, If-Match on writes, and the
Deprecation / Sunset / Link headers of the old /api/patients/… aliases (see docs/api.md).

The aliases are the same views built with `api_deprecated=True` (portal/api/urls.py), so they
cannot drift from /api/v1/.
"""

from __future__ import annotations

from portal.api.etag import expected_version

DEPRECATED_SINCE = "@1796083200"  # 2026-12-01 (RFC 9745 Deprecation header: a Unix time)
SUNSET = "Tue, 01 Jun 2027 00:00:00 GMT"  # one release later (RFC 8594)
V1_PREFIX = "/api/v1/"


class ApiBehaviourMixin:
    api_deprecated = False

    def version_for_write(self, obj, body_version: int | None) -> int | None:
        """The version the service checks: the body's, else the one If-Match vouched for (412 on a mismatch)."""
        matched = expected_version(self.request, obj)
        return body_version if body_version is not None else matched

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if response.status_code < 300 and isinstance(data, dict) and isinstance(data.get("version"), int):
            response["ETag"] = f'"{data["version"]}"'
        if self.api_deprecated:
            response["Deprecation"] = DEPRECATED_SINCE
            response["Sunset"] = SUNSET
            successor = V1_PREFIX + request.path.removeprefix("/api/")
            response["Link"] = f'<{successor}>; rel="successor-version"'
        return response
