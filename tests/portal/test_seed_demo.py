"""seed_demo: invented data, the same on every run, fast at 10,000 children, clear about demo MFA."""

import hashlib
import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from education.models import FamilyQuestion, PageShare
from patients.late_effects.models import CarePlan, FollowUpItem
from patients.models import (
    ChemoAdministration,
    Diagnosis,
    ExposureRecord,
    ManualTreatmentSummary,
    Patient,
    RiskAssessment,
    TimelineEntry,
    TreatmentPhase,
    TreatmentPlan,
)
from portal.accounts.models import RecoveryCodeDevice, User
from portal.care.access import visible_patients
from portal.care.models import CareTeamMembership, FamilyLink
from portal.management.commands import seed_demo as command
from portal.services import demo_data
from tests.clinical_reference import ensure_clinical_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference_data(db):
    ensure_clinical_reference_data()


def run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--allow-without-debug", *args, stdout=out)
    return out.getvalue()


def _rows(queryset) -> list:
    return sorted(queryset, key=repr)  # rows with None (open dates) do not compare with <


def fingerprint() -> tuple[dict, str]:
    rows = {
        "users": sorted(
            User.objects.values_list(
                "email", "first_name", "last_name", "role", "discipline", "is_staff", "is_superuser", "is_active"
            )
        ),
        "patients": sorted(
            Patient.objects.values_list(
                "mrn", "given_name", "family_name", "date_of_birth", "sex", "preferred_language", "status", "version"
            )
        ),
        "teams": sorted(
            CareTeamMembership.objects.values_list("patient__mrn", "clinician__email", "team_role", "active")
        ),
        "links": sorted(
            FamilyLink.objects.values_list(
                "user__email", "patient__mrn", "relationship", "access_level", "valid_from", "adult_consent_on"
            )
        ),
        "totp": sorted(TOTPDevice.objects.values_list("user__email", "name", "key", "confirmed")),
        "recovery": sorted(RecoveryCodeDevice.objects.values_list("user__email", "name", "codes__code_hash")),
        "passwords": sorted(User.objects.values_list("email", "password")),
        # Clinical step (patients.demo_clinical): everything but timestamps, which record when it ran.
        "diagnoses": _rows(
            Diagnosis.objects.values_list(
                "patient__mrn",
                "diagnosed_on",
                "lineage",
                "wbc_per_ul",
                "cns_status",
                "genetic_markers__code",
                "version",
            )
        ),
        "plans": _rows(TreatmentPlan.objects.values_list("patient__mrn", "protocol", "regimen", "arm", "version")),
        "phases": _rows(
            TreatmentPhase.objects.values_list(
                "patient__mrn", "key", "planned_start", "planned_end", "actual_start", "actual_end", "version"
            )
        ),
        "entries": _rows(
            TimelineEntry.objects.values_list(
                "patient__mrn", "kind", "occurred_on", "ends_on", "phase__key", "title", "subtype", "visibility"
            )
        ),
        "chemo": _rows(
            ChemoAdministration.objects.values_list(
                "entry__patient__mrn", "entry__occurred_on", "drug__code", "dose", "dose_unit", "doses", "bsa_m2"
            )
        ),
        "risk": _rows(RiskAssessment.objects.values_list("patient__mrn", "scheme", "group", "provisional", "decision")),
        "exposures": _rows(
            ExposureRecord.objects.values_list("patient__mrn", "anthracycline_dox_eq_mg_m2", "therapy_end")
        ),
        "manual": _rows(ManualTreatmentSummary.objects.values_list("patient__mrn", "therapy_end", "version")),
        "care_plans": _rows(CarePlan.objects.values_list("patient__mrn", "released_to_family")),
        "follow_ups": _rows(FollowUpItem.objects.values_list("patient__mrn", "slot", "due_on", "status", "visibility")),
        "questions": _rows(FamilyQuestion.objects.values_list("patient__mrn", "text", "answered_at")),
        "shares": _rows(PageShare.objects.values_list("patient__mrn", "page__slug", "message")),
    }
    counts = {name: len(values) for name, values in rows.items()}
    return counts, hashlib.sha256(repr(rows).encode()).hexdigest()


def test_running_twice_gives_the_same_data():
    run("--patients", "40")
    first = fingerprint()
    run("--patients", "40")
    assert fingerprint() == first
    assert first[0]["patients"] == 41
    assert first[0]["diagnoses"] >= 9 and first[0]["entries"] > 300 and first[0]["follow_ups"] > 10


def test_seed_decides_the_data_not_the_run(django_db_blocker):
    run("--patients", "5")
    five = sorted(Patient.objects.values_list("mrn", "given_name", "family_name", "status"))
    run("--patients", "8")  # more children never change the first ones
    assert (
        sorted(
            Patient.objects.filter(mrn__in=[m for m, *_ in five]).values_list(
                "mrn", "given_name", "family_name", "status"
            )
        )
        == five
    )


def test_named_accounts_and_the_family_child():
    output = run("--patients", "10", "--password", "another-demo-pass")
    admin = User.objects.get(email="admin@example.org")
    assert (admin.role, admin.is_superuser, admin.is_staff) == ("admin", True, True)
    clinician = User.objects.get(email="clinician@example.org")
    assert (clinician.role, clinician.discipline) == ("clinician", "oncologist")
    assert User.objects.get(email="editor@example.org").role == "editor"
    family = User.objects.get(email="family@example.org")
    assert family.role == "family"
    assert list(visible_patients(family).values_list("mrn", flat=True)) == [demo_data.FAMILY_CHILD_MRN]
    for user in (admin, clinician, family):
        assert check_password("another-demo-pass", user.password)
    # clinician@example.org has a worklist including the family's child
    assert visible_patients(clinician).filter(mrn=demo_data.FAMILY_CHILD_MRN).exists()
    assert visible_patients(clinician).count() == 11
    # every child has a care team and at least one family member
    assert not Patient.objects.filter(care_team__isnull=True).exists()
    assert not Patient.objects.filter(family_links__isnull=True).exists()
    # pool accounts cannot sign in
    pool = User.objects.filter(email__startswith="demo.")
    assert pool.count() == 24 and not any(u.has_usable_password() for u in pool)
    for text in ("admin@example.org", "clinician@example.org", "editor@example.org", "family@example.org"):
        assert text in output
    assert "another-demo-pass" in output and "http://127.0.0.1:8000" in output


def test_password_change_on_rerun():
    run("--patients", "0")
    run("--patients", "0", "--password", "changed-password-1")
    assert check_password("changed-password-1", User.objects.get(email="family@example.org").password)


def test_demo_staff_can_pass_two_step_verification_and_the_output_says_how():
    output = run("--patients", "0")
    assert demo_data.demo_totp_secret_base32() in output
    assert "seed_demo --totp-code" in output
    for code in demo_data.DEMO_RECOVERY_CODES:
        assert code in output
    for email in ("admin@example.org", "clinician@example.org", "editor@example.org"):
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        assert device.verify_token(demo_data.current_demo_code())
        recovery = RecoveryCodeDevice.objects.get(user__email=email)
        assert recovery.verify_token(demo_data.DEMO_RECOVERY_CODES[0])
    assert not TOTPDevice.objects.filter(user__email="family@example.org").exists()
    run("--patients", "0")  # used recovery codes come back
    assert RecoveryCodeDevice.objects.get(user__email="admin@example.org").codes.count() == 5

    out = io.StringIO()
    call_command("seed_demo", "--totp-code", stdout=out)
    assert out.getvalue().strip() == demo_data.current_demo_code()


def test_refuses_without_debug_and_bad_input():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--patients"):
        run("--patients", "-1")
    with pytest.raises(CommandError, match="--password"):
        run("--password", "short")
    assert not User.objects.exists()


def test_follow_up_hooks_run_registered_commands_and_steps(monkeypatch):
    seen = []
    monkeypatch.setattr(command, "FOLLOW_UP_COMMANDS", [("no_such_command_yet", {}), ("check", {})])
    monkeypatch.setattr(command, "FOLLOW_UP_STEPS", [lambda result, options, stdout: seen.append(result)])
    output = run("--patients", "3")
    assert "Running check" in output and "no_such_command_yet" not in output
    assert len(seen[0].patient_ids) == 4


def _count_queries(*args) -> tuple[int, str]:
    """Queries one seed_demo run makes (no cap, unlike the test client's query log)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        output = run(*args)
    return count, output


def test_writes_are_bulk_so_ten_thousand_children_stay_fast():
    """Growing the demo by 360 more children costs no more queries: rows go in with bulk writes.

    (The clinical step writes a bounded number of full records through the real services,
    whatever --patients is.) The speed target itself, 10,000 children in under a minute, is a
    benchmark: benchmarks/test_data_paths.py::test_seed_demo_10000_patients (`make bench`).
    """
    run("--patients", "40")  # first run: accounts, reference data and the bounded clinical records
    small, _ = _count_queries("--patients", "80")  # 40 more children, their care teams and families
    large, _ = _count_queries("--patients", "440")  # 360 more
    assert Patient.objects.count() == 441
    assert large <= small + 20, (small, large)


def test_the_bulk_steps_draw_a_progress_line_on_stderr(monkeypatch):
    monkeypatch.setattr(demo_data, "BATCH", 10)
    err = io.StringIO()
    call_command("seed_demo", "--allow-without-debug", "--patients", "25", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()  # not a terminal: one line per finished step
    assert [line.split()[0] for line in lines] == ["accounts", "children", "care", "named", "team", "team", "family"]
    assert lines[1] == f"children      [{'#' * 30}]      26/26"


def test_on_a_terminal_the_progress_line_is_redrawn_in_place():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    progress = command.ProgressLine(OutputWrapper(out))
    for done in (40_000, 80_000, 100_000):
        progress("children", done, 100_000)
    drawn = out.getvalue().split("\r")[1:]
    assert [d.count("#") for d in drawn] == [12, 24, 30]
    assert drawn[0].endswith("40000/100000") and drawn[-1].endswith("100000/100000\n")


def test_the_demo_has_named_teams_and_the_family_page_says_who_to_call():
    from django.urls import reverse

    from portal.care.models import CareTeam, CareTeamChild
    from tests.conftest import signed_in_client

    run("--patients", "35")
    leukaemia = CareTeam.objects.get(name="Leukaemia team")
    assert set(leukaemia.members.values_list("clinician__email", flat=True)) >= {"clinician@example.org"}
    assert leukaemia.members.count() == 2 and leukaemia.contact_phone and leukaemia.contact_email
    child = Patient.objects.get(mrn=demo_data.FAMILY_CHILD_MRN)
    assert CareTeamChild.objects.filter(team=leukaemia, patient=child).exists()
    assert not Patient.objects.filter(team_assignments__isnull=True).exists()  # every child has a named team
    page = signed_in_client(User.objects.get(email="family@example.org")).get(
        reverse("patients:family_child", kwargs={"patient_id": child.pk})
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Who to call" in html
    assert "Leukaemia nurses" in html and leukaemia.contact_phone in html
    assert "Follow-up clinic nurses" not in html
