"""Typed ORM models; the database is the source of truth for every ticket."""

from hotline.models.base import Base, utcnow
from hotline.models.casework import Appeal, Suspension
from hotline.models.catalogue import Topic
from hotline.models.figures import FiguresDay, FiguresState
from hotline.models.forwarding import ForwardTask
from hotline.models.hotspots import GovernanceTask, SurgeAlert, SurgeRuleRow
from hotline.models.knowledge import KnowledgeArticle, KnowledgeTerm
from hotline.models.lines import LineNumber
from hotline.models.messaging import (
    FollowUp,
    MessageTemplate,
    OutboundMessage,
    TrackingCode,
    TrackingFailure,
)
from hotline.models.org import LEVEL_ORDER, LEVEL_RANK, ApiToken, Department, Level, Role, User
from hotline.models.risk import DutySupervisor, RiskRule
from hotline.models.rules import DispatchRule, ModelVersion, PhraseStopWord, TrainingExample
from hotline.models.search import SavedView
from hotline.models.ticket import (
    Channel,
    Intake,
    IntakeStatus,
    Line,
    Message,
    RequestType,
    Status,
    Ticket,
    TicketCounter,
    TicketEvent,
    Urgency,
)
from hotline.models.unit_work import Attachment, ReplyTemplate
from hotline.models.workflow import (
    AssistTask,
    AuditEntry,
    CalendarDay,
    CalendarYear,
    CatalogueVersion,
    CityMap,
    DeadlineClock,
    EscalationMark,
    ExtensionRequest,
    Notification,
    NotificationRead,
    Place,
    SlaPolicyRow,
    SupervisionOrder,
)

__all__ = [
    "LEVEL_ORDER",
    "LEVEL_RANK",
    "ApiToken",
    "Appeal",
    "AssistTask",
    "Attachment",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CatalogueVersion",
    "Channel",
    "CityMap",
    "DeadlineClock",
    "Department",
    "DispatchRule",
    "DutySupervisor",
    "EscalationMark",
    "ExtensionRequest",
    "FiguresDay",
    "FiguresState",
    "FollowUp",
    "ForwardTask",
    "GovernanceTask",
    "Intake",
    "IntakeStatus",
    "KnowledgeArticle",
    "KnowledgeTerm",
    "Level",
    "Line",
    "LineNumber",
    "Message",
    "MessageTemplate",
    "ModelVersion",
    "Notification",
    "NotificationRead",
    "OutboundMessage",
    "PhraseStopWord",
    "Place",
    "ReplyTemplate",
    "RequestType",
    "RiskRule",
    "Role",
    "SavedView",
    "SlaPolicyRow",
    "Status",
    "SupervisionOrder",
    "SurgeAlert",
    "SurgeRuleRow",
    "Suspension",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "Topic",
    "TrackingCode",
    "TrackingFailure",
    "TrainingExample",
    "Urgency",
    "User",
    "utcnow",
]
