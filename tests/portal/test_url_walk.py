"""THE URL walker: every URL of the project, as people who must not see a child, must not show it.

Every URL pattern (found through django.urls.get_resolver, recursively through includes) is
requested with GET and with POST by

* a family member of ANOTHER child, and
* a clinician on another child's care team (not the target's),

both signed in and past two-step verification. Kwargs are filled from the target child:
`patient_id` is the child's id; other `<model>_id` / `pk` kwargs are ids of that child's objects
when the model can be guessed (by name, or from the view's queryset), else 1.

Asserted for every response:
* no trace of the target child (MRN, given or family name) in the body or a redirect target;
* a URL naming the child (patient_id, or an object of the child) answers 404. A 405 is accepted
  only when the same request for a child that does not exist gets the same 405 (the method is
  refused before any id is looked at, so it reveals nothing);
* no redirect to sign-in or two-step verification (these users are signed in and verified:
  such a redirect would mean the page was never really tested);
* the admin (staff only) answers 302 to the admin sign-in or 403.

The patterns found must be exactly the routes listed below (SITE_ROUTES, and ADMIN_MODELS with the
admin's standard pages each): a route added without being listed, or listed but gone, fails
test_walk_covers_every_pattern_but_the_listed_exclusions, so a new URL gets looked at.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Patient
from portal.care import audit
from portal.care.models import Notification
from tests.factories import (
    BreakGlassGrantFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    FamilyLinkFactory,
    PatientFactory,
)

TARGET = {"mrn": "TGT-424242", "given_name": "Zephyrine", "family_name": "Quillfeatherby"}
MISSING_ID = 987_654_321

# Only what provably holds no patient data, each with its reason.
EXCLUDED = {
    "portal:logout": "ends the session and renders nothing; walking it would sign the walker out",
    "admin:logout": "ends the session and renders nothing; walking it would sign the walker out",
    "admin:login": "the admin sign-in form itself (static form, no data); all other admin URLs are walked",
    "api-schema": "OpenAPI document generated from code; reads no rows",
    "api-docs": "Swagger UI page that loads api-schema; reads no rows",
}
EXCLUDED_PREFIXES = {
    "/static/": "static files (not URL patterns unless DEBUG serves them)",
}


# --- The routes that exist -----------------------------------------------------------------------

# (namespaced name, pattern) of every route but the admin's standard per-model pages.
SITE_ROUTES = (
    ("portal:home", ""),
    ("portal:login", "accounts/login/"),
    ("portal:logout", "accounts/logout/"),
    ("portal:password_reset", "accounts/password/reset/"),
    ("portal:password_reset_done", "accounts/password/reset/sent/"),
    ("portal:password_reset_confirm", "accounts/password/reset/<uidb64>/<token>/"),
    ("portal:password_reset_complete", "accounts/password/reset/done/"),
    ("portal:password_change", "accounts/password/change/"),
    ("portal:unlock", "accounts/unlock/"),
    ("portal:unlock_sent", "accounts/unlock/sent/"),
    ("portal:unlock_confirm", "accounts/unlock/<str:token>/"),
    ("portal:mfa_setup", "accounts/mfa/setup/"),
    ("portal:mfa_verify", "accounts/mfa/verify/"),
    ("portal:mfa_recovery_codes", "accounts/mfa/recovery-codes/"),
    ("portal:mfa_disable", "accounts/mfa/disable/"),
    ("portal:account", "accounts/settings/"),
    ("portal:security", "accounts/security/"),
    ("portal:passkey_remove", "accounts/passkeys/<int:passkey_id>/remove/"),
    ("otp_webauthn:credential-registration-begin", "accounts/passkeys/registration/begin/"),
    ("otp_webauthn:credential-registration-complete", "accounts/passkeys/registration/complete/"),
    ("otp_webauthn:credential-authentication-begin", "accounts/passkeys/authentication/begin/"),
    ("otp_webauthn:credential-authentication-complete", "accounts/passkeys/authentication/complete/"),
    ("otp_webauthn:js-i18n-catalog", "accounts/passkeys/jsi18n/"),
    ("portal:notifications", "notifications/"),
    ("portal:notification_open", "notifications/<int:notification_id>/"),
    ("healthz", "healthz"),
    ("favicon", "favicon.ico"),
    ("set_language", "i18n/setlang/"),
    ("admin_login_redirect", "admin/login/"),
    ("admin:index", "admin/"),
    ("admin:login", "admin/login/"),
    ("admin:logout", "admin/logout/"),
    ("admin:password_change", "admin/password_change/"),
    ("admin:password_change_done", "admin/password_change/done/"),
    ("admin:autocomplete", "admin/autocomplete/"),
    ("admin:jsi18n", "admin/jsi18n/"),
    ("admin:view_on_site", "admin/r/<path:content_type_id>/<path:object_id>/"),
    ("admin:auth_user_password_change", "admin/accounts/user/<id>/password/"),
    ("admin:care_auditevent_export", "admin/care/auditevent/export.csv"),
    (
        "admin:app_list",
        "admin/^(?P<app_label>auth|django_celery_beat|axes|patients|late_effects|reminders|fhir|education|accounts|care)/$",
    ),
    (None, "admin/(?P<url>.*)$"),
    ("api-schema", "api/schema/"),
    ("api-docs", "api/docs/"),
    ("api-patient-list", "api/patients/"),
    ("api-patient-detail", "api/patients/<int:patient_id>/"),
    ("api-follow-up-list", "api/patients/<int:patient_id>/follow-ups/"),
    ("api-follow-up-detail", "api/patients/<int:patient_id>/follow-ups/<int:pk>/"),
    ("api-follow-up-complete", "api/patients/<int:patient_id>/follow-ups/<int:pk>/complete/"),
    ("api-follow-up-close", "api/patients/<int:patient_id>/follow-ups/<int:pk>/close/"),
    ("api-diagnosis", "api/patients/<int:patient_id>/diagnosis/"),
    ("api-treatment-plan", "api/patients/<int:patient_id>/treatment-plan/"),
    ("api-manual-summary", "api/patients/<int:patient_id>/manual-summary/"),
    ("api-exposures", "api/patients/<int:patient_id>/exposures/"),
    ("api-risk-list", "api/patients/<int:patient_id>/risk/"),
    ("api-risk-detail", "api/patients/<int:patient_id>/risk/<int:assessment_id>/"),
    ("api-risk-decision", "api/patients/<int:patient_id>/risk/<int:assessment_id>/decision/"),
    ("api-phase-list", "api/patients/<int:patient_id>/phases/"),
    ("api-phase-detail", "api/patients/<int:patient_id>/phases/<int:phase_id>/"),
    ("api-timeline-list", "api/patients/<int:patient_id>/timeline/"),
    ("api-timeline-detail", "api/patients/<int:patient_id>/timeline/<int:entry_id>/"),
    ("v1:api-patient-list", "api/v1/patients/"),
    ("v1:api-patient-detail", "api/v1/patients/<int:patient_id>/"),
    ("v1:api-follow-up-list", "api/v1/patients/<int:patient_id>/follow-ups/"),
    ("v1:api-follow-up-detail", "api/v1/patients/<int:patient_id>/follow-ups/<int:pk>/"),
    ("v1:api-follow-up-complete", "api/v1/patients/<int:patient_id>/follow-ups/<int:pk>/complete/"),
    ("v1:api-follow-up-close", "api/v1/patients/<int:patient_id>/follow-ups/<int:pk>/close/"),
    ("v1:api-diagnosis", "api/v1/patients/<int:patient_id>/diagnosis/"),
    ("v1:api-treatment-plan", "api/v1/patients/<int:patient_id>/treatment-plan/"),
    ("v1:api-manual-summary", "api/v1/patients/<int:patient_id>/manual-summary/"),
    ("v1:api-exposures", "api/v1/patients/<int:patient_id>/exposures/"),
    ("v1:api-risk-list", "api/v1/patients/<int:patient_id>/risk/"),
    ("v1:api-risk-detail", "api/v1/patients/<int:patient_id>/risk/<int:assessment_id>/"),
    ("v1:api-risk-decision", "api/v1/patients/<int:patient_id>/risk/<int:assessment_id>/decision/"),
    ("v1:api-phase-list", "api/v1/patients/<int:patient_id>/phases/"),
    ("v1:api-phase-detail", "api/v1/patients/<int:patient_id>/phases/<int:phase_id>/"),
    ("v1:api-timeline-list", "api/v1/patients/<int:patient_id>/timeline/"),
    ("v1:api-timeline-detail", "api/v1/patients/<int:patient_id>/timeline/<int:entry_id>/"),
    ("v1:api-care-plan", "api/v1/patients/<int:patient_id>/care-plan/"),
    ("v1:api-mrd-list", "api/v1/patients/<int:patient_id>/mrd/"),
    ("v1:api-mrd-detail", "api/v1/patients/<int:patient_id>/mrd/<int:entry_id>/"),
    ("v1:api-reminder-list", "api/v1/patients/<int:patient_id>/reminders/"),
    ("v1:api-reminder-detail", "api/v1/patients/<int:patient_id>/reminders/<int:reminder_id>/"),
    ("v1:api-education-page-list", "api/v1/education/pages/"),
    ("v1:api-education-page-detail", "api/v1/education/pages/<int:page_id>/"),
    ("v1:api-question-list", "api/v1/patients/<int:patient_id>/questions/"),
    ("v1:api-question-detail", "api/v1/patients/<int:patient_id>/questions/<int:question_id>/"),
    ("v1:api-question-answered", "api/v1/patients/<int:patient_id>/questions/<int:question_id>/answered/"),
    ("portal:api_token_create", "accounts/api-tokens/"),
    ("portal:api_token_revoke", "accounts/api-tokens/<int:token_id>/revoke/"),
    ("fhir:patient_everything", "fhir/Patient/<int:patient_id>/$everything"),
    ("fhir:bundle_import", "fhir/Bundle"),
    ("fhir:passport_upload", "patients/<int:patient_id>/passport-import/"),
    ("patients:list", "patients/"),
    ("patients:create", "patients/new/"),
    ("patients:break_glass", "patients/emergency-access/"),
    ("patients:detail", "patients/<int:patient_id>/"),
    ("patients:edit", "patients/<int:patient_id>/edit/"),
    ("patients:diagnosis_edit", "patients/<int:patient_id>/diagnosis/"),
    ("patients:plan_edit", "patients/<int:patient_id>/plan/"),
    ("patients:phase_create", "patients/<int:patient_id>/phases/new/"),
    ("patients:phase_edit", "patients/<int:patient_id>/phases/<int:phase_id>/"),
    ("patients:phase_delete", "patients/<int:patient_id>/phases/<int:phase_id>/delete/"),
    ("patients:timeline", "patients/<int:patient_id>/timeline/"),
    ("patients:entry_release", "patients/<int:patient_id>/timeline/release/"),
    ("patients:entry_create", "patients/<int:patient_id>/timeline/new/<slug:kind>/"),
    ("patients:entry_edit", "patients/<int:patient_id>/timeline/<int:entry_id>/"),
    ("patients:entry_delete", "patients/<int:patient_id>/timeline/<int:entry_id>/delete/"),
    ("patients:risk_decide", "patients/<int:patient_id>/risk/<int:assessment_id>/decision/"),
    ("patients:manual_summary", "patients/<int:patient_id>/manual-summary/"),
    ("patients:treatment_summary", "patients/<int:patient_id>/treatment-summary/"),
    ("patients:treatment_summary_pdf", "patients/<int:patient_id>/treatment-summary.pdf"),
    ("patients:family_home", "family/"),
    ("patients:family_child", "family/children/<int:patient_id>/"),
    ("patients:family_timeline", "family/children/<int:patient_id>/timeline/"),
    ("patients:family_summary_pdf", "family/children/<int:patient_id>/summary.pdf"),
    ("patients:family_calendar_item", "family/children/<int:patient_id>/calendar/<slug:kind>/<int:item_id>.ics"),
    ("patients:family_access_log", "family/children/<int:patient_id>/access-log/"),
    ("patients:care_plan", "patients/<int:patient_id>/care-plan/"),
    ("patients:care_plan_recompute", "patients/<int:patient_id>/care-plan/recompute/"),
    ("patients:care_plan_release", "patients/<int:patient_id>/care-plan/release/"),
    ("patients:care_plan_item_complete", "patients/<int:patient_id>/care-plan/items/<int:item_id>/done/"),
    ("patients:care_plan_item_close", "patients/<int:patient_id>/care-plan/items/<int:item_id>/close/"),
    ("patients:family_follow_ups", "family/children/<int:patient_id>/follow-ups/"),
    ("patients:reminder_settings", "account/reminders/"),
    ("patients:calendar_feed", "calendar/<str:token>.ics"),
    ("education:library", "learn/"),
    ("education:for_you", "learn/for-you/<int:patient_id>/"),
    ("education:shared_page", "learn/shared/<int:share_id>/"),
    ("education:page", "learn/<str:language>/<slug:slug>/"),
    ("education:page_print", "learn/<str:language>/<slug:slug>/print/"),
    ("education:questions", "family/children/<int:patient_id>/questions/"),
    ("education:question_answered", "family/children/<int:patient_id>/questions/<int:question_id>/answered/"),
    ("education:send_page", "patients/<int:patient_id>/send-page/"),
    ("education:record_questions", "patients/<int:patient_id>/family-questions/"),
    ("education:editor_dashboard", "editor/"),
    ("education:page_create", "editor/pages/new/"),
    ("education:editor_page", "editor/pages/<int:page_id>/"),
    ("education:page_edit", "editor/pages/<int:page_id>/edit/"),
    ("education:revision_edit", "editor/pages/<int:page_id>/revision/edit/"),
    ("education:page_history", "editor/pages/<int:page_id>/history/"),
    ("education:revision_diff", "editor/pages/<int:page_id>/revisions/<int:revision_id>/"),
    ("education:page_action", "editor/pages/<int:page_id>/<slug:action>/"),
)

# Every model registered in the admin ("app_label.model_name"); each has the pages of admin_pages().
ADMIN_MODELS = (
    "accounts.apitoken",
    "auth.group",
    "django_celery_beat.periodictask",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "accounts.user",
    "care.careteammembership",
    "care.careteam",
    "care.familylink",
    "care.breakglassgrant",
    "care.notification",
    "care.auditevent",
    "patients.patient",
    "patients.geneticmarker",
    "patients.predispositionsyndrome",
    "patients.drug",
    "patients.doselimit",
    "patients.cedformula",
    "patients.exposureruleset",
    "patients.riskschemeconfig",
    "patients.diagnosis",
    "patients.riskassessment",
    "patients.treatmentplan",
    "patients.treatmentphase",
    "patients.timelineentry",
    "patients.exposurerecord",
    "patients.manualtreatmentsummary",
    "fhir.passportimport",
    "late_effects.ruleset",
    "late_effects.followupitem",
    "reminders.reminder",
    "reminders.reminderpreference",
    "reminders.deliverylog",
    "reminders.careteamdigest",
    "reminders.calendarfeedtoken",
    "education.topic",
    "education.page",
    "education.pagerevision",
    "education.pageworkingcopy",
    "education.questionset",
    "education.pageshare",
    "education.familyquestion",
)


def admin_pages(app_model: str) -> set[tuple[str | None, str]]:
    """The (name, pattern) pairs the admin adds for one registered model."""
    app, model = app_model.split(".")
    base, name = f"admin/{app}/{model}/", f"admin:{app}_{model}"
    return {
        (f"{name}_changelist", base),
        (f"{name}_add", f"{base}add/"),
        (f"{name}_history", f"{base}<path:object_id>/history/"),
        (f"{name}_delete", f"{base}<path:object_id>/delete/"),
        (f"{name}_change", f"{base}<path:object_id>/change/"),
        (None, f"{base}<path:object_id>/"),  # the old change URL, redirecting to the new one
    }


EXPECTED_ROUTES = {*SITE_ROUTES}.union(*(admin_pages(m) for m in ADMIN_MODELS))


# --- Collecting the patterns ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the pattern text, prefixes joined (for messages and manual building)
    name: str | None  # namespaced name, for reverse()
    converters: tuple[tuple[str, type | None], ...]  # kwarg name -> converter class (None for regex)
    callback: object

    @property
    def kwarg_names(self) -> list[str]:
        return [name for name, _ in self.converters]

    @property
    def id(self) -> str:
        return self.name or self.route


def _converters(pattern) -> list[tuple[str, type | None]]:
    if hasattr(pattern, "converters") and pattern.converters:
        return [(name, type(conv)) for name, conv in pattern.converters.items()]
    regex = getattr(pattern, "regex", None)
    return [(name, None) for name in regex.groupindex] if regex is not None else []


def collect(patterns=None, prefix: str = "", namespace: str | None = None, converters=()) -> list[Route]:
    routes: list[Route] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = (*converters, *_converters(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes += collect(entry.url_patterns, prefix + str(entry.pattern), ns, here)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            routes.append(Route(prefix + str(entry.pattern), name, here, entry.callback))
    return routes


ROUTES = collect()


# --- Filling kwargs from the target child ----------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _model_for_kwarg(kwarg: str, callback) -> type[models.Model] | None:
    if kwarg == "patient_id":
        return Patient
    if kwarg == "pk":
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        queryset = getattr(view, "queryset", None)
        model = getattr(queryset, "model", None) or getattr(view, "model", None)
        return model
    if kwarg.endswith("_id"):
        wanted = kwarg[: -len("_id")]
        for model in apps.get_models():
            if wanted in (model._meta.model_name, _snake(model.__name__)):
                return model
    return None


def _path_to_patient(model, depth: int = 2) -> str | None:
    """The ORM path from `model` to Patient ("" for Patient itself), following FKs up to `depth` hops."""
    if model is Patient:
        return ""
    if depth == 0:
        return None
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey | models.OneToOneField) and not field.auto_created:
            if field.related_model is Patient:
                return field.name
            deeper = _path_to_patient(field.related_model, depth - 1)
            if deeper:
                return f"{field.name}__{deeper}"
    return None


def _child_object(model, child: Patient):
    """An object of `model` that belongs to `child`, or None."""
    path = _path_to_patient(model) if model is not None else None
    if path is None:
        return None
    if path == "":
        return child
    return model._default_manager.filter(**{path: child}).order_by("pk").first()


def fill_kwargs(route: Route, child: Patient, *, missing: bool = False) -> tuple[dict, bool]:
    """kwargs for the route, and whether any of them names the child or one of its objects."""
    kwargs, names_child = {}, False
    for name, converter in route.converters:
        model = _model_for_kwarg(name, route.callback)
        obj = _child_object(model, child) if model is not None else None
        if obj is not None:
            names_child = True
            value = MISSING_ID if missing else obj.pk
        elif name == "app_label":
            value = "care"
        elif name == "format":
            value = "json"
        elif converter is IntConverter or name == "pk" or name.endswith("_id"):
            value = 1
        else:
            value = "x"
        if converter is UUIDConverter and not isinstance(value, uuid.UUID):
            value = uuid.UUID(int=int(value) if str(value).isdigit() else 1)
        kwargs[name] = value
    return kwargs, names_child


def build_path(route: Route, kwargs: dict) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs or None)
    path = route.route
    for name, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        path = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


# --- People and data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _walk_data(django_db_setup, django_db_blocker):
    """The people and the child, made once for the module's ~1,700 tests (per test they cost most of
    its time) in a transaction rolled back after the module. Each test still runs in a savepoint of
    its own (the `db` fixture), so nothing one request changes reaches the next test."""
    with django_db_blocker.unblock(), transaction.atomic():
        child = PatientFactory(**TARGET, date_of_birth=timezone.localdate() - timedelta(days=9 * 365))
        member = CareTeamMembershipFactory(patient=child)
        FamilyLinkFactory(patient=child)
        BreakGlassGrantFactory(patient=child, expires_at=timezone.now() - timedelta(hours=1))
        Notification.objects.create(user=member.clinician, patient=child, kind="walk", title="A note")
        audit.record(member.clinician, "view", patient=child)
        other = PatientFactory(date_of_birth=timezone.localdate() - timedelta(days=6 * 365))
        family = FamilyLinkFactory(patient=other).user
        clinician = CareTeamMembershipFactory(patient=other, clinician=ClinicianFactory()).clinician
        yield child, {"other_family": family, "unrelated_clinician": clinician}
        transaction.set_rollback(True)


@pytest.fixture
def target_child(_walk_data, db):
    """The child nobody below may see, with objects of its own for the walker to name."""
    child, _ = _walk_data
    child.refresh_from_db()
    return child


@pytest.fixture
def walkers(_walk_data, db):
    """A family member of another child and a clinician on another child's team."""
    return _walk_data[1]


def client_for(user) -> Client:
    """A fresh signed-in client per request (a request may change the session), past MFA if required."""
    client = Client()
    client.force_login(user)
    if user.requires_mfa:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="walker", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _location_path(response) -> str:
    return response.get("Location", "").split("?", 1)[0]


def sign_in_paths() -> set[str]:
    return {reverse("portal:login"), reverse("portal:mfa_setup"), reverse("portal:mfa_verify")}


def check(route: Route, method: str, user, child: Patient) -> list[str]:
    """Problems with one request (empty when it is safe)."""
    kwargs, names_child = fill_kwargs(route, child)
    path = build_path(route, kwargs)
    response = getattr(client_for(user), method.lower())(path)
    where = f"{method} {path} ({route.id}) as {user.role}"
    problems = []
    text = _body(response) + response.get("Location", "")
    for label, value in TARGET.items():
        if value.lower() in text.lower():
            problems.append(f"{where}: response shows the other child's {label}")
    status = response.status_code
    if path.startswith("/admin/"):
        to_admin_login = status == 302 and _location_path(response) == reverse("admin:login")
        if not (to_admin_login or status == 403):
            problems.append(f"{where}: admin answered {status}, expected 302 to admin sign-in or 403")
        return problems
    # The sign-in and MFA pages themselves may send a user on to each other (e.g. verify -> enrol,
    # or "new recovery codes" -> enrol for a family account that has not turned MFA on).
    is_auth_page = path in sign_in_paths() or path.startswith("/accounts/mfa/")
    if status in (301, 302, 303, 307, 308) and _location_path(response) in sign_in_paths() and not is_auth_page:
        problems.append(f"{where}: redirected to sign-in/MFA, so the page was never really tested")
    if names_child or "patient_id" in kwargs:
        if status == 405:
            missing_kwargs, _ = fill_kwargs(route, child, missing=True)
            again = getattr(client_for(user), method.lower())(build_path(route, missing_kwargs))
            if again.status_code != 405:
                problems.append(f"{where}: 405 for this child but {again.status_code} for a missing one")
        elif status != 404:
            problems.append(f"{where}: answered {status}, expected 404 for another child's data")
    return problems


# --- The walk -----------------------------------------------------------------------------------


def _excluded(route: Route) -> bool:
    return route.name in EXCLUDED or any(("/" + route.route).startswith(p) for p in EXCLUDED_PREFIXES)


WALKED = [r for r in ROUTES if not _excluded(r)]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_family", "unrelated_clinician"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("route", WALKED, ids=[r.id for r in WALKED])
def test_url_shows_nothing_of_another_child(route, method, who, walkers, target_child):
    problems = check(route, method, walkers[who], target_child)
    assert not problems, "\n".join(problems)


def test_walk_covers_every_pattern_but_the_listed_exclusions():
    found = [(r.name, r.route) for r in ROUTES]
    assert len(found) == len(set(found)), "two routes with the same name and pattern"
    unlisted = set(found) - EXPECTED_ROUTES
    assert not unlisted, f"routes not listed in SITE_ROUTES / ADMIN_MODELS: {sorted(unlisted, key=str)}"
    gone = EXPECTED_ROUTES - set(found)
    assert not gone, f"listed routes that no longer exist: {sorted(gone, key=str)}"
    assert set(EXCLUDED) <= {name for name, _ in EXPECTED_ROUTES}, "an exclusion names no listed route"
    walked = {(r.name, r.route) for r in WALKED}
    assert walked == {(name, route) for name, route in EXPECTED_ROUTES if name not in EXCLUDED}


@pytest.mark.django_db
def test_every_route_can_be_built(target_child):
    """A URL the walker cannot build would silently escape it: name it, or use path() converters."""
    for route in WALKED:
        kwargs, _ = fill_kwargs(route, target_child)
        assert build_path(route, kwargs).startswith("/"), route


@pytest.mark.django_db
def test_the_checker_catches_a_leak(target_child):
    """The walker's assertions fire for someone who may see the child: they are not vacuous."""
    team_member = target_child.care_team.get().clinician
    detail = next(r for r in ROUTES if r.name == "patients:detail")
    problems = check(detail, "GET", team_member, target_child)
    assert any("MRN" in p or "mrn" in p for p in problems)
    assert any("expected 404" in p for p in problems)


@pytest.mark.django_db
def test_model_guessing(target_child):
    from portal.care.models import BreakGlassGrant, CareTeamMembership

    assert _model_for_kwarg("patient_id", None) is Patient
    assert _model_for_kwarg("break_glass_grant_id", None) is BreakGlassGrant
    assert _model_for_kwarg("caretEammembership_id".lower(), None) is CareTeamMembership
    assert _child_object(BreakGlassGrant, target_child).patient == target_child
    assert _model_for_kwarg("nothing_like_this_id", None) is None
