"""Event kinds: one enum whose values are the strings stored in ticket_events.kind."""

from __future__ import annotations

from hotline.domain.events import EventKind


def test_stored_values_are_the_old_strings() -> None:
    assert EventKind.REPLY_APPROVED == "reply_approved"
    assert EventKind.CLOSED_DIRECT == "closed_direct"
    assert {"reply_approved": 1}[EventKind.REPLY_APPROVED] == 1  # same hash: old keys still match
    assert all(kind.value == kind.name.lower() for kind in EventKind)


def test_each_escalation_step_has_its_kind() -> None:
    assert [EventKind.deadline(s) for s in ("warning", "overdue", "escalated")] == [
        EventKind.DEADLINE_WARNING, EventKind.DEADLINE_OVERDUE, EventKind.DEADLINE_ESCALATED]
