"""Typed ORM models; the database is the source of truth for every ticket."""

from .base import Base, utcnow
from .catalogue import Topic
from .figures import FiguresDay, FiguresState
from .knowledge import KnowledgeArticle, KnowledgeTerm
from .lines import LineNumber
from .messaging import FollowUp, MessageTemplate, OutboundMessage, TrackingCode, TrackingFailure
from .org import ApiToken, Department, Level, Role, User
from .rules import DispatchRule, ModelVersion, TrainingExample
from .ticket import (
    OPEN_STATUSES,
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
from .unit_work import Attachment, ReplyTemplate
from .workflow import (
    AssistTask,
    AuditEntry,
    CalendarDay,
    CalendarYear,
    CatalogueVersion,
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
    "OPEN_STATUSES",
    "ApiToken",
    "AssistTask",
    "Attachment",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CatalogueVersion",
    "Channel",
    "DeadlineClock",
    "Department",
    "DispatchRule",
    "EscalationMark",
    "ExtensionRequest",
    "FiguresDay",
    "FiguresState",
    "FollowUp",
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
    "Place",
    "ReplyTemplate",
    "RequestType",
    "Role",
    "SlaPolicyRow",
    "Status",
    "SupervisionOrder",
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
