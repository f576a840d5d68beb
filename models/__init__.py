"""Brobygger's core models. MODELS lists them in dependency order (create/migrate order)."""

from models.organisation import Organisation  # noqa: I001 (dependency order)
from models.lookups import (
    LOOKUP_MODELS,
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
from models.referral import Contact, Match, Referral, ReferralReasonLink
from models.audit import AuditLog
from models.workflow import StatusChange
from models.outcomes import CaseClosure, ClosureReason, Instrument, Measurement
from models.history import CaseAssignment
from models.network import Network, NetworkEvaluator, NetworkMember
from models.base import StaleRecordError

MODELS = (
    Organisation,
    *LOOKUP_MODELS,
    Partner,
    User,
    Citizen,
    Activity,
    ActivitySession,
    Attendance,
    Referral,
    ReferralReasonLink,
    Contact,
    Match,
    AuditLog,
    StatusChange,
    ClosureReason,
    CaseClosure,
    Instrument,
    Measurement,
    CaseAssignment,
    Network,
    NetworkMember,
    NetworkEvaluator,
)

__all__ = [
    "MODELS",
    "Activity",
    "ActivityCategory",
    "ActivitySession",
    "Attendance",
    "AuditLog",
    "CaseAssignment",
    "CaseClosure",
    "ClosureReason",
    "Instrument",
    "Measurement",
    "Network",
    "NetworkEvaluator",
    "NetworkMember",
    "Citizen",
    "Contact",
    "ContactKind",
    "Match",
    "Organisation",
    "Partner",
    "PartnerKind",
    "Referral",
    "ReferralChannel",
    "ReferralReason",
    "ReferralReasonLink",
    "StaleRecordError",
    "StatusChange",
    "User",
]
