"""Named sets of ticket states, defined once.

The life cycle checks its actions against them, hotline.tickets.catalogue offers each action
where it applies, and the reports and inboxes select tickets by them; a set with a different
meaning gets a different name (figures' "not yet answered" is not the life cycle's "in work").
"""

from __future__ import annotations

from hotline.domain.marks import N_
from hotline.models import Status

# What each state is called (translated where pages show it); the life cycle's refusals name
# the state by it, hotline.app.labels shows it.
STATUS_LABELS = {
    Status.AWAITING_TRANSCRIPTION.value: N_("待转写"),
    Status.PENDING_DISPATCH.value: N_("待分拨"),
    Status.DISPATCHED.value: N_("已派单"),
    Status.SIGNED.value: N_("已签收"),
    Status.RETURNED.value: N_("已退单"),
    Status.REPLIED.value: N_("已答复"),
    Status.CLOSED.value: N_("已办结"),
}

EVERY = frozenset(Status)  # 修改分类 applies whatever the state
# Every state but 已办结: what a citizen may still add to and what repeats are matched against.
OPEN = EVERY - {Status.CLOSED}
# In the lead unit's hands: it may return, extend, or (once signed) answer.
UNIT_WORK = frozenset({Status.DISPATCHED, Status.SIGNED})
# The ticket is being handled (by the centre or a unit) or its answer awaits review: assisting
# units, extensions and 督办 still apply.
WORKING = frozenset({Status.PENDING_DISPATCH, Status.DISPATCHED, Status.SIGNED, Status.RETURNED,
                     Status.REPLIED})
AT_CENTRE = frozenset({Status.PENDING_DISPATCH, Status.RETURNED})  # waiting to be (re)dispatched
UNSIGNED = frozenset({Status.DISPATCHED})
BEING_ANSWERED = frozenset({Status.SIGNED})
ANSWERED = frozenset({Status.REPLIED})  # the centre reviews and closes
BEFORE_REPLY = WORKING - ANSWERED  # a 督办 order still has work to hurry
NEVER_DISPATCHED = frozenset({Status.PENDING_DISPATCH})  # 直接办结 of an enquiry
REOPENABLE = frozenset({Status.REPLIED, Status.CLOSED})

# The reports' sets. A ticket counts as responded once its unit has signed, whatever came
# after; as answered once replied, closed included; and as overdue while nobody has answered
# yet (a voice message still waiting for its words counts, an answer under review does not).
SIGNED_OR_LATER = frozenset({Status.SIGNED, Status.REPLIED, Status.CLOSED})
REPLIED_OR_CLOSED = frozenset({Status.REPLIED, Status.CLOSED})
UNANSWERED = OPEN - ANSWERED
