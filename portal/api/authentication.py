"""Token authentication for the API (`Authorization: Bearer cpt_…`), and the token's scope check.

Tokens are made and checked in portal/accounts/api_tokens.py; here DRF is told about them. A
request with a read-scoped token may only use safe methods (403 otherwise). Session requests are
unaffected: their CSRF check stays DRF's SessionAuthentication.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from portal.accounts import api_tokens
from portal.accounts.models import ApiToken, TokenScope


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        token = api_tokens.authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is unknown, expired or revoked.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScopePermission(permissions.BasePermission):
    message = "This token may only read; make a read-and-write token to change records."

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != TokenScope.WRITE:
            return request.method in permissions.SAFE_METHODS
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from the account page (staff, after two-step verification).",
        }
