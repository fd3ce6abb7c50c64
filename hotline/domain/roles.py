"""What each post may do: the one table of permissions, and the one check everything uses.

Permissions attach to posts (roles), not to people (domain.md §5). The ticket life cycle calls
`require`, staff pages and API endpoints check the same GRANTS through their decorators
(hotline.identity.permissions, hotline.api.security), so changing what a post may do is one edit
here. Pure: the domain imports it without loading a web framework.
"""

from __future__ import annotations

import enum

from hotline.domain.errors import Forbidden
from hotline.models import Role


class Permission(enum.StrEnum):
    # Pages and API reads.
    VIEW_TICKETS = "view_tickets"  # the ticket list and pages; rows are scoped by hotline.identity.access
    VIEW_ALL_TICKETS = "view_all_tickets"  # every unit's tickets, not only one's own unit's
    READ_NOTIFICATIONS = "read_notifications"
    LOG_CALL = "log_call"  # the agent console
    SUBMIT_INTAKE = "submit_intake"  # POST /api/v1/intakes for integrations
    CALL_CITIZENS = "call_citizens"  # the call-back list and phone follow-up (电话回访)
    UNIT_INBOX = "unit_inbox"
    SUPERVISE = "supervise"  # overdue and near-due dashboard
    ADMINISTER = "administer"  # routing data, time limits, calendar, templates, users
    REVEAL_PHONE = "reveal_phone"  # show a citizen's full number (each time audited)
    MANAGE_REPLY_TEMPLATES = "manage_reply_templates"  # a unit's canned replies (admins: all)
    ATTACH_FILES = "attach_files"  # upload files to a ticket (which tickets: hotline.workbench.attachments)
    # Ticket actions (hotline.domain.lifecycle; each needs one: hotline.tickets.catalogue).
    TRANSCRIBE = "transcribe"
    SET_TOPIC = "set_topic"
    DISPATCH = "dispatch"
    ARBITRATE = "arbitrate"  # dispatch a ticket returned twice
    SIGN = "sign"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    ASSIST_REPLY = "assist_reply"
    WAIVE_ASSIST = "waive_assist"
    REVIEW_REPLY = "review_reply"
    URGE = "urge"
    CLOSE = "close"
    REOPEN = "reopen"
    RECORD_FOLLOW_UP = "record_follow_up"
    # casework (issue 17): notes, first contact, 挂起, 甄别/申诉
    ADD_NOTE = "add_note"
    RECORD_CONTACT = "record_contact"
    SUSPEND = "suspend"
    DECIDE_SUSPENSION = "decide_suspension"
    RESUME = "resume"
    APPEAL = "appeal"
    DECIDE_APPEAL = "decide_appeal"
    # Forwarding (转派/下派) to a descendant unit: the child signs, replies and returns its task
    # with SIGN, REPLY and RETURN; handing down and adopting the child's answer commit the unit.
    FORWARD = "forward"
    REVIEW_FORWARD = "review_forward"
    # The handler (经办人) within the unit holding the ticket.
    ASSIGN_HANDLER = "assign_handler"  # name the unit's 经办人 of a ticket it holds
    # Risk triage (issue 19).
    MARK_RISK = "mark_risk"  # set a ticket's risk mark by hand (rules set it at intake)
    HAND_OFF = "hand_off"  # record a 双向转接 to 110/119/120/122
    # 合并办理 (issue 18): confirm, split and add to incident groups.
    MANAGE_INCIDENTS = "manage_incidents"


P = Permission
_EVERY_POST = {P.VIEW_TICKETS, P.READ_NOTIFICATIONS}
_CENTRE = _EVERY_POST | {
    P.VIEW_ALL_TICKETS, P.LOG_CALL, P.SUBMIT_INTAKE, P.CALL_CITIZENS, P.REVEAL_PHONE, P.TRANSCRIBE, P.SET_TOPIC,
    P.DISPATCH, P.WAIVE_ASSIST, P.REVIEW_REPLY, P.CLOSE, P.REOPEN, P.RECORD_FOLLOW_UP,
    P.ATTACH_FILES,
}
_SUPERVISOR = _CENTRE | {P.SUPERVISE, P.ARBITRATE, P.URGE, P.DECIDE_EXTENSION}
_SUPERVISOR |= {P.MANAGE_INCIDENTS}  # 合并办理: supervisors decide what one incident is
_UNIT_STAFF = _EVERY_POST | {P.UNIT_INBOX, P.SIGN, P.REPLY, P.ASSIST_REPLY, P.ATTACH_FILES}

# Forwarding commits the unit (it answers for the child's work), so its lead decides.
_FORWARDING_LEAD = {P.FORWARD, P.REVIEW_FORWARD}

# Unit staff do the work; sending a ticket back (退单, counted against the unit) and asking for
# more time (延期, visible in the unit's evaluation) commit the unit, so they need its lead.
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset(_CENTRE),
    Role.UNIT_STAFF: frozenset(_UNIT_STAFF),
    Role.UNIT_LEAD: frozenset(_UNIT_STAFF | {P.RETURN, P.REQUEST_EXTENSION,
                                             P.MANAGE_REPLY_TEMPLATES, P.ASSIGN_HANDLER}
                              | _FORWARDING_LEAD),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(_SUPERVISOR | {P.ADMINISTER, P.MANAGE_REPLY_TEMPLATES}),
}

# --- risk triage (issue 19) --------------------------------------------------------------------
# The centre holds the line when a caller is in danger: its posts mark a risk the rules missed
# and record the hand-off to 110/120; units only see the mark.
for _post in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
    GRANTS[_post] = GRANTS[_post] | {P.MARK_RISK, P.HAND_OFF}
# --- casework (issue 17) ---
# Every post writes notes on the tickets it sees; the unit reaches the citizen; pausing (挂起)
# and appealing (申诉) commit the unit, so its lead asks and the centre's supervisors decide.
# Resuming is the lead's (the wait is over) or a supervisor's (the centre ends it).
_CASEWORK: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({P.ADD_NOTE}),
    Role.UNIT_STAFF: frozenset({P.ADD_NOTE, P.RECORD_CONTACT}),
    Role.UNIT_LEAD: frozenset({P.ADD_NOTE, P.RECORD_CONTACT, P.SUSPEND, P.RESUME, P.APPEAL}),
    Role.SUPERVISOR: frozenset({P.ADD_NOTE, P.DECIDE_SUSPENSION, P.RESUME, P.DECIDE_APPEAL}),
    Role.ADMIN: frozenset({P.ADD_NOTE, P.DECIDE_SUSPENSION, P.RESUME, P.DECIDE_APPEAL}),
}
GRANTS = {role: grants | _CASEWORK.get(role, frozenset()) for role, grants in GRANTS.items()}


def allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and permission in GRANTS.get(role, frozenset())


def require(role: Role | None, permission: Permission, what: str) -> None:
    """Raise Forbidden (403, with the reason) unless the post holds `permission`."""
    if not allows(role, permission):
        raise Forbidden(f"您的岗位无权{what} / your post may not do this ({permission.value})")
