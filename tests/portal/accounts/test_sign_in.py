"""Sign-in by email and password, per role; wrong passwords, lockout, password reset and change."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, make_password
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from portal.care.models import AuditAction, AuditEvent
from tests.conftest import signed_in_client
from tests.factories import AdminFactory, ClinicianFactory, EditorFactory, FamilyLinkFactory, PatientFactory
from tests.portal.accounts.sign_in_helpers import PASSWORD, enrolled_device, is_signed_in, post_sign_in

pytestmark = pytest.mark.django_db

STAFF_FACTORIES = {"clinician": ClinicianFactory, "editor": EditorFactory, "admin": AdminFactory}
# A page each role would normally land on after sign-in.
STAFF_PAGES = {"clinician": "/patients/", "editor": "/notifications/", "admin": "/admin/"}


def test_family_signs_in_without_second_step_and_lands_on_their_child():
    link = FamilyLinkFactory()
    client = Client()
    response = post_sign_in(client, link.user.email)
    assert response.status_code == 302
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("patients:family_child", kwargs={"patient_id": link.patient_id})
    assert is_signed_in(client)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.user == link.user
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("role", sorted(STAFF_FACTORIES))
def test_staff_without_authenticator_are_sent_to_enrolment_before_any_page(role):
    user = STAFF_FACTORIES[role]()
    client = Client()
    post_sign_in(client, user.email)
    assert is_signed_in(client)
    for page in (STAFF_PAGES[role], "/notifications/", reverse("portal:account"), reverse("portal:security")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith(reverse("portal:mfa_setup")), page


@pytest.mark.parametrize("role", sorted(STAFF_FACTORIES))
def test_staff_with_authenticator_must_verify_before_any_page(role):
    user = STAFF_FACTORIES[role]()
    enrolled_device(user)
    client = Client()
    response = post_sign_in(client, user.email, next_url=STAFF_PAGES[role])
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == f"{reverse('portal:mfa_verify')}?next={STAFF_PAGES[role].replace('/', '%2F')}"
    # The API says so too, instead of a redirect.
    api = client.get("/api/patients/")
    assert api.status_code == 403
    assert api.json()["detail"] == "Two-step verification required."


def test_verified_staff_reach_their_pages(clinician_client, editor_client, admin_client_verified):
    assert clinician_client.get("/patients/").status_code == 200
    assert editor_client.get("/notifications/").status_code == 200
    assert admin_client_verified.get("/admin/").status_code == 200


def test_email_is_case_insensitive():
    FamilyLinkFactory(user__email="ana.lopez@example.org")
    client = Client()
    response = post_sign_in(client, "  Ana.Lopez@EXAMPLE.org ")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_wrong_password_is_refused_and_recorded():
    link = FamilyLinkFactory()
    client = Client()
    response = post_sign_in(client, link.user.email.upper(), password="wrong-password-123")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert not is_signed_in(client)
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.user is None
    assert failed.user_email == link.user.email
    assert "wrong-password" not in str(failed.__dict__)


def test_sign_out_is_post_only_and_recorded(family_client, family_user):
    assert family_client.get(reverse("portal:logout")).status_code == 405
    response = family_client.post(reverse("portal:logout"))
    assert response.url == reverse("portal:login")
    assert not is_signed_in(family_client)
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, user=family_user).count() == 1


# --- Lockout (django-axes: per account from any address; a per-address throttle; cool-off) ----------


@override_settings(AXES_FAILURE_LIMIT=5, AXES_COOLOFF_BASE=timedelta(minutes=30), AXES_COOLOFF_FACTOR=1)
def test_lockout_after_repeated_failures_until_cool_off_passes():
    user = FamilyLinkFactory().user
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Case variants of the same email count against the same account.
        for attempt, typed in enumerate([user.email, user.email.upper(), user.email, user.email.title()], start=1):
            response = post_sign_in(client, typed, password=f"wrong-{attempt}")
            assert response.status_code == 200
        response = post_sign_in(client, user.email, password="wrong-5")
        assert response.status_code == 429
        page = response.content.decode()
        assert "Sign-in temporarily locked" in page
        assert "30 minutes" in page
        assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, user_email=user.email).exists()

        # The right password does not help while locked.
        clock.shift(timedelta(minutes=10))
        response = post_sign_in(client, user.email)
        assert response.status_code == 429
        assert not is_signed_in(client)
        refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, user_email=user.email).first()
        assert refused.detail == "locked out"
        assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()

        # The lock is the account's, whatever the address.
        assert post_sign_in(Client(REMOTE_ADDR="10.1.2.3"), user.email).status_code == 429

        clock.shift(timedelta(minutes=29))
        assert post_sign_in(client, user.email).status_code == 429  # still within 30 min of the last attempt
        clock.shift(timedelta(minutes=31))
        response = post_sign_in(client, user.email)
        assert response.status_code == 302
        assert is_signed_in(client)


def neutral(html: str, email: str) -> str:
    """A page without what differs between any two requests (the CSRF token) or what was typed."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", html)
    html = re.sub(r'"csrfToken": "[^"]*"', "CSRF", html)  # the passkey script's configuration
    return html.replace(email, "EMAIL")


@override_settings(AXES_FAILURE_LIMIT=5, SIGN_IN_IP_FAILURE_LIMIT=1000)
def test_distributed_guessing_locks_the_account_not_just_the_address():
    """Issue 13, finding 2: five wrong passwords from each of three addresses, then the right one from a fourth."""
    user = FamilyLinkFactory().user
    for n, address in enumerate(["10.0.0.1", "10.0.0.2", "10.0.0.3"]):
        guesser = Client(REMOTE_ADDR=address)
        for attempt in range(5):
            post_sign_in(guesser, user.email, password=f"wrong-{n}-{attempt}")
    fourth = Client(REMOTE_ADDR="10.0.0.4")
    assert post_sign_in(fourth, user.email).status_code == 429
    assert not is_signed_in(fourth)


@override_settings(AXES_FAILURE_LIMIT=5)
def test_failures_spread_below_the_limit_per_address_still_add_up():
    user = FamilyLinkFactory().user
    for n in range(5):  # one wrong password each from five addresses
        post_sign_in(Client(REMOTE_ADDR=f"10.0.1.{n}"), user.email, password=f"wrong-{n}")
    assert post_sign_in(Client(REMOTE_ADDR="10.0.1.99"), user.email).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5, SIGN_IN_IP_FAILURE_LIMIT=8, AXES_COOLOFF_BASE=timedelta(minutes=30))
def test_one_address_spraying_many_accounts_is_throttled_until_the_cool_off():
    victim = FamilyLinkFactory().user
    sprayer = Client(REMOTE_ADDR="10.9.9.9")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        guesses = [post_sign_in(sprayer, f"someone{n}@example.org", password="Summer2026!") for n in range(8)]
        # One guess per account, so no account reaches its own limit; the eighth failure locks the address.
        assert [r.status_code for r in guesses] == [200] * 7 + [429]
        assert post_sign_in(sprayer, victim.email).status_code == 429
        assert not is_signed_in(sprayer)
        # Other addresses are not affected, and the account itself is not locked.
        assert post_sign_in(Client(REMOTE_ADDR="10.9.9.10"), victim.email).status_code == 302
        clock.shift(timedelta(minutes=31))
        assert post_sign_in(sprayer, victim.email).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_looks_the_same_for_an_existing_and_an_unknown_account():
    user = FamilyLinkFactory().user
    answers = []
    for email in (user.email, "nobody-here@example.org"):
        client = Client()
        seen = [post_sign_in(client, email, password=f"wrong-{n}") for n in range(4)]
        answers.append([(r.status_code, neutral(r.content.decode(), email)) for r in seen])
    assert [status for status, _ in answers[0]] == [200, 200, 429, 429]
    assert answers[0] == answers[1]


def locked_out_family():
    """A family account locked after five wrong passwords, and the browser that typed them."""
    user = FamilyLinkFactory().user
    client = Client()
    for attempt in range(5):
        post_sign_in(client, user.email, password=f"wrong-{attempt}")
    assert post_sign_in(client, user.email).status_code == 429
    return user, client


def test_admin_unlocks_an_account_with_the_documented_command():
    from django.core.management import call_command

    user, client = locked_out_family()
    call_command("axes_reset_username", user.email, stdout=io.StringIO())
    assert post_sign_in(client, user.email).status_code == 302


# --- Password reset and change -----------------------------------------------------------------------------


def test_password_reset_by_email_without_health_details():
    patient = PatientFactory(given_name="Zoltan", family_name="Quixote", mrn="MRN7788")
    link = FamilyLinkFactory(patient=patient)
    client = Client()
    response = client.post(reverse("portal:password_reset"), {"email": link.user.email.upper()})
    assert response.url == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [link.user.email]
    for detail in ("Zoltan", "Quixote", "MRN7788", "leukemia", "diagnos"):
        assert detail not in message.subject + message.body
    requested = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (requested.user_email, requested.detail) == (link.user.email, "requested")

    link_line = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    path = link_line.split("testserver", 1)[1]
    response = client.get(path)  # Django swaps the token into the session and redirects
    response = client.post(
        response.url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )
    assert response.url == reverse("portal:password_reset_complete")
    completed = AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, user=link.user).get()
    assert completed.detail == "completed"
    assert post_sign_in(Client(), link.user.email, password="a-brand-new-passphrase").status_code == 302
    assert post_sign_in(Client(), link.user.email).status_code == 200  # the old one is gone


def test_password_reset_for_unknown_email_looks_the_same_and_sends_nothing():
    response = Client().post(reverse("portal:password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("portal:password_reset_done")
    assert mail.outbox == []


def test_password_reset_lifts_a_lockout():
    user, client = locked_out_family()
    client.post(reverse("portal:password_reset"), {"email": user.email})
    path = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).split("testserver", 1)[1]
    response = client.get(path)
    client.post(response.url, {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"})
    assert post_sign_in(client, user.email, password="another-long-passphrase").status_code == 302


def test_login_page_links_password_reset():
    page = Client().get(reverse("portal:login")).content.decode()
    assert reverse("portal:password_reset") in page


def test_password_change_is_recorded(family_client, family_user):
    response = family_client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "changed-passphrase-1", "new_password2": "changed-passphrase-1"},
    )
    assert response.url == reverse("portal:security")
    assert is_signed_in(family_client)  # the session survives its own password change
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, user=family_user, detail="changed").exists()
    family_user.refresh_from_db()
    assert family_user.check_password("changed-passphrase-1")


def test_password_change_refuses_a_short_password(family_client, family_user):
    response = family_client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    family_user.refresh_from_db()
    assert family_user.check_password(PASSWORD)


def test_base_settings_hash_passwords_with_argon2():
    from portal.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        encoded = make_password("a-long-passphrase")
        assert encoded.startswith("argon2$argon2id$")
        assert check_password("a-long-passphrase", encoded)


# --- The Django admin signs in through our page -------------------------------------------------------------


def test_admin_login_goes_through_portal_sign_in():
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('portal:login')}?next=%2Fadmin%2F"
    assert response.templates[0].name == "registration/login.html"


def test_admin_needs_the_second_step(site_admin):
    client = signed_in_client(site_admin, verified=False)
    response = client.get("/admin/portal/user/")
    assert response.url.startswith(reverse("portal:mfa_setup"))


def test_signed_in_non_staff_get_forbidden_rather_than_a_loop(family_client):
    assert family_client.get("/admin/login/?next=/admin/").status_code == 403


# --- Preferred language --------------------------------------------------------------------------------------


def test_sign_in_switches_to_preferred_language():
    user = FamilyLinkFactory(user__preferred_language="es").user
    client = Client()
    response = post_sign_in(client, user.email)
    assert response.cookies["django_language"].value == "es"


def test_verified_admin_visiting_admin_login_goes_to_the_admin(admin_client_verified):
    response = admin_client_verified.get("/admin/login/?next=/admin/portal/")
    assert response.url == "/admin/portal/"


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("portal:login", "Sign in"),
        ("portal:password_reset", "Reset your password"),
        ("portal:password_reset_done", "Check your email"),
        ("portal:password_reset_complete", "Your password has been changed"),
    ],
)
def test_account_pages_render_with_one_h1(url_name, heading):
    page = Client().get(reverse(url_name)).content.decode()
    assert page.count("<h1") == 1
    assert f">{heading}</h1>" in page


def test_password_reset_link_expires_and_works_once():
    user = FamilyLinkFactory().user
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(reverse("portal:password_reset"), {"email": user.email})
        body = mail.outbox[0].body
        assert "expires after 2 hours" in body
        path = next(line for line in body.splitlines() if "/reset/" in line).split("testserver", 1)[1]
        clock.shift(timedelta(hours=2, minutes=1))
        response = Client().get(path, follow=True)
        assert "This link no longer works" in response.content.decode()
        clock.shift(timedelta(hours=-1))
        response = client.get(path)
        client.post(response.url, {"new_password1": "fresh-passphrase-22", "new_password2": "fresh-passphrase-22"})
        response = Client().get(path, follow=True)
        assert "This link no longer works" in response.content.decode()


def test_password_change_page_is_ours(family_client):
    response = family_client.get(reverse("portal:password_change"))
    assert response.templates[0].name == "portal/password_change_form.html"
    assert ">Change your password</h1>" in response.content.decode()


def reset_page(client, email):
    response = client.post(reverse("portal:password_reset"), {"email": email}, follow=True)
    return response.status_code, response.redirect_chain, neutral(response.content.decode(), email)


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=2, PASSWORD_RESET_LIMIT_PER_IP=100)
def test_password_reset_is_limited_per_account_with_the_same_page_and_no_more_email():
    user = FamilyLinkFactory().user
    with time_machine.travel(timezone.now(), tick=False) as clock:
        pages = [reset_page(Client(REMOTE_ADDR=f"10.2.0.{n}"), user.email) for n in range(4)]
        assert len(mail.outbox) == 2
        assert all(page == pages[0] for page in pages)
        assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, detail="rate limited").count() == 2
        clock.shift(timedelta(minutes=61))  # the window (PASSWORD_RESET_LIMIT_WINDOW, 60 min) has passed
        reset_page(Client(), user.email)
        assert len(mail.outbox) == 3


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=100, PASSWORD_RESET_LIMIT_PER_IP=3)
def test_password_reset_is_limited_per_address():
    users = [FamilyLinkFactory().user for _ in range(5)]
    client = Client(REMOTE_ADDR="10.3.0.1")
    for user in users:
        reset_page(client, user.email)
    assert [m.to for m in mail.outbox] == [[u.email] for u in users[:3]]
    reset_page(Client(REMOTE_ADDR="10.3.0.2"), users[4].email)
    assert mail.outbox[-1].to == [users[4].email]


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=1, PASSWORD_RESET_LIMIT_PER_IP=100)
def test_password_reset_answers_alike_for_existing_and_unknown_accounts_within_and_beyond_the_limit():
    user = FamilyLinkFactory().user
    known = [reset_page(Client(), user.email) for _ in range(2)]
    unknown = [reset_page(Client(), "nobody-here@example.org") for _ in range(2)]
    assert known == unknown
    assert len(mail.outbox) == 1
