from .base import PatientEntry, Visibility
from .diagnosis import CnsStatus, Diagnosis, Lineage, WbcUnit
from .exposures import ExposureRecord, ManualTreatmentSummary
from .patient import Patient, PatientStatus, Sex
from .reference import (
    AnthracyclineFactor,
    Classification,
    Drug,
    DrugClass,
    ExposureRuleSet,
    GeneticMarker,
    PredispositionSyndrome,
)
from .risk import RiskAssessment, RiskSchemeConfig
from .timeline import (
    DETAIL_MODELS,
    AdverseEvent,
    ChemoAdministration,
    EntryKind,
    LabResult,
    LumbarPuncture,
    MrdResult,
    Radiation,
    TimelineEntry,
    Transfusion,
    TreatmentPhase,
    TreatmentPlan,
)

__all__ = [
    "DETAIL_MODELS",
    "AdverseEvent",
    "AnthracyclineFactor",
    "ChemoAdministration",
    "Classification",
    "CnsStatus",
    "Diagnosis",
    "Drug",
    "DrugClass",
    "EntryKind",
    "ExposureRecord",
    "ExposureRuleSet",
    "GeneticMarker",
    "LabResult",
    "Lineage",
    "LumbarPuncture",
    "ManualTreatmentSummary",
    "MrdResult",
    "Patient",
    "PatientEntry",
    "PatientStatus",
    "PredispositionSyndrome",
    "Radiation",
    "RiskAssessment",
    "RiskSchemeConfig",
    "Sex",
    "TimelineEntry",
    "Transfusion",
    "TreatmentPhase",
    "TreatmentPlan",
    "Visibility",
    "WbcUnit",
]
