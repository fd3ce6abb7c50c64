"""The kinds of event a ticket's immutable log holds, named once.

A StrEnum: the stored `ticket_events.kind` values are these strings, so old rows, the API's
event lists, Open311 notes and the tracking page read exactly as before.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    # intake and classification
    INTAKE = "intake"
    TRANSCRIBED = "transcribed"
    CLASSIFIED = "classified"
    TRIAGED = "triaged"
    TOPIC_SET = "topic_set"
    LINKED_REPEAT = "linked_repeat"
    CITIZEN_MESSAGE = "citizen_message"
    ROUTING_MANUAL = "routing_manual"
    ATTACHED = "attached"
    # dispatch, sign, return
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    RETURNED = "returned"
    ARBITRATION_REQUIRED = "arbitration_required"
    # extensions and assisting units
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_REFUSED = "extension_refused"
    EXTENSION_APPROVED = "extension_approved"
    ASSIST_DONE = "assist_done"
    ASSIST_WAIVED = "assist_waived"
    # reply, review, 督办, close, reopen
    REPLIED = "replied"
    # The centre accepted an answer: the citizen is told (hotline.domain.effects).
    REPLY_APPROVED = "reply_approved"
    REPLY_REJECTED = "reply_rejected"
    URGED = "urged"
    CLOSED = "closed"
    CLOSED_DIRECT = "closed_direct"
    REOPENED = "reopened"
    # the citizen's verdict
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_EXPIRED = "follow_up_expired"
    # deadlines
    CALENDAR_MISSING = "calendar_missing"
    DEADLINE_WARNING = "deadline_warning"
    DEADLINE_OVERDUE = "deadline_overdue"
    DEADLINE_ESCALATED = "deadline_escalated"
    # casework (issue 17): notes, first contact (先行联系), 挂起, 甄别/申诉
    PROGRESS_NOTE = "progress_note"  # 阶段性答复: public, the citizen reads it on /track
    INTERNAL_NOTE = "internal_note"  # staff only, never public
    CONTACTED = "contacted"
    SUSPENSION_REQUESTED = "suspension_requested"
    SUSPENSION_REFUSED = "suspension_refused"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    APPEALED = "appealed"
    APPEAL_APPROVED = "appeal_approved"
    APPEAL_REFUSED = "appeal_refused"
    # forwarding (转派/下派) to a descendant unit: hotline.models.forwarding
    FORWARDED = "forwarded"
    FORWARD_SIGNED = "forward_signed"
    FORWARD_REPLIED = "forward_replied"  # the child's answer, waiting for the parent
    FORWARD_ACCEPTED = "forward_accepted"  # the parent adopts it as its reply (a `replied` follows)
    FORWARD_SENT_BACK = "forward_sent_back"  # the parent wants the child's answer reworked
    FORWARD_RETURNED = "forward_returned"  # the child hands the task back to the parent
    # levels (issue 17): the handler (经办人) within the unit
    HANDLER_ASSIGNED = "handler_assigned"
    # risk triage (issue 19): a risk mark set by a rule or a person, a hand-off to 110/120
    RISK_FLAGGED = "risk_flagged"
    RISK_SUGGESTED = "risk_suggested"  # 可能有风险: the risk model's hint, no mark, no alert
    HANDED_OFF = "handed_off"

    # 合并办理 (issue 18): incident groups.
    INCIDENT_PROPOSED = "incident_proposed"  # intake found an open ticket about the same incident
    INCIDENT_CONFIRMED = "incident_confirmed"  # a supervisor confirms the group (on the master)
    INCIDENT_ADDED = "incident_added"  # a supervisor adds a ticket to a group
    INCIDENT_SPLIT = "incident_split"  # a supervisor takes a member out; it is routed on its own
    INCIDENT_ANSWERED = "incident_answered"  # the master's approved answer, for a member's citizen

    @classmethod
    def deadline(cls, step: str) -> EventKind:
        """The event of an escalation step ("warning", "overdue", "escalated")."""
        return cls(f"deadline_{step}")
