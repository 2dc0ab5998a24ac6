"""Personal API tokens: made on the Security page only by staff verified in this session, shown
once and stored hashed, scoped, expiring, revocable by the owner and in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from portal.accounts import api_tokens
from portal.accounts.models import ApiToken
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db
CREATE = "/accounts/api-tokens/"


def _make(client, scope="read"):
    response = client.post(CREATE, {"name": "nightly export", "scope": scope})
    assert response.status_code == 200, response.content
    return response.context["issued"].secret


def test_a_verified_clinician_makes_a_token_shown_once_and_stored_hashed(clinician_client, clinician, patient):
    secret = _make(clinician_client)
    token = ApiToken.objects.get(user=clinician)
    assert secret.startswith(f"cpt_{token.prefix}_")
    assert secret.split("_", 2)[2] not in token.key_hash and token.key_hash == api_tokens.hash_secret(
        secret.split("_", 2)[2]
    )
    assert token.expires_at - timezone.now() > timedelta(days=89)
    page = clinician_client.get("/accounts/security/").content.decode()
    assert token.prefix in page and secret not in page  # listed, never shown again

    api = Client()  # a fresh client: the token alone authenticates
    response = api.get(f"/api/v1/patients/{patient.pk}/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_no_token_without_two_step_verification_in_this_session(clinician):
    unverified = signed_in_client(clinician, verified=False)
    # The site sends staff to two-step verification first; the service refuses on its own too.
    assert unverified.post(CREATE, {"name": "x", "scope": "read"}).status_code == 302
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.create_token(clinician, name="x", scope="read", verified=False)
    assert not ApiToken.objects.exists()


def test_families_get_no_tokens(family_client, family_user):
    response = family_client.post(CREATE, {"name": "x", "scope": "read"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    assert "tokens-heading" not in family_client.get("/accounts/security/").content.decode()


def test_a_read_token_cannot_write(clinician_client, client, patient):
    secret = _make(clinician_client, scope="read")
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/patients/{patient.pk}/", headers=auth).status_code == 200
    refused = client.patch(
        f"/api/v1/patients/{patient.pk}/", {"given_name": "X"}, content_type="application/json", headers=auth
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    patient.refresh_from_db()
    assert patient.given_name != "X"


def test_revoked_expired_and_forged_tokens_are_refused(clinician_client, clinician, client, patient):
    url = f"/api/v1/patients/{patient.pk}/"
    secret = _make(clinician_client)
    assert client.get(url, headers={"Authorization": f"Bearer {secret}x"}).status_code == 401
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert client.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    token = ApiToken.objects.get(user=clinician)
    assert clinician_client.post(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 302
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_someone_elses_token_cannot_be_revoked(clinician_client, outsider_client, clinician):
    _make(clinician_client)
    token = ApiToken.objects.get(user=clinician)
    outsider_client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_admin_revokes_tokens_in_the_admin(clinician_client, clinician, admin_client_verified):
    _make(clinician_client)
    token = ApiToken.objects.get(user=clinician)
    response = admin_client_verified.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
