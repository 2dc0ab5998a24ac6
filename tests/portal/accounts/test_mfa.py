"""Two-step verification: enrolment with QR and recovery codes, verification, limits, optional for families."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.care.models import AuditAction, AuditEvent
from tests.conftest import signed_in_client
from tests.factories import ClinicianFactory, FamilyLinkFactory
from tests.portal.accounts.sign_in_helpers import (
    PASSWORD,
    actions,
    current_code,
    enrolled_device,
    is_signed_in,
    post_sign_in,
)

pytestmark = pytest.mark.django_db


def recovery_codes(user) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_enrolment_shows_an_inline_svg_qr_and_a_typeable_key(clinician):
    client = signed_in_client(clinician, verified=False)
    response = client.get(reverse("portal:mfa_setup"))
    assert response.status_code == 200
    page = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg  # fits the strict CSP
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    key = response.context["secret"].replace(" ", "")
    assert b32decode(key + "=" * (-len(key) % 8)) == device.bin_key
    # Reloading keeps the same pending device (the phone may already have scanned it).
    client.get(reverse("portal:mfa_setup"))
    assert TOTPDevice.objects.filter(user=clinician).count() == 1


def test_enrolment_needs_a_correct_code_then_shows_recovery_codes_once(clinician):
    client = signed_in_client(clinician, verified=False)
    client.get(reverse("portal:mfa_setup"))
    device = TOTPDevice.objects.get(user=clinician)

    response = client.post(reverse("portal:mfa_setup"), {"token": "000000", "next": "/patients/"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past django-otp's 1 s throttle
        response = client.post(reverse("portal:mfa_setup"), {"token": current_code(device), "next": "/patients/"})
    assert response.status_code == 200
    assert response.templates[0].name == "portal/mfa_recovery_codes.html"
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(recovery_codes(clinician))
    device.refresh_from_db()
    assert device.confirmed
    assert actions(user=clinician) == [
        AuditAction.LOGIN,
        AuditAction.MFA_FAILED,
        AuditAction.MFA_ENROLLED,
    ]
    assert client.get("/patients/").status_code == 200  # verified in this session


def test_verification_with_the_app_code(clinician):
    device = enrolled_device(clinician)
    client = Client()
    post_sign_in(client, clinician.email)
    assert client.get("/patients/").url == f"{reverse('portal:mfa_verify')}?next=%2Fpatients%2F"
    session_before = client.session.session_key
    response = client.post(reverse("portal:mfa_verify"), {"token": current_code(device), "next": "/patients/"})
    assert response.url == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert client.session.session_key != session_before  # a fresh session id after the second step
    assert AuditAction.MFA_VERIFIED in actions(user=clinician)


def test_the_same_app_code_cannot_be_replayed(clinician):
    device = enrolled_device(clinician)
    with time_machine.travel(timezone.now(), tick=False):
        code = current_code(device)
        first = Client()
        post_sign_in(first, clinician.email)
        assert first.post(reverse("portal:mfa_verify"), {"token": code}).status_code == 302
        second = Client()
        post_sign_in(second, clinician.email)
        assert second.post(reverse("portal:mfa_verify"), {"token": code}).status_code == 200


def test_a_recovery_code_works_once(clinician):
    enrolled_device(clinician)
    code = recovery_codes(clinician)[0]
    client = Client()
    post_sign_in(client, clinician.email)
    response = client.post(reverse("portal:mfa_verify"), {"token": code.upper(), "next": "/patients/"})
    assert response.url == "/patients/"
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_USED, user=clinician).count() == 1
    assert code not in recovery_codes(clinician)
    assert len(recovery_codes(clinician)) == 9

    again = Client()
    post_sign_in(again, clinician.email)
    response = again.post(reverse("portal:mfa_verify"), {"token": code, "next": "/patients/"})
    assert response.status_code == 200
    assert "did not work" in response.content.decode()
    assert again.get("/patients/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FAILED, user=clinician).count() == 1


@override_settings(MFA_MAX_FAILURES=3)
def test_too_many_wrong_codes_end_the_session(clinician):
    enrolled_device(clinician)
    client = Client()
    post_sign_in(client, clinician.email)
    for _attempt in range(2):
        assert client.post(reverse("portal:mfa_verify"), {"token": "123456"}).status_code == 200
    response = client.post(reverse("portal:mfa_verify"), {"token": "123456"})
    assert response.url == reverse("portal:login")
    assert not is_signed_in(client)
    assert actions(user=clinician) == [
        AuditAction.LOGIN,
        AuditAction.MFA_FAILED,
        AuditAction.MFA_FAILED,
        AuditAction.MFA_FAILED,
        AuditAction.LOCKOUT,
        AuditAction.LOGOUT,
    ]
    page = client.get(reverse("portal:login")).content.decode()
    assert "Too many wrong codes" in page


def test_wrong_codes_in_a_row_are_throttled_by_the_device(clinician):
    device = enrolled_device(clinician)
    client = Client()
    post_sign_in(client, clinician.email)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(reverse("portal:mfa_verify"), {"token": "000000"})
        client.post(reverse("portal:mfa_verify"), {"token": "000001"})  # within django-otp's 1 s delay
        response = client.post(reverse("portal:mfa_verify"), {"token": current_code(device)})
        assert "Wait a minute" in response.content.decode()
        clock.shift(60)
        response = client.post(reverse("portal:mfa_verify"), {"token": current_code(device), "next": "/patients/"})
        assert response.url == "/patients/"


def test_replacing_the_app_needs_the_current_second_step(clinician):
    enrolled_device(clinician)
    client = signed_in_client(clinician, verified=False)
    response = client.get(reverse("portal:mfa_setup"))
    assert response.url.startswith(reverse("portal:mfa_verify"))


def test_regenerated_recovery_codes_replace_the_old_ones(clinician):
    enrolled_device(clinician)
    old = recovery_codes(clinician)
    client = signed_in_client(clinician)
    response = client.post(reverse("portal:mfa_recovery_codes"))
    new = response.context["codes"]
    assert set(new) == set(recovery_codes(clinician))
    assert not set(old) & set(new)
    assert AuditEvent.objects.filter(action=AuditAction.MFA_ENROLLED, detail="recovery codes regenerated").exists()


# --- Optional for families ----------------------------------------------------------------------------


def test_family_may_turn_it_on_and_is_then_asked_at_every_sign_in():
    user = FamilyLinkFactory().user
    client = Client()
    post_sign_in(client, user.email)
    assert client.get(reverse("portal:security")).status_code == 200  # no second step asked
    client.get(reverse("portal:mfa_setup"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("portal:mfa_setup"), {"token": current_code(device)})
    assert TOTPDevice.objects.get(user=user).confirmed

    later = Client()
    post_sign_in(later, user.email)
    response = later.get(reverse("patients:family_home"))
    assert response.url.startswith(reverse("portal:mfa_verify"))


def test_family_can_turn_it_off_with_their_password():
    user = FamilyLinkFactory().user
    enrolled_device(user)
    client = signed_in_client(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()

    response = client.post(reverse("portal:mfa_disable"), {"password": "not-my-password"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()

    response = client.post(reverse("portal:mfa_disable"), {"password": PASSWORD})
    assert response.url == reverse("portal:security")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert recovery_codes(user) == []
    assert AuditEvent.objects.filter(user=user, action=AuditAction.MFA_ENROLLED, detail="disabled").exists()
    assert client.get(reverse("patients:family_home")).status_code == 302  # on to the child, not to MFA
    assert not client.get(reverse("patients:family_home")).url.startswith("/accounts/mfa/")


def test_staff_cannot_turn_it_off(clinician_client, clinician):
    response = clinician_client.post(reverse("portal:mfa_disable"), {"password": PASSWORD})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=clinician).exists()
    assert "required for your role" in clinician_client.get(reverse("portal:security")).content.decode()


def test_security_page_lists_only_own_sign_ins():
    user = FamilyLinkFactory().user
    other = ClinicianFactory()
    post_sign_in(Client(), user.email, password="typo-password")
    post_sign_in(Client(HTTP_USER_AGENT="OtherBrowser/1"), other.email)
    client = Client(HTTP_USER_AGENT="MyBrowser/2")
    post_sign_in(client, user.email)
    response = client.get(reverse("portal:security"))
    events = response.context["events"]
    assert [e.action for e in events] == [AuditAction.LOGIN, AuditAction.LOGIN_FAILED]
    page = response.content.decode()
    assert "MyBrowser/2" in page
    assert "OtherBrowser" not in page


def test_security_page_queries_do_not_grow_with_history(django_assert_max_num_queries):
    user = FamilyLinkFactory().user
    client = Client()
    post_sign_in(client, user.email)
    client.get(reverse("portal:security"))
    for _ in range(30):
        post_sign_in(Client(), user.email, password="typo-password")
        post_sign_in(Client(), user.email)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:security"))
    assert len(response.context["events"]) == 20
