"""Sign-in by email and password, per role; wrong passwords, lockout, password reset and change."""

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


# --- Lockout (django-axes, per user + IP, with cool-off) -----------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=5, AXES_COOLOFF_TIME=timedelta(minutes=30))
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

        # Another address is a different (user, IP) pair.
        other_ip = Client(REMOTE_ADDR="10.1.2.3")
        assert post_sign_in(other_ip, user.email).status_code == 302

        clock.shift(timedelta(minutes=29))
        assert post_sign_in(client, user.email).status_code == 429  # still within 30 min of the last attempt
        clock.shift(timedelta(minutes=31))
        response = post_sign_in(client, user.email)
        assert response.status_code == 302
        assert is_signed_in(client)


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
    user = FamilyLinkFactory().user
    client = Client()
    for attempt in range(5):
        post_sign_in(client, user.email, password=f"wrong-{attempt}")
    assert post_sign_in(client, user.email).status_code == 429
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
