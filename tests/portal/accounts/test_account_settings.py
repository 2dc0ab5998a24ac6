"""The account settings page: name, phone and preferred language (which also switches the UI)."""

import pytest
from django.urls import reverse

from portal.care.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_update_name_phone_and_language(family_client, family_user):
    response = family_client.post(
        reverse("portal:account"),
        {"first_name": " Rosa ", "last_name": "Díaz", "preferred_language": "es", "phone": "+1 (312) 555-0123"},
    )
    assert response.url == reverse("portal:account")
    assert response.cookies["django_language"].value == "es"
    family_user.refresh_from_db()
    assert (family_user.first_name, family_user.last_name) == ("Rosa", "Díaz")
    assert family_user.phone == "+13125550123"
    assert family_user.preferred_language == "es"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, user=family_user)
    assert event.object_type == "user"
    assert "+1312" not in event.detail  # field names, never values
    assert "phone" in event.detail


def test_bad_phone_number_is_refused_and_nothing_is_saved(family_client, family_user):
    response = family_client.post(
        reverse("portal:account"),
        {"first_name": "New", "last_name": "Name", "preferred_language": "en", "phone": "call me maybe"},
    )
    assert response.status_code == 200
    assert "international format" in response.content.decode()
    family_user.refresh_from_db()
    assert family_user.first_name != "New"
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_page_is_reachable_from_the_navigation(family_client):
    page = family_client.get(reverse("portal:account")).content.decode()
    assert 'href="/accounts/settings/"' in page
    assert reverse("portal:security") in page
