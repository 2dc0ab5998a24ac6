from .audit import AuditAction, AuditArchive, AuditChainHead, AuditEvent, AuditPurpose, RecordViewCount
from .care import BreakGlassGrant, CareTeamMembership, FamilyLink
from .notifications import Notification
from .teams import CareTeam, CareTeamChild, CareTeamMember

__all__ = [
    "AuditAction",
    "AuditArchive",
    "AuditChainHead",
    "AuditEvent",
    "AuditPurpose",
    "BreakGlassGrant",
    "CareTeam",
    "CareTeamChild",
    "CareTeamMember",
    "CareTeamMembership",
    "FamilyLink",
    "Notification",
    "RecordViewCount",
]
