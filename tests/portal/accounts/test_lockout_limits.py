"""Issue 13, point 2: a cool-off that grows with each further failure, unlock links for families, and a
per-account limit on wrong two-step codes across sessions; every step audited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from portal.care.models import AuditAction, AuditEvent
from tests.factories import ClinicianFactory, FamilyLinkFactory, PatientFactory
from tests.portal.accounts.sign_in_helpers import current_code, enrolled_device, is_signed_in, post_sign_in
from tests.settings_env import settings_from_env

pytestmark = pytest.mark.django_db

PROGRESSIVE = {
    "AXES_FAILURE_LIMIT": 5,
    "AXES_COOLOFF_BASE": timedelta(minutes=30),
    "AXES_COOLOFF_FACTOR": 2,
    "AXES_COOLOFF_MAX": timedelta(hours=24),
    "AXES_COOLOFF_TIME": "portal.lockout.cool_off",
}


# --- Progressive cool-off ---------------------------------------------------------------------------


@override_settings(**PROGRESSIVE)
def test_cool_off_doubles_per_failure_past_the_limit_up_to_the_maximum():
    from portal.lockout import cool_off_for

    assert [cool_off_for(n) for n in (0, 4, 5)] == [timedelta(minutes=30)] * 3
    assert [cool_off_for(n) for n in (6, 7, 8)] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=4)]
    assert cool_off_for(11) == timedelta(hours=24)  # 32 h, capped
    assert cool_off_for(10_000) == timedelta(hours=24)
    with override_settings(AXES_COOLOFF_FACTOR=1):
        assert cool_off_for(50) == timedelta(minutes=30)


def minutes_shown(response) -> int:
    return int(re.search(r"wait (\d+) minute", response.content.decode()).group(1))


@override_settings(**PROGRESSIVE)
def test_each_further_failure_doubles_the_lockout_and_the_page_says_so():
    user = FamilyLinkFactory().user
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(4):
            assert post_sign_in(client, user.email, password=f"wrong-{attempt}").status_code == 200
        locked = post_sign_in(client, user.email, password="wrong-4")
        assert locked.status_code == 429 and minutes_shown(locked) == 30

        clock.shift(timedelta(minutes=31))  # the first cool-off has passed ...
        assert post_sign_in(client, user.email, password="wrong-5").status_code == 200  # ... a fresh start
        for attempt in range(6, 9):
            post_sign_in(client, user.email, password=f"wrong-{attempt}")
        locked = post_sign_in(client, user.email, password="wrong-9")
        assert locked.status_code == 429 and minutes_shown(locked) == 30

        clock.shift(timedelta(minutes=5))  # still locked: one more try, from another address, doubles it
        again = post_sign_in(Client(REMOTE_ADDR="10.3.3.3"), user.email, password="wrong-10")
        assert again.status_code == 429 and minutes_shown(again) == 60
        again = post_sign_in(client, user.email, password="wrong-11")
        assert minutes_shown(again) == 120

        clock.shift(timedelta(minutes=119))
        assert post_sign_in(client, user.email).status_code == 429  # the right password, still locked: 240
        clock.shift(timedelta(minutes=239))
        assert post_sign_in(Client(), "nobody-else@example.org", password="x").status_code == 200
        assert post_sign_in(client, user.email, password="wrong-12").status_code == 429
        clock.shift(timedelta(minutes=481))
        response = post_sign_in(client, user.email)
        assert response.status_code == 302 and is_signed_in(client)
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, user_email=user.email).count() >= 2


@override_settings(**PROGRESSIVE)
def test_a_longer_cool_off_of_one_account_survives_the_clean_up_another_sign_in_triggers():
    user = FamilyLinkFactory().user
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(7):  # 2 past the limit: 2 hours
            post_sign_in(client, user.email, password=f"wrong-{attempt}")
        clock.shift(timedelta(minutes=45))
        post_sign_in(Client(REMOTE_ADDR="10.4.4.4"), "someone-else@example.org", password="typo")
        assert post_sign_in(Client(REMOTE_ADDR="10.5.5.5"), user.email).status_code == 429


def test_progressive_cool_off_settings_come_from_the_environment(monkeypatch):
    env = {"AXES_COOLOFF_MINUTES": "10", "AXES_COOLOFF_FACTOR": "3", "AXES_COOLOFF_MAX_MINUTES": "90"}
    with settings_from_env(monkeypatch, **env) as base:
        assert timedelta(minutes=10) == base.AXES_COOLOFF_BASE
        assert base.AXES_COOLOFF_FACTOR == 3
        assert timedelta(minutes=90) == base.AXES_COOLOFF_MAX
        assert base.AXES_COOLOFF_TIME == "portal.lockout.cool_off"


# --- Unlock by email (families) ----------------------------------------------------------------------


def lock(email: str, client: Client | None = None) -> Client:
    client = client or Client()
    for attempt in range(5):
        post_sign_in(client, email, password=f"wrong-{attempt}")
    assert post_sign_in(client, email).status_code == 429
    return client


def unlock_link(message) -> str:
    line = next(line for line in message.body.splitlines() if "/accounts/unlock/" in line)
    return line.strip().split("testserver", 1)[1]


def test_locked_family_unlocks_by_email_and_signs_in():
    patient = PatientFactory(given_name="Zoltan", family_name="Quixote", mrn="MRN7788")
    user = FamilyLinkFactory(patient=patient).user
    client = lock(user.email)
    assert reverse("portal:unlock") in post_sign_in(client, user.email).content.decode()  # the lockout page links it

    response = client.post(reverse("portal:unlock"), {"email": user.email.upper()})
    assert response.url == reverse("portal:unlock_sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    for detail in ("Zoltan", "Quixote", "MRN7788", "leukemia", "diagnos"):
        assert detail not in message.subject + message.body

    path = unlock_link(message)
    page = client.get(path)  # opening the link changes nothing (mail scanners)
    assert page.status_code == 200 and "Unlock my account" in page.content.decode()
    assert post_sign_in(Client(), user.email).status_code == 429

    done = client.post(path)
    assert done.status_code == 200 and "Your account is unlocked" in done.content.decode()
    assert post_sign_in(client, user.email).status_code == 302 and is_signed_in(client)

    assert Client().post(path).status_code == 400  # used: the lockout it was made for is gone
    details = list(
        AuditEvent.objects.filter(action=AuditAction.LOCKOUT).order_by("id").values_list("detail", flat=True)
    )
    assert "unlock requested: link sent" in details
    assert "unlocked by email link" in details
    assert "unlock link refused" in details


@pytest.mark.parametrize("who", ["unknown", "staff", "not_locked", "inactive"])
def test_unlock_request_looks_the_same_and_sends_nothing_unless_a_family_account_is_locked(who):
    if who == "unknown":
        email = "nobody-here@example.org"
        lock(email)
    elif who == "staff":
        email = ClinicianFactory().email
        lock(email)
    elif who == "inactive":
        user = FamilyLinkFactory().user
        lock(user.email)
        user.is_active = False
        user.save()
        email = user.email
    else:
        email = FamilyLinkFactory().user.email
    response = Client().post(reverse("portal:unlock"), {"email": email})
    assert response.url == reverse("portal:unlock_sent")
    assert mail.outbox == []
    assert AuditEvent.objects.filter(
        action=AuditAction.LOCKOUT, user_email=email, detail="unlock requested: nothing sent"
    )


def test_unlock_link_expires_and_changes_with_the_password():
    user = FamilyLinkFactory().user
    client = lock(user.email)
    client.post(reverse("portal:unlock"), {"email": user.email})
    path = unlock_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert Client().post(path).status_code == 400
    user.set_password("a-changed-passphrase-123")
    user.save()
    assert Client().post(path).status_code == 400
    tampered = path.rstrip("/")[:-2] + "xx/"
    assert Client().post(tampered).status_code == 400


@override_settings(UNLOCK_LIMIT_PER_ACCOUNT=2)
def test_unlock_requests_are_limited_per_account():
    user = FamilyLinkFactory().user
    lock(user.email)
    for _n in range(3):
        assert Client().post(reverse("portal:unlock"), {"email": user.email}).url == reverse("portal:unlock_sent")
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(detail="unlock requested: rate limited", user_email=user.email).count() == 1


def test_unlock_email_and_pages_in_spanish():
    user = FamilyLinkFactory().user
    user.preferred_language = "es"
    user.save()
    lock(user.email)
    Client().post(reverse("portal:unlock"), {"email": user.email})
    message = mail.outbox[0]
    assert message.subject == "Desbloquee su cuenta del ALL Care Portal"
    assert "abra este enlace" in message.body and "deja de funcionar después de 60 minutos" in message.body
    assert "Sign-in" not in message.body
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse("portal:unlock"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Desbloquear su cuenta" in page.content.decode()


# --- Two-step codes per account, across sessions ------------------------------------------------------


@override_settings(MFA_MAX_FAILURES=3, MFA_ACCOUNT_FAILURE_LIMIT=4, MFA_ACCOUNT_FAILURE_WINDOW=timedelta(hours=1))
def test_wrong_codes_over_several_sign_ins_lock_two_step_for_the_account():
    clinician = ClinicianFactory()
    device = enrolled_device(clinician)
    verify = reverse("portal:mfa_verify")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _session in range(2):  # two sign-ins, two wrong codes each: under the per-sign-in limit
            client = Client()
            post_sign_in(client, clinician.email)
            assert client.post(verify, {"token": "000000"}).status_code == 200
            clock.shift(timedelta(minutes=5))  # past django-otp's own delay
            last = client.post(verify, {"token": "000001"})
            clock.shift(timedelta(minutes=5))
        assert last.url == reverse("portal:login") and not is_signed_in(client)  # the 4th for the account

        client = Client()
        post_sign_in(client, clinician.email)
        refused = client.post(verify, {"token": current_code(device)})  # even the right code
        assert refused.url == reverse("portal:login") and not is_signed_in(client)
        assert "Too many wrong codes for this account" in client.get(reverse("portal:login")).content.decode()

        clock.shift(timedelta(minutes=61))
        client = Client()
        post_sign_in(client, clinician.email)
        assert client.post(verify, {"token": current_code(device)}).status_code == 302
        assert client.get("/patients/").status_code == 200
    details = set(
        AuditEvent.objects.filter(action=AuditAction.LOCKOUT, user=clinician).values_list("detail", flat=True)
    )
    assert details == {
        "too many wrong two-step codes for this account",
        "code refused: too many wrong codes for this account",
    }


def test_mfa_account_limit_comes_from_the_environment(monkeypatch):
    with settings_from_env(monkeypatch, MFA_ACCOUNT_FAILURE_LIMIT="7", MFA_ACCOUNT_FAILURE_MINUTES="30") as base:
        assert (7, timedelta(minutes=30)) == (base.MFA_ACCOUNT_FAILURE_LIMIT, base.MFA_ACCOUNT_FAILURE_WINDOW)
