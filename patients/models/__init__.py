from .base import PatientEntry, Visibility
from .patient import Patient, PatientStatus, Sex

__all__ = ["Patient", "PatientEntry", "PatientStatus", "Sex", "Visibility"]
