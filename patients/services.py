"""Writes to the patient core record: validated, in a transaction, versioned and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.models import Patient
from patients.models.patient import normalize_mrn
from portal.care.access import record_patient_event
from portal.care.models import AuditAction, CareTeamMembership
from portal.concurrency import StaleEdit, save_versioned

EDITABLE_FIELDS = [
    "mrn",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "preferred_language",
    "status",
]


def _canonical(data: dict) -> dict:
    """The editable fields of `data`, with the MRN in its canonical form (trimmed, upper case)."""
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if "mrn" in fields:
        fields["mrn"] = normalize_mrn(fields["mrn"])
    return fields


def _validate(patient: Patient) -> None:
    patient.full_clean(exclude=["version"], validate_unique=True)


def create_patient(user, data: dict, *, team_role: str = CareTeamMembership.TeamRole.ATTENDING) -> Patient:
    """A clinician registers a child and joins its care team."""
    patient = Patient(**_canonical(data))
    _validate(patient)
    try:
        with transaction.atomic():
            patient.save()
            if user.role == "clinician":
                CareTeamMembership.objects.create(patient=patient, clinician=user, team_role=team_role)
            record_patient_event(user, AuditAction.CREATE, patient=patient, obj=patient)
    except IntegrityError as exc:
        raise ValidationError({"mrn": "A patient with this MRN already exists."}) from exc
    return patient


def update_patient(user, patient: Patient, data: dict, expected_version: int) -> Patient:
    """Change demographics/status. Refuses a stale edit (StaleEdit) instead of overwriting."""
    data = _canonical(data)
    changed = [f for f in EDITABLE_FIELDS if f in data and getattr(patient, f) != data[f]]
    for name in changed:
        setattr(patient, name, data[name])
    _validate(patient)
    try:
        with transaction.atomic():
            save_versioned(patient, expected_version, changed)
            record_patient_event(user, AuditAction.UPDATE, patient=patient, obj=patient, detail=",".join(changed)[:300])
    except StaleEdit:
        record_patient_event(user, AuditAction.CONFLICT, patient=patient, obj=patient)
        raise
    except IntegrityError as exc:
        raise ValidationError({"mrn": "A patient with this MRN already exists."}) from exc
    return patient
