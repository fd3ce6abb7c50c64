"""The reply-quality check the centre sees before it reviews (审核) a unit's answer.

classifier.reply_quality scores the answer against the citizen's words; this module picks the
answer that waits for review and gives the score to the ticket page (beside 审核通过 / 退回重办)
and to the API's ticket JSON. It advises: the reviewer still decides, nothing is stored, and
the score is computed again on each view (about 3 ms), so a changed rule applies at once.
"""

from __future__ import annotations

from typing import Any

from classifier.reply_quality import ReplyQuality, assess
from hotline.domain.events import EventKind
from hotline.domain.marks import N_
from hotline.domain.roles import Permission, allows
from hotline.models import Status, Ticket, User

BAND_LABELS = {"good": N_("较好"), "fair": N_("中等"), "poor": N_("较差")}


def answer_awaiting_review(ticket: Ticket) -> str | None:
    """The unit's latest answer while the ticket is replied and no review has accepted it."""
    if ticket.status != Status.REPLIED:
        return None
    for event in reversed(ticket.events):
        if event.kind == EventKind.REPLY_APPROVED:
            return None
        if event.kind == EventKind.REPLIED:
            return event.note or None
    return None


def reply_quality(ticket: Ticket) -> ReplyQuality | None:
    answer = answer_awaiting_review(ticket)
    return assess(ticket.content, answer) if answer else None


def reply_quality_dict(ticket: Ticket, viewer: User) -> dict[str, Any] | None:
    """For the API: only to those who review replies (the units answer, the centre judges)."""
    if not allows(viewer.role, Permission.REVIEW_REPLY):
        return None
    quality = reply_quality(ticket)
    return quality.as_dict() if quality else None
