"""The access policy: the one place that decides who may see or change which child's data.

Every selector, view, API queryset and export asks this module. Rules (see shared/domain.md §5):

* Clinicians see and edit the children on whose care team they actively are, and any child for
  which they hold an unexpired break-the-glass grant (flagged as such in the audit trail). A care
  team is a per-child CareTeamMembership or a named CareTeam the child is assigned to; a per-child
  membership with active=False is the child's own exception and overrides the teams (see
  _care_team_exists()).
* Site admins see every record, audited with purpose "admin".
* Family members see a child through an active FamilyLink, narrowed by the child's age
  (settings PROXY_*): full access under PROXY_FULL_ACCESS_UNDER_AGE; from then until
  PROXY_ACCESS_ENDS_AT_AGE confidential entries are hidden; from that age on a proxy link only
  counts if the young adult granted it (adult_consent_on). A patient's own account ("self"
  link) works from PATIENT_OWN_ACCOUNT_FROM_AGE and sees everything released.
* Families only ever see released entries (visibility=released, released_at reached): one rule,
  family_entry_q() as a filter and family_may_see() in memory, for every family-facing read.
* Content editors see no patient data.

Denied object access answers 404 (never 403, which would confirm the record exists) and is
recorded; see get_patient_or_404(). Pages resolve their child with patient_for_page(), the twin of
the API's PatientScopedViewSet (same 404, same denial row).

What one user may do with one child is decided in one query (decide()) and, inside a request,
remembered for that request only (AuditContextMiddleware opens and closes the memo; a save of a
membership, grant, link, user or child clears it). An allowed decision is also kept across requests
under the child's change stamp (patients.models.stamps: the database moves it on any change to
the child, its teams, links or grants), so a page costs one small query for it; see _resolve().
Outside a request (Celery, commands) every call asks the database. The audit trail
(portal.care.audit) never asks this module: the purpose of an event about a child is computed here
and passed to it (record_patient_event()).
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import caches
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404
from django.utils import timezone

from patients.models import Patient, RecordStamp, Visibility
from portal.accounts.models import Role, User
from portal.care import audit as audit_trail
from portal.care.models import (
    AuditAction,
    AuditEvent,
    AuditPurpose,
    BreakGlassGrant,
    CareTeam,
    CareTeamChild,
    CareTeamMember,
    CareTeamMembership,
    FamilyLink,
)


def years_before(day: date, years: int) -> date:
    """The date `years` years before `day` (29 Feb falls back to 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- Which children ------------------------------------------------------------------------------


def _active_link_q(today: date) -> Q:
    return Q(valid_from__lte=today) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def _family_link_age_q(today: date, prefix: str = "patient__") -> Q:
    """Links that the child's age still allows: proxies until adulthood (or with consent), self from the set age."""
    adult_born_on_or_before = years_before(today, settings.PROXY_ACCESS_ENDS_AT_AGE)
    own_account_born_on_or_before = years_before(today, settings.PATIENT_OWN_ACCOUNT_FROM_AGE)
    proxy = ~Q(relationship=FamilyLink.Relationship.SELF) & (
        Q(**{f"{prefix}date_of_birth__gt": adult_born_on_or_before}) | Q(adult_consent_on__isnull=False)
    )
    own = Q(relationship=FamilyLink.Relationship.SELF) & Q(
        **{f"{prefix}date_of_birth__lte": own_account_born_on_or_before}
    )
    return proxy | own


def active_family_links(user, today: date | None = None) -> QuerySet[FamilyLink]:
    today = today or timezone.localdate()
    return FamilyLink.objects.filter(_active_link_q(today), _family_link_age_q(today), user=user)


def family_members_of(patient: Patient | int, today: date | None = None) -> QuerySet:
    """Active family accounts that may see this child today (the same link and age rules as above).

    For sending things to a family (shared pages, reminders); never for deciding what a user sees.
    """
    today = today or timezone.localdate()
    pk = getattr(patient, "pk", patient)
    links = FamilyLink.objects.filter(_active_link_q(today), _family_link_age_q(today), patient_id=pk)
    return User.objects.filter(is_active=True, role=Role.FAMILY).filter(Exists(links.filter(user=OuterRef("pk"))))


def _care_team_exists(user) -> Q:
    """On the child's care team: an active per-child membership, or a seat on a named team the child is
    assigned to unless a per-child membership with active=False (the child's own exception) says no.

    Subqueries only, so visible_patients() stays one query whatever the number of teams or children.
    """
    own = CareTeamMembership.objects.filter(patient=OuterRef("pk"), clinician=user)
    via_team = CareTeamChild.objects.filter(
        patient=OuterRef("pk"), team__in=CareTeamMember.objects.filter(clinician=user).values("team")
    )
    return Q(Exists(own.filter(active=True))) | (Q(Exists(via_team)) & ~Q(Exists(own.filter(active=False))))


def care_team_clinicians_of(patient: Patient | int) -> QuerySet[User]:
    """Active clinicians on this child's care team today, per-child or through a named team (one query).

    The same rule as _care_team_exists(), seen from the child: for telling the team (notifications),
    never for deciding what a user sees.
    """
    pk = getattr(patient, "pk", patient)
    own = CareTeamMembership.objects.filter(patient_id=pk, clinician=OuterRef("pk"))
    seat = CareTeamMember.objects.filter(
        clinician=OuterRef("pk"), team__in=CareTeamChild.objects.filter(patient_id=pk).values("team")
    )
    return User.objects.filter(is_active=True, role=Role.CLINICIAN).filter(
        Q(Exists(own.filter(active=True))) | (Q(Exists(seat)) & ~Q(Exists(own.filter(active=False))))
    )


def care_team_seats(**patient_lookups) -> QuerySet:
    """(patient id, clinician id), once each, for every active clinician on the care team of the children
    that patient_lookups select (lookups on patient_id, e.g. patient_id__in=…, or a range): per-child or
    through a named team, the rule of care_team_clinicians_of(). One query, usable as a subquery.
    """
    active = {"clinician__is_active": True, "clinician__role": Role.CLINICIAN}
    direct = CareTeamMembership.objects.filter(active=True, **active, **patient_lookups)
    own = CareTeamMembership.objects.filter(
        patient_id=OuterRef("patient_id"), clinician_id=OuterRef("team__members__clinician_id")
    )
    # A child's own membership row decides for that child: active is counted above, inactive says no.
    via_team = CareTeamChild.objects.filter(  # one filter(): the subquery is about the same seat row
        ~Exists(own), **{f"team__members__{k}": v for k, v in active.items()}, **patient_lookups
    )
    return (
        direct.order_by()
        .values_list("patient_id", "clinician_id")
        .union(via_team.order_by().values_list("patient_id", "team__members__clinician_id"))
    )


def care_team_pairs(patient_ids) -> list[tuple[int, int, str]]:
    """(clinician id, patient id, clinician's language) for every active care-team clinician of these
    children: care_team_seats() with each clinician's language, in two queries whatever their number."""
    patient_ids = list(patient_ids)
    if not patient_ids:
        return []
    seats = list(care_team_seats(patient_id__in=patient_ids))
    languages = dict(User.objects.filter(pk__in={c for _, c in seats}).values_list("pk", "preferred_language"))
    return [(clinician, patient, languages[clinician]) for patient, clinician in seats]


def _grant_exists(user) -> Exists:
    return Exists(
        BreakGlassGrant.objects.filter(
            patient=OuterRef("pk"), clinician=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    )


def visible_patients(user) -> QuerySet[Patient]:
    """Every child this user may see, as a queryset (one query, no duplicates)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if user.is_site_admin:
        return Patient.objects.all()
    if user.role == Role.CLINICIAN:
        return Patient.objects.filter(_care_team_exists(user) | _grant_exists(user))
    if user.role == Role.FAMILY:
        today = timezone.localdate()
        links = FamilyLink.objects.filter(_active_link_q(today), _family_link_age_q(today), user=user)
        return Patient.objects.filter(Exists(links.filter(patient=OuterRef("pk"))))
    return Patient.objects.none()


def care_team_patients(user) -> QuerySet[Patient]:
    """Children on the user's own care teams (not break-the-glass): the clinician's worklist."""
    if getattr(user, "role", None) != Role.CLINICIAN:
        return Patient.objects.none()
    return Patient.objects.filter(_care_team_exists(user))


# --- One decision per (user, child), remembered for the request ------------------------------------


@dataclass(frozen=True)
class AccessDecision:
    """What one user may do with one child, and why their reads are recorded."""

    exists: bool
    visible: bool
    editable: bool
    on_care_team: bool
    purpose: str


_decisions: ContextVar[dict | None] = ContextVar("access_decisions", default=None)


def start_request_decisions() -> Token:
    """Open the per-request memo (AuditContextMiddleware); pass the token to end_request_decisions()."""
    return _decisions.set({})


def end_request_decisions(token: Token) -> None:
    _decisions.reset(token)


def _forget_decisions(**kwargs) -> None:
    """Any change to who may see whom invalidates this request's remembered decisions."""
    memo = _decisions.get()
    if memo:
        memo.clear()


for _model in (CareTeamMembership, CareTeam, CareTeamMember, CareTeamChild, BreakGlassGrant, FamilyLink, Patient, User):
    post_save.connect(_forget_decisions, sender=_model, dispatch_uid=f"access-forget-save-{_model.__name__}")
    post_delete.connect(_forget_decisions, sender=_model, dispatch_uid=f"access-forget-delete-{_model.__name__}")


def _decide(user, pk) -> tuple[AccessDecision, Patient | None]:
    """The decision and the child (None if there is no such child), in one query."""
    patients = Patient.objects.filter(pk=pk)
    authenticated = getattr(user, "is_authenticated", False)
    active = authenticated and user.is_active
    role = getattr(user, "role", None)
    if getattr(user, "is_site_admin", False):
        patient = patients.first()
        allowed = active and patient is not None
        return AccessDecision(patient is not None, allowed, allowed, False, AuditPurpose.ADMIN), patient
    if authenticated and role == Role.CLINICIAN:
        patient = patients.annotate(
            access_on_team=ExpressionWrapper(_care_team_exists(user), output_field=BooleanField()),
            access_granted=_grant_exists(user),
        ).first()
        on_team = patient is not None and patient.access_on_team
        allowed = active and patient is not None and (on_team or patient.access_granted)
        purpose = AuditPurpose.NORMAL if on_team else AuditPurpose.BREAK_GLASS
        return AccessDecision(patient is not None, allowed, allowed, on_team, purpose), patient
    if active and role == Role.FAMILY:
        links = active_family_links(user).filter(patient=OuterRef("pk"))
        patient = patients.annotate(access_linked=Exists(links)).first()
        visible = patient is not None and patient.access_linked
        return AccessDecision(patient is not None, visible, False, False, AuditPurpose.NORMAL), patient
    patient = patients.first()
    return AccessDecision(patient is not None, False, False, False, AuditPurpose.NORMAL), patient


def _remembered(user, pk) -> AccessDecision | None:
    memo = _decisions.get()
    return memo.get((getattr(user, "pk", None), pk)) if memo is not None else None


def request_stamps(pk: int) -> tuple[int, int]:
    """The child's and the reference data's change stamps (patients.models.stamps), read once per request.

    Any save or delete in the request forgets them (_forget_stamps), so a page built after a write
    in the same request reads them again.
    """
    memo = _decisions.get()
    if memo is None:
        return RecordStamp.read(pk)
    key = ("stamps", pk)
    if key not in memo:
        memo[key] = RecordStamp.read(pk)
    return memo[key]


def _forget_stamps(**kwargs) -> None:
    memo = _decisions.get()
    if memo:
        for key in [k for k in memo if k[0] == "stamps"]:
            del memo[key]


for _signal in (post_save, post_delete, m2m_changed):
    _signal.connect(_forget_stamps, dispatch_uid=f"access-forget-stamps-{id(_signal)}")


def _kept_key(user, pk: int, stamp: int) -> str:
    """Everything a kept decision depends on: the child's stamp moves on any change of the child, its
    care team, named teams, family links or grants; the day moves age and link-date rules; the user's
    own role and state are read live from the request's user."""
    who = f"{user.pk}:{user.role}:{user.is_active}:{getattr(user, 'is_site_admin', False)}"
    return f"access:{settings.PAGE_CACHE_RELEASE}:{who}:{pk}:{stamp}:{timezone.localdate().isoformat()}"


def _keepable(decision: AccessDecision) -> bool:
    """Allowed decisions that no clock can end before midnight: not break-the-glass (grants expire by the hour)."""
    return decision.visible and decision.purpose != AuditPurpose.BREAK_GLASS


def _resolve(user, pk) -> tuple[AccessDecision, Patient | None]:
    """The decision and the child; a remembered decision still loads the child (the caller needs it).

    Inside a request, an allowed decision is also kept across requests in the "pages" cache under the
    child's change stamp (one small query instead of the decision's subqueries); denials and
    break-the-glass access are decided afresh every time.
    """
    decision = _remembered(user, pk)
    if decision is not None:
        return decision, Patient.objects.filter(pk=pk).first() if decision.exists else None
    memo = _decisions.get()
    kept = key = None
    if memo is not None and getattr(user, "is_authenticated", False):
        key = _kept_key(user, pk, request_stamps(pk)[0])
        kept = caches[KEPT_DECISIONS].get(key)
    if kept is not None:
        decision, patient = kept
    else:
        decision, patient = _decide(user, pk)
        if key is not None and _keepable(decision):
            caches[KEPT_DECISIONS].set(key, (decision, patient), settings.PAGE_CACHE_SECONDS)
    if memo is not None:
        memo[(getattr(user, "pk", None), pk)] = decision
    return decision, patient


KEPT_DECISIONS = "pages"


def decide(user, patient: Patient | int) -> AccessDecision:
    """One query per (user, child) and request; every check below reads from it (a remembered one: none)."""
    pk = getattr(patient, "pk", patient)
    return _remembered(user, pk) or _resolve(user, pk)[0]


def can_view_patient(user, patient: Patient | int) -> bool:
    return decide(user, patient).visible


def can_edit_patient(user, patient: Patient | int) -> bool:
    """Clinical data is edited by the care team (or a break-the-glass holder); demographics also by admins."""
    return decide(user, patient).editable


def can_release_entries(user, patient: Patient | int) -> bool:
    """Releasing to the family is for the care team's clinicians, never a break-the-glass holder."""
    decision = decide(user, patient)
    return decision.editable and decision.on_care_team


def has_active_grant(user, patient: Patient | int) -> bool:
    pk = getattr(patient, "pk", patient)
    return BreakGlassGrant.objects.filter(
        clinician=user, patient_id=pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def audit_purpose(user, patient: Patient | int) -> str:
    """Why this user is reading the record: normal care, break-the-glass, or administration."""
    return decide(user, patient).purpose


def record_patient_event(user, action: str, *, patient, purpose: str | None = None, **fields) -> AuditEvent:
    """audit.record() for an event about a child, flagged with the purpose this user's access gives."""
    if purpose is None and patient is not None and getattr(user, "is_authenticated", False):
        purpose = audit_purpose(user, patient)
    return audit_trail.record(user, action, patient=patient, purpose=purpose, **fields)


def record_patient_events(user, patient, events: list[dict], *, purpose: str | None = None) -> None:
    """Several events about one child in one request (dicts of record()'s arguments), in one INSERT."""
    if purpose is None and patient is not None and getattr(user, "is_authenticated", False):
        purpose = audit_purpose(user, patient)
    audit_trail.record_events(user, events, patient=patient, purpose=purpose)


# --- What a family may see of a child ---------------------------------------------------------


@dataclass(frozen=True)
class FamilyView:
    """How much of one child's released record a family account sees."""

    include_confidential: bool


def family_view(user, patient: Patient, today: date | None = None) -> FamilyView | None:
    """None when the user has no active, age-permitted link to this child."""
    today = today or timezone.localdate()
    memo = _decisions.get()
    key = ("family_view", getattr(user, "pk", None), getattr(patient, "pk", patient), today)
    if memo is not None and key in memo:  # one read per request, like decide(); cleared by any link change
        return memo[key]
    link = active_family_links(user, today).filter(patient=patient).select_related("patient").first()
    view = None if link is None else family_view_for_link(link, today)
    if memo is not None:
        memo[key] = view
    return view


def family_links_allowed(today: date | None = None) -> QuerySet[FamilyLink]:
    """Every family link that is active and age-permitted today (for jobs that fan out to families)."""
    today = today or timezone.localdate()
    return FamilyLink.objects.filter(_active_link_q(today), _family_link_age_q(today))


def family_view_for_link(link: FamilyLink, today: date | None = None) -> FamilyView:
    """family_view() for a link already known to be allowed (link.patient preloaded): no query."""
    today = today or timezone.localdate()
    if link.relationship == FamilyLink.Relationship.SELF:
        return FamilyView(include_confidential=True)
    if link.access_level == FamilyLink.AccessLevel.LIMITED:
        return FamilyView(include_confidential=False)
    return FamilyView(include_confidential=link.patient.age_on(today) < settings.PROXY_FULL_ACCESS_UNDER_AGE)


def link_sees_confidential_q(today: date, *, link: str = "", patient: str | None = None) -> Q:
    """The queryset twin of family_view_for_link(link).include_confidential.

    `link` is the path to the FamilyLink ("" on FamilyLink itself), `patient` the path to its child
    (default: through the link). A child's own account sees confidential entries; a full link does
    while the child is under PROXY_FULL_ACCESS_UNDER_AGE; a limited link never does.
    """
    patient = f"{link}patient__" if patient is None else patient
    # A positive list, not ~Q(limited): negated across a relation, Django writes a correlated NOT EXISTS.
    not_limited = [level for level in FamilyLink.AccessLevel.values if level != FamilyLink.AccessLevel.LIMITED]
    return Q(**{f"{link}relationship": FamilyLink.Relationship.SELF}) | (
        Q(**{f"{link}access_level__in": not_limited})
        & Q(**{f"{patient}date_of_birth__gt": years_before(today, settings.PROXY_FULL_ACCESS_UNDER_AGE)})
    )


#: The narrowest view any family member has of a child (a parent of a teenager): for family-facing
#: output that is not computed for one account, e.g. a clinician's preview of "for you now".
NARROWEST_FAMILY_VIEW = FamilyView(include_confidential=False)

# The one rule of what a family sees of a PatientEntry, written once as data and read two ways:
# family_entry_q() (a queryset filter) and family_may_see() (the same test on a loaded object).
# Every clause must hold; a clause holds when any of its (field, lookup, value) alternatives does.
# Only the lookups below may be used, so the filter and its in-memory twin cannot drift apart.
_LOOKUPS = {
    "exact": lambda value, wanted: value == wanted,
    "isnull": lambda value, wanted: (value is None) is wanted,
    "lte": lambda value, bound: value is not None and value <= bound,
}


def _family_rule(view: FamilyView, now) -> list[tuple[tuple[str, str, object], ...]]:
    """Released, release time reached (or none set), confidential only if the view includes it."""
    clauses = [
        (("visibility", "exact", Visibility.RELEASED),),
        (("released_at", "isnull", True), ("released_at", "lte", now)),
    ]
    if not view.include_confidential:
        clauses.append((("confidential", "exact", False),))
    return clauses


def family_entry_q(view: FamilyView, now=None) -> Q:
    """Filter for PatientEntry subclasses: released, release time reached, confidential per view."""
    q = Q()
    for clause in _family_rule(view, now or timezone.now()):
        alternatives = Q()
        for field, lookup, value in clause:
            alternatives |= Q(**{f"{field}__{lookup}": value})
        q &= alternatives
    return q


def family_may_see(view: FamilyView, entry, now=None) -> bool:
    """family_entry_q() on one loaded PatientEntry (no query): may a family with this view see it?"""
    return all(
        any(_LOOKUPS[lookup](getattr(entry, field), value) for field, lookup, value in clause)
        for clause in _family_rule(view, now or timezone.now())
    )


def visible_entries(user, patient: Patient, queryset: QuerySet) -> QuerySet:
    """Narrow a queryset of one child's entries (PatientEntry subclasses) to what this user may see."""
    queryset = queryset.filter(patient=patient)
    if getattr(user, "role", None) == Role.FAMILY:
        view = family_view(user, patient)
        if view is None:
            return queryset.none()
        return queryset.filter(family_entry_q(view))
    if not can_view_patient(user, patient):
        return queryset.none()
    return queryset


def is_family_user(user) -> bool:
    return getattr(user, "role", None) == Role.FAMILY


# --- Resolving a child for a request -------------------------------------------------------------


def _pk(patient_id) -> int | None:
    try:
        return int(patient_id)
    except (TypeError, ValueError):
        return None


def _patient_denied(user, patient: Patient | None, patient_id, edit: bool) -> Http404:
    audit_trail.record(
        user,
        AuditAction.DENIED,
        purpose=AuditPurpose.NORMAL,
        patient=patient,
        object_type="patient",
        object_id=str(patient_id)[:64],
        detail="edit" if edit else "view",
    )
    return Http404("No such record.")


def deny_patient(user, patient_id, *, edit: bool = False) -> Http404:
    """A user who may never use this page or endpoint: the denial row get_patient_or_404() writes, and its 404."""
    pk = _pk(patient_id)
    return _patient_denied(user, Patient.objects.filter(pk=pk).first() if pk is not None else None, patient_id, edit)


def _patient_or_deny(user, patient_id, *, edit: bool, care_team_only: bool = False) -> tuple[Patient, str]:
    pk = _pk(patient_id)
    if pk is None:
        raise _patient_denied(user, None, patient_id, edit)
    decision, patient = _resolve(user, pk)
    allowed = decision.editable if edit else decision.visible
    if not allowed or (care_team_only and not decision.on_care_team):
        raise _patient_denied(user, patient, patient_id, edit)
    return patient, decision.purpose


def get_patient_or_404(
    user, patient_id, *, edit: bool = False, action: str = AuditAction.VIEW, obj=None, audit: bool = True
) -> Patient:
    """The child for this request, or 404. Records the read/write, or the denial, in the audit trail.

    Views and API endpoints call this (directly or through patient_for_page / PatientScopedViewSet)
    instead of Patient.objects.get(), so no endpoint can skip the policy or the audit.
    """
    patient, purpose = _patient_or_deny(user, patient_id, edit=edit)
    if audit:
        audit_trail.record(user, action, patient=patient, obj=obj or patient, purpose=purpose)
    return patient


# Who may use a page at all. Anyone else gets the 404 and denial row of someone who may not see the child.
STAFF_PAGE = (Role.CLINICIAN, Role.ADMIN)  # the care team, break-the-glass holders, site admins
FAMILY_PAGE = (Role.FAMILY,)
READERS_PAGE = (Role.FAMILY, Role.CLINICIAN)


def patient_for_page(
    request,
    patient_id,
    *,
    roles: tuple[str, ...],
    edit: bool = False,
    saves: bool = False,
    care_team_only: bool = False,
    audit: bool | None = None,
) -> Patient:
    """The child a page (URL kwarg `patient_id`) is about, or 404: the page twin of PatientScopedViewSet.

    `roles` may use the page; `edit` needs the right to change the record; `care_team_only` refuses
    break-the-glass holders. The read is recorded here unless the page `saves` and this is not a
    GET/HEAD (the service that saves records the write) or `audit` says otherwise.
    """
    user = request.user
    role = getattr(user, "role", None)
    if role not in roles and not (Role.ADMIN in roles and getattr(user, "is_site_admin", False)):
        raise deny_patient(user, patient_id, edit=edit)
    patient, purpose = _patient_or_deny(user, patient_id, edit=edit, care_team_only=care_team_only)
    if audit is None:
        audit = not saves or request.method in ("GET", "HEAD")
    if audit:
        audit_trail.record(user, AuditAction.VIEW, patient=patient, obj=patient, purpose=purpose)
    return patient


def deny(user, *, patient: Patient | None = None, object_type: str = "", object_id="") -> Http404:
    """Record a denied object access (e.g. an entry of another child) and return the 404 to raise."""
    audit_trail.record(
        user,
        AuditAction.DENIED,
        purpose=AuditPurpose.NORMAL,
        patient=patient,
        object_type=object_type,
        object_id=str(object_id)[:64],
    )
    return Http404("No such record.")
