from .audit import AuditAction, AuditEvent, AuditPurpose
from .care import BreakGlassGrant, CareTeamMembership, FamilyLink
from .notifications import Notification

__all__ = [
    "AuditAction",
    "AuditEvent",
    "AuditPurpose",
    "BreakGlassGrant",
    "CareTeamMembership",
    "FamilyLink",
    "Notification",
]
