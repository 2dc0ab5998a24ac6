"""Education views: family library and questions, care-team actions on the record, editors' workspace."""

from patients.models import Patient
from portal.access import deny


def deny_patient(user, patient_id):
    """A role that may never use this page: record the denial against the named child, answer 404."""
    try:
        patient = Patient.objects.filter(pk=int(patient_id)).first()
    except (TypeError, ValueError):
        patient = None
    return deny(user, patient=patient, object_type="patient", object_id=patient_id)
