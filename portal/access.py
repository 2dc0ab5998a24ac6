"""The access policy: the one place that decides who may see or change which child's data.

Every selector, view, API queryset and export asks this module. Rules (see shared/domain.md §5):

* Clinicians see and edit the children on whose care team they actively are, and any child for
  which they hold an unexpired break-the-glass grant (flagged as such in the audit trail).
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
recorded; see get_patient_or_404().
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from patients.models import Patient, Visibility
from portal.models import AuditAction, AuditPurpose, BreakGlassGrant, CareTeamMembership, FamilyLink, Role


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
    from portal.models import User

    today = today or timezone.localdate()
    pk = getattr(patient, "pk", patient)
    links = FamilyLink.objects.filter(_active_link_q(today), _family_link_age_q(today), patient_id=pk)
    return User.objects.filter(is_active=True, role=Role.FAMILY).filter(Exists(links.filter(user=OuterRef("pk"))))


def _care_team_exists(user) -> Exists:
    return Exists(CareTeamMembership.objects.filter(patient=OuterRef("pk"), clinician=user, active=True))


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


def can_view_patient(user, patient: Patient | int) -> bool:
    pk = getattr(patient, "pk", patient)
    return visible_patients(user).filter(pk=pk).exists()


def can_edit_patient(user, patient: Patient | int) -> bool:
    """Clinical data is edited by the care team (or a break-the-glass holder); demographics also by admins."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    pk = getattr(patient, "pk", patient)
    if user.is_site_admin:
        return Patient.objects.filter(pk=pk).exists()
    if user.role != Role.CLINICIAN:
        return False
    return Patient.objects.filter(pk=pk).filter(_care_team_exists(user) | _grant_exists(user)).exists()


def has_active_grant(user, patient: Patient | int) -> bool:
    pk = getattr(patient, "pk", patient)
    return BreakGlassGrant.objects.filter(
        clinician=user, patient_id=pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def audit_purpose(user, patient: Patient | int) -> str:
    """Why this user is reading the record: normal care, break-the-glass, or administration."""
    if getattr(user, "is_site_admin", False):
        return AuditPurpose.ADMIN
    if getattr(user, "role", None) == Role.CLINICIAN:
        pk = getattr(patient, "pk", patient)
        on_team = CareTeamMembership.objects.filter(patient_id=pk, clinician=user, active=True).exists()
        if not on_team:
            return AuditPurpose.BREAK_GLASS
    return AuditPurpose.NORMAL


# --- What a family may see of a child ---------------------------------------------------------


@dataclass(frozen=True)
class FamilyView:
    """How much of one child's released record a family account sees."""

    include_confidential: bool


def family_view(user, patient: Patient, today: date | None = None) -> FamilyView | None:
    """None when the user has no active, age-permitted link to this child."""
    today = today or timezone.localdate()
    link = active_family_links(user, today).filter(patient=patient).select_related("patient").first()
    if link is None:
        return None
    return family_view_for_link(link, today)


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


def get_patient_or_404(
    user, patient_id, *, edit: bool = False, action: str = AuditAction.VIEW, obj=None, audit: bool = True
) -> Patient:
    """The child for this request, or 404. Records the read/write, or the denial, in the audit trail.

    Views and API endpoints call this (directly or through portal.api / portal.views mixins) instead
    of Patient.objects.get(), so no endpoint can skip the policy or the audit.
    """
    from portal import audit as audit_trail

    try:
        pk = int(patient_id)
    except (TypeError, ValueError):
        pk = None
    patient = visible_patients(user).filter(pk=pk).first() if pk is not None else None
    if patient is not None and edit and not can_edit_patient(user, patient):
        patient = None
    if patient is None:
        existing = Patient.objects.filter(pk=pk).first() if pk is not None else None
        audit_trail.record(
            user,
            AuditAction.DENIED,
            purpose=AuditPurpose.NORMAL,
            patient=existing,
            object_type="patient",
            object_id=str(patient_id)[:64],
            detail="edit" if edit else "view",
        )
        raise Http404("No such record.")
    if audit:
        audit_trail.record(user, action, patient=patient, obj=obj or patient)
    return patient


def deny(user, *, patient: Patient | None = None, object_type: str = "", object_id="") -> Http404:
    """Record a denied object access (e.g. an entry of another child) and return the 404 to raise."""
    from portal import audit as audit_trail

    audit_trail.record(
        user,
        AuditAction.DENIED,
        purpose=AuditPurpose.NORMAL,
        patient=patient,
        object_type=object_type,
        object_id=str(object_id)[:64],
    )
    return Http404("No such record.")
