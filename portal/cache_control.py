"""Keep a child's data out of browser and proxy caches (a shared family computer, a clinic proxy).

Every response to a signed-in user, and every API response, is marked `Cache-Control: no-store`
and `Pragma: no-cache`. A view that chose its own Cache-Control keeps it; static files (WhiteNoise
answers before sign-in is known) and public pages for anonymous readers stay cacheable.
"""

from __future__ import annotations

from portal.middleware import is_api


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)  # absent when WhiteNoise or an outer guard answered first
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and (is_api(request) or _signed_in(request)):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
