from .base import PatientEntry, Visibility
from .care_plan import CarePlan, FollowUpItem, FollowUpStatus, RuleSet
from .patient import Patient, PatientStatus, Sex
from .reminders import (
    CalendarFeedToken,
    CareTeamDigest,
    Channel,
    DeliveryLog,
    Reminder,
    ReminderPreference,
    ReminderStatus,
)

__all__ = [
    "CalendarFeedToken",
    "CarePlan",
    "CareTeamDigest",
    "Channel",
    "DeliveryLog",
    "FollowUpItem",
    "FollowUpStatus",
    "Patient",
    "PatientEntry",
    "PatientStatus",
    "Reminder",
    "ReminderPreference",
    "ReminderStatus",
    "RuleSet",
    "Sex",
    "Visibility",
]
