"""Break the glass: emergency access to a child outside one's care team, with a reason, for a while.

The grant lasts settings.BREAK_GLASS_DURATION (env BREAK_GLASS_HOURS, default 12 h); every read
under it is flagged "break_glass" in the audit trail (portal.care.access.audit_purpose). The care team
is told through in-portal notifications that name the clinician and the MRN only: the stated
reason may itself describe the child's condition, so it stays in the grant, the audit trail and the
child's record page (care team only, `grants_for_care_team`).

A request names the child by two identifiers: the exact canonical MRN and the date of birth
(`find_patient`). Anything but exactly one record with both is refused with one neutral answer and
one identical denial row, whichever of the two was wrong. Requests are limited per clinician:
BREAK_GLASS_LIMIT requests (granted or denied) within BREAK_GLASS_LIMIT_WINDOW, counted from the
audit trail; beyond it the request is refused before any lookup, and the refusal is audited.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patients.models import Patient
from portal.accounts.models import Role
from portal.care import audit
from portal.care.access import KEPT_DECISIONS, care_team_clinicians_of, decide, request_stamps
from portal.care.models import (
    AuditAction,
    AuditEvent,
    AuditPurpose,
    BreakGlassGrant,
    Notification,
)

MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 1000

# How the denial rows of a break-the-glass lookup are marked (object_type, object_id).
LOOKUP_DENIAL = ("patient", "mrn-lookup")
LIMIT_DENIAL = ("patient", "break-glass-limit")
RECENT_GRANTS = timedelta(days=30)


def requests_in_window(clinician) -> int:
    """Break-the-glass requests (grants and refused lookups) by this clinician within BREAK_GLASS_LIMIT_WINDOW."""
    since = timezone.now() - settings.BREAK_GLASS_LIMIT_WINDOW
    object_type, object_id = LOOKUP_DENIAL
    return AuditEvent.objects.filter(
        Q(action=AuditAction.BREAK_GLASS) | Q(action=AuditAction.DENIED, object_type=object_type, object_id=object_id),
        user=clinician,
        at__gte=since,
    ).count()


def request_allowed(clinician) -> bool:
    """False once the clinician has used up BREAK_GLASS_LIMIT requests in the window; the refusal is audited."""
    if requests_in_window(clinician) < settings.BREAK_GLASS_LIMIT:
        return True
    _refused(clinician, LIMIT_DENIAL, "rate limited")
    return False


def find_patient(clinician, mrn: str, date_of_birth) -> Patient | None:
    """The one child with exactly this canonical MRN and this date of birth, or None (audited as a denial).

    Never "the first of several"; an unknown MRN and a wrong date of birth leave the same row.
    """
    matches = list(Patient.objects.filter(mrn=mrn).only("id", "mrn", "date_of_birth")[:2])
    if len(matches) == 1 and date_of_birth is not None and matches[0].date_of_birth == date_of_birth:
        return matches[0]
    _refused(clinician, LOOKUP_DENIAL, "no single record with this MRN and date of birth")
    return None


def _refused(clinician, marker: tuple[str, str], detail: str) -> None:
    """One denial row, naming no child (a refused request is not emergency access: purpose normal)."""
    object_type, object_id = marker
    audit.record(clinician, AuditAction.DENIED, object_type=object_type, object_id=object_id, detail=detail)


def grants_for_care_team(user, patient: Patient) -> list[BreakGlassGrant]:
    """Active and recent (RECENT_GRANTS) grants on this child, for its care team and site admins; else []."""
    if not (user.is_site_admin or decide(user, patient).on_care_team):
        return []
    since = timezone.now() - RECENT_GRANTS
    # Kept under the child's change stamp (a new or revoked grant moves it); the time window is applied
    # to the kept rows on every call, so a grant that ends or ages out drops off on time.
    key = f"grants:{settings.PAGE_CACHE_RELEASE}:{patient.pk}:{request_stamps(patient.pk)[0]}"
    grants = caches[KEPT_DECISIONS].get(key)
    if grants is None:
        rows = BreakGlassGrant.objects.filter(patient=patient, expires_at__gt=since)  # active, or ended lately
        grants = list(rows.select_related("clinician").order_by("-created_at"))
        caches[KEPT_DECISIONS].set(key, grants, settings.PAGE_CACHE_SECONDS)
    return [grant for grant in grants if grant.expires_at > since]


def active_grant(clinician, patient: Patient) -> BreakGlassGrant | None:
    return (
        BreakGlassGrant.objects.filter(
            clinician=clinician, patient=patient, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def open_break_glass(clinician, patient: Patient, reason: str) -> BreakGlassGrant:
    """Grant `clinician` access to `patient` until BREAK_GLASS_DURATION passes; tell the care team."""
    reason = (reason or "").strip()
    if clinician.role != Role.CLINICIAN or not clinician.is_active:
        raise ValidationError({"reason": _("Only clinicians can request emergency access.")})
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Please state why you need access (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH}}
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Please keep the reason under %(n)d characters.") % {"n": MAX_REASON_LENGTH}}
        )
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            clinician=clinician,
            patient=patient,
            reason=reason,
            created_at=now,
            expires_at=now + settings.BREAK_GLASS_DURATION,
        )
        audit.record(
            clinician,
            AuditAction.BREAK_GLASS,
            patient=patient,
            obj=grant,
            purpose=AuditPurpose.BREAK_GLASS,
            detail=f"expires={grant.expires_at:%Y-%m-%dT%H:%MZ}",
        )
        # The whole care team: per-child memberships and the named teams the child is on.
        team = care_team_clinicians_of(patient).exclude(pk=clinician.pk).only("id", "preferred_language")
        link = reverse("patients:detail", kwargs={"patient_id": patient.pk})
        who = clinician.get_full_name() or clinician.email
        until = timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")
        Notification.objects.bulk_create(
            [_team_notice(member, patient, who, until, link, f"break_glass:{grant.pk}") for member in team],
            ignore_conflicts=True,
        )
    return grant


def _team_notice(member, patient: Patient, who: str, until: str, link: str, key: str) -> Notification:
    """One care-team member's notification, in that member's language."""
    with translation.override(member.preferred_language or settings.LANGUAGE_CODE):
        return Notification(
            user_id=member.pk,
            patient=patient,
            kind="break_glass",
            title=_("Emergency access to a patient on your team"),
            body=_(
                "%(who)s opened the record %(mrn)s outside the care team, with a stated reason, "
                "until %(until)s. The access is flagged in the audit trail."
            )
            % {"who": who, "mrn": patient.mrn, "until": until},
            link=link,
            dedup_key=key,
        )


def revoke_grants(admin_user, grants) -> int:
    """End grants early (site admin). Already ended grants are left as they are."""
    now = timezone.now()
    revoked = 0
    with transaction.atomic():
        for grant in grants.select_related("patient").filter(revoked_at__isnull=True, expires_at__gt=now):
            BreakGlassGrant.objects.filter(pk=grant.pk).update(revoked_at=now)
            audit.record(
                admin_user,
                AuditAction.UPDATE,
                patient=grant.patient,
                obj=grant,
                purpose=AuditPurpose.ADMIN,
                detail="break_glass_revoked",
            )
            revoked += 1
    return revoked
