"""Brobygger's core models, importable from one place: `from models import Referral`."""

from models.organisation import Organisation  # noqa: I001 (dependency order)
from models.lookups import (
    ActivityCategory,
    ContactKind,
    PartnerKind,
    ReferralChannel,
    ReferralReason,
)
from models.partner import Partner
from models.user import User
from models.citizen import Citizen
from models.activity import Activity, ActivitySession, Attendance
from models.referral import CaseNote, Contact, Match, Referral, ReferralReasonLink
from models.audit import AuditLog, AuditLogItem
from models.workflow import StatusChange
from models.outcomes import CaseClosure, ClosureReason, Instrument, Measurement
from models.erasure import Erasure
from models.intervals import StatusInterval
from models.referral import CaseAssignment
from models.network import Network, NetworkEvaluator, NetworkMember
from models.listing import ListingChange, WaitingListEntry
from models.reminders import ReminderState
from models.base import StaleRecordError

__all__ = [
    "Activity",
    "ActivityCategory",
    "ActivitySession",
    "Attendance",
    "AuditLog",
    "AuditLogItem",
    "CaseAssignment",
    "CaseClosure",
    "CaseNote",
    "ClosureReason",
    "Instrument",
    "Measurement",
    "Network",
    "NetworkEvaluator",
    "NetworkMember",
    "Citizen",
    "ListingChange",
    "WaitingListEntry",
    "Contact",
    "Erasure",
    "ContactKind",
    "Match",
    "Organisation",
    "Partner",
    "PartnerKind",
    "Referral",
    "ReferralChannel",
    "ReferralReason",
    "ReferralReasonLink",
    "ReminderState",
    "StaleRecordError",
    "StatusChange",
    "StatusInterval",
    "User",
]
