"""What happens after which event: the one table of the ticket's side effects.

Pure data. The life cycle appends events; the unit of work (hotline.app.unit_of_work) looks each
new event's kind up here and runs the named effects' handlers (hotline.citizen.effects) in
the same transaction, before the commit, so a message commits atomically with the fact it
reports and a rolled-back fact sends nothing. Send jobs are queued after the commit.

The deadline scan (hotline.tickets.escalation) writes its events in bulk, without ORM objects,
and hands the life cycle's steps (lifecycle.DeadlineStep) to the unit of work, which looks them
up here too: their notices and duty-phone SMS are inserted in one statement each per batch.
What each notice says, and to whom, is hotline.domain.notices.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from hotline.domain.events import EventKind
from hotline.models import Channel

# Who hears what (hotline.messaging explains why): voice and web callers with a mobile get the
# acknowledgement by SMS; callers reached by phone or SMS get the answer by SMS (or a call),
# while web and Open311 users read it on the tracking page / the Open311 feed.
ACK_CHANNELS = frozenset({Channel.VOICE, Channel.WEB})
SMS_ANSWER_CHANNELS = frozenset({Channel.SMS, Channel.VOICE, Channel.PHONE})


class Effect(StrEnum):
    # The citizen (hotline.messaging documents who hears what, and how).
    ACKNOWLEDGE = "acknowledge"  # 受理回执: the ticket number and tracking link by SMS
    FOLLOW_UP_ROUND = "follow_up_round"  # 回访: a new round for the approved answer
    ANSWER = "answer"  # 答复: by SMS, or on the agents' call-back list without a mobile
    # Staff.
    NOTIFY = "notify"  # inbox notices (a unit, a post, the administrators)
    STAFF_SMS = "staff_sms"  # the duty phone of the unit that must act (or the duty supervisors)


EFFECTS: Mapping[EventKind, tuple[Effect, ...]] = MappingProxyType({
    EventKind.INTAKE: (Effect.ACKNOWLEDGE,),
    # The round first: the answer's dedupe key carries the round's number.
    EventKind.REPLY_APPROVED: (Effect.FOLLOW_UP_ROUND, Effect.ANSWER),
    # Staff notices of the life cycle's decisions (hotline.domain.notices).
    EventKind.ARBITRATION_REQUIRED: (Effect.NOTIFY,),
    EventKind.EXTENSION_REQUESTED: (Effect.NOTIFY,),
    EventKind.EXTENSION_REFUSED: (Effect.NOTIFY,),
    EventKind.EXTENSION_APPROVED: (Effect.NOTIFY,),
    EventKind.URGED: (Effect.NOTIFY,),
    EventKind.CALENDAR_MISSING: (Effect.NOTIFY,),
    # 转派: the unit that must act next hears of it (the child, or the accountable parent).
    EventKind.FORWARDED: (Effect.NOTIFY,),
    EventKind.FORWARD_REPLIED: (Effect.NOTIFY,),
    EventKind.FORWARD_SENT_BACK: (Effect.NOTIFY,),
    EventKind.FORWARD_RETURNED: (Effect.NOTIFY,),
    # 经办人: the person a unit's lead names hears of it (a notice of their own).
    EventKind.HANDLER_ASSIGNED: (Effect.NOTIFY,),
    # The deadline scan's steps.
    EventKind.DEADLINE_WARNING: (Effect.NOTIFY,),
    EventKind.DEADLINE_OVERDUE: (Effect.NOTIFY, Effect.STAFF_SMS),
    EventKind.DEADLINE_ESCALATED: (Effect.NOTIFY, Effect.STAFF_SMS),
    # Risk triage (issue 19): an extreme risk alerts the duty supervisors at once, in their
    # inbox and by SMS to the duty roster's mobiles (hotline.domain.notices says when).
    EventKind.RISK_FLAGGED: (Effect.NOTIFY, Effect.STAFF_SMS),
})


# casework (issue 17): the centre hears of a 挂起 request or an appeal, the unit of the decision
# (and of a span's end).
EFFECTS = MappingProxyType({
    **EFFECTS,
    EventKind.SUSPENSION_REQUESTED: (Effect.NOTIFY,),
    EventKind.SUSPENSION_REFUSED: (Effect.NOTIFY,),
    EventKind.SUSPENDED: (Effect.NOTIFY,),
    EventKind.RESUMED: (Effect.NOTIFY,),
    EventKind.APPEALED: (Effect.NOTIFY,),
    EventKind.APPEAL_APPROVED: (Effect.NOTIFY,),
    EventKind.APPEAL_REFUSED: (Effect.NOTIFY,),
    # 合并办理: each member's citizen gets the master's answer on their own channel, under their
    # own number, and a follow-up round of their own (each rates separately).
    EventKind.INCIDENT_ANSWERED: (Effect.FOLLOW_UP_ROUND, Effect.ANSWER),
    # A dispatched ticket a supervisor adds to a group: its unit hears that it need not handle it.
    EventKind.INCIDENT_ADDED: (Effect.NOTIFY,),
})


def effects_of(kind: str) -> tuple[Effect, ...]:
    """The effects of an event kind, in the order they run; most events have none."""
    return EFFECTS.get(kind, ())  # type: ignore[call-overload]  # a stored str equals its kind
