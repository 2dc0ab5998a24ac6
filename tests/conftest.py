"""Shared fixtures: a child with a care team and a family, and signed-in clients for each role.

Staff clients are signed in *and* past two-step verification (a confirmed TOTP device marked in
the session, as django_otp.login does), so tests reach pages rather than the MFA prompt.
"""

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import (
    AdminFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    EditorFactory,
    FamilyLinkFactory,
    FamilyUserFactory,
    PatientFactory,
)


def pytest_addoption(parser):
    parser.addoption(
        "--suite-pass",
        choices=("all", "parallel", "serial"),
        default="all",
        help="parallel: every test but those marked `serial` (for pytest-xdist); serial: only those; "
        "all (default): both. `make test` runs the two passes (scripts/test-suite).",
    )


def pytest_collection_modifyitems(config, items):
    """--suite-pass: keep the tests of one pass, report the others as deselected."""
    which = config.getoption("--suite-pass")
    if which == "all":
        return
    keep, drop = [], []
    for item in items:
        serial = item.get_closest_marker("serial") is not None
        (keep if serial == (which == "serial") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def signed_in_client(user, *, verified: bool = True) -> Client:
    client = Client()
    client.force_login(user)
    if verified and user.requires_mfa:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and kept page parts live in the caches; each test starts with none."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.fixture
def clinician(db, patient):
    """An oncologist on `patient`'s care team."""
    membership = CareTeamMembershipFactory(patient=patient)
    return membership.clinician


@pytest.fixture
def family_user(db, patient):
    """A parent linked to `patient`."""
    return FamilyLinkFactory(patient=patient).user


@pytest.fixture
def other_patient(db):
    """A second child with its own care team and parent; nobody above may see it."""
    child = PatientFactory()
    CareTeamMembershipFactory(patient=child)
    FamilyLinkFactory(patient=child)
    return child


@pytest.fixture
def outsider_clinician(db):
    return ClinicianFactory()


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def site_admin(db):
    return AdminFactory()


@pytest.fixture
def clinician_client(clinician):
    return signed_in_client(clinician)


@pytest.fixture
def family_client(family_user):
    return signed_in_client(family_user)


@pytest.fixture
def outsider_client(outsider_clinician):
    return signed_in_client(outsider_clinician)


@pytest.fixture
def editor_client(editor):
    return signed_in_client(editor)


@pytest.fixture
def admin_client_verified(site_admin):
    return signed_in_client(site_admin)


@pytest.fixture
def make_family_user(db):
    return FamilyUserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the whole suite, before the test database goes: the audit trail's hash chain still holds."""
    yield
    from django.db import connections

    # The fault tests restart PostgreSQL: a connection opened before that is gone; open a fresh one.
    connections.close_all()
    with django_db_blocker.unblock():
        call_command("verify_audit", verbosity=0)


def forget_kept_pages() -> None:
    """Drop the kept page parts and access decisions (patients.page_cache), so the next request builds."""
    from django.core.cache import caches

    caches["pages"].clear()
