"""Break the glass: emergency access to a child outside one's care team, with a reason, for a while."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import Patient
from portal import audit
from portal.models import AuditAction, AuditPurpose, BreakGlassGrant, CareTeamMembership, Notification, Role

MIN_REASON_LENGTH = 10


def open_break_glass(clinician, patient: Patient, reason: str) -> BreakGlassGrant:
    """Grant `clinician` access to `patient` until BREAK_GLASS_DURATION passes; tell the care team."""
    reason = (reason or "").strip()
    if clinician.role != Role.CLINICIAN:
        raise ValidationError({"reason": _("Only clinicians can request emergency access.")})
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Please state why you need access (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH}}
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
        audit.record(clinician, AuditAction.BREAK_GLASS, patient=patient, obj=grant, purpose=AuditPurpose.BREAK_GLASS)
        team = CareTeamMembership.objects.filter(patient=patient, active=True).exclude(clinician=clinician)
        link = reverse("patients:detail", kwargs={"patient_id": patient.pk})
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=member.clinician_id,
                    patient=patient,
                    kind="break_glass",
                    title=_("Emergency access to a patient on your team"),
                    body=_("%(who)s opened the record of %(mrn)s outside the care team. Reason given: %(reason)s")
                    % {"who": clinician.get_full_name() or clinician.email, "mrn": patient.mrn, "reason": reason},
                    link=link,
                )
                for member in team
            ]
        )
    return grant
