"""Two-step verification: enrolment with QR and recovery codes, verification, limits, optional for families."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import mfa
from portal.accounts.models import RecoveryCodeDevice
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


def codes_left(user) -> int:
    return mfa.recovery_codes_left(user)


def works(user, code: str) -> bool:
    """Does `code` pass the user's recovery device now (past its throttle)?"""
    device = RecoveryCodeDevice.objects.get(user=user)
    device.throttle_reset()
    return device.verify_token(code)


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
    assert codes_left(clinician) == 10
    assert "recovery codes" in response.content.decode().lower()
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
    code = enrolled_device(clinician).recovery_codes[0]
    client = Client()
    post_sign_in(client, clinician.email)
    response = client.post(reverse("portal:mfa_verify"), {"token": code.upper(), "next": "/patients/"})
    assert response.url == "/patients/"
    assert AuditEvent.objects.filter(action=AuditAction.MFA_RECOVERY_USED, user=clinician).count() == 1
    assert codes_left(clinician) == 9

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
    old = enrolled_device(clinician).recovery_codes
    client = signed_in_client(clinician)
    response = client.post(reverse("portal:mfa_recovery_codes"))
    new = response.context["codes"]
    assert codes_left(clinician) == 10
    assert not set(old) & set(new)
    assert not works(clinician, old[0])  # every earlier code stops working
    assert works(clinician, new[0])
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
    assert codes_left(user) == 0 and not RecoveryCodeDevice.objects.filter(user=user).exists()
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
    # Sessions, user, devices (app, recovery codes, passkeys), events: a fixed number.
    with django_assert_max_num_queries(14) as short_history:
        client.get(reverse("portal:security"))
    with_short_history = len(short_history.captured_queries)  # now: the next request clears the log
    for _ in range(30):
        post_sign_in(Client(), user.email, password="typo-password")
        post_sign_in(Client(), user.email)
    with django_assert_max_num_queries(with_short_history):
        response = client.get(reverse("portal:security"))
    assert len(response.context["events"]) == 20


# --- Recovery codes stored hashed (issue 13, point 6) -------------------------------------------------


def test_recovery_codes_are_stored_hashed_never_in_plain_text(clinician):
    from django.db import connection

    codes = enrolled_device(clinician).recovery_codes
    device = RecoveryCodeDevice.objects.get(user=clinician)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.code_hash, d.salt FROM accounts_recoverycode c "
            "JOIN accounts_recoverycodedevice d ON d.id = c.device_id WHERE d.user_id = %s",
            [clinician.pk],
        )
        rows = cursor.fetchall()
    assert len(rows) == 10
    stored = " ".join(" ".join(row) for row in rows)
    assert not any(code in stored for code in codes)
    assert {row[0] for row in rows} == {device.hash_code(code) for code in codes}
    assert not StaticDevice.objects.filter(user=clinician).exists()  # nothing left in django-otp's plain table


def test_a_recovery_code_is_single_use_at_the_device(clinician):
    code = enrolled_device(clinician).recovery_codes[3]
    assert works(clinician, f" {code[:4].upper()}-{code[4:]} ")  # typed with a dash and in capitals
    assert not works(clinician, code)
    assert codes_left(clinician) == 9


def test_the_security_page_counts_codes_but_never_shows_them(clinician):
    codes = enrolled_device(clinician).recovery_codes
    page = signed_in_client(clinician).get(reverse("portal:security")).content.decode()
    assert not any(code in page for code in codes)
