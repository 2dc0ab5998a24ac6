from .audit import AuditAction, AuditEvent, AuditPurpose
from .care import BreakGlassGrant, CareTeamMembership, FamilyLink
from .notifications import Notification
from .users import Discipline, Role, User

__all__ = [
    "AuditAction",
    "AuditEvent",
    "AuditPurpose",
    "BreakGlassGrant",
    "CareTeamMembership",
    "Discipline",
    "FamilyLink",
    "Notification",
    "Role",
    "User",
]
