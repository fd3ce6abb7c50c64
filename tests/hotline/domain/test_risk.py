"""Risk triage in the life cycle (issue 19), on transient objects: the risk mark and its event,
the duty supervisors' alert it causes (notice and SMS words, hotline.domain.notices), and the
双向转接 hand-off record. No database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain import notices
from hotline.domain.effects import Effect, effects_of
from hotline.domain.errors import Forbidden, IllegalTransition, InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.notices import Notice, StaffText
from hotline.models import (
    Channel,
    Line,
    RequestType,
    Status,
    Ticket,
    Urgency,
)
from tests.hotline.domain.cast import AGENT, STAFF, SUPERVISOR, UNIT

T0 = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
RULE = {"by": "risk_rule", "rule": "自杀轻生", "phrase": "自杀"}
PHONES = ("+8613800000099", "+8613800000098")


def pending(status: Status = Status.PENDING_DISPATCH) -> Ticket:
    t = Ticket(number="20261207-000001", line=Line.L12345, channel=Channel.SMS,
               request_type=RequestType.HELP, content="我想自杀，活不下去了", status=status,
               urgency=Urgency.NORMAL, created_at=T0)
    t.events = []
    t.department = UNIT
    return t


# --- the mark ------------------------------------------------------------------------------------


def test_a_rule_marks_the_ticket_urgent_with_one_event_saying_why() -> None:
    t = pending()
    assert lc.mark_risk(t, lc.SYSTEM, category="self_harm", level="extreme", reason=RULE, at=T0)
    assert (t.risk_category, t.risk_level, t.urgency) == ("self_harm", "extreme", Urgency.URGENT)
    [event] = t.events
    assert (event.kind, event.actor, event.at) == (EventKind.RISK_FLAGGED, "system", T0)
    assert event.data == {"category": "self_harm", "level": "extreme", "reason": RULE,
                          "from": None, "urgency": "urgent"}


def test_a_rule_only_raises_a_mark() -> None:
    t = pending()
    lc.mark_risk(t, lc.SYSTEM, category="self_harm", level="extreme", reason=RULE)
    assert not lc.mark_risk(t, lc.SYSTEM, category="violence", level="high", reason=RULE)
    assert not lc.mark_risk(t, lc.SYSTEM, category="violence", level="extreme", reason=RULE)
    assert (t.risk_category, t.risk_level, len(t.events)) == ("self_harm", "extreme", 1)


def test_a_high_mark_raised_to_extreme_says_what_it_was() -> None:
    t = pending()
    lc.mark_risk(t, lc.SYSTEM, category="mass_gathering", level="high", reason=RULE)
    assert lc.mark_risk(t, lc.SYSTEM, category="violence", level="extreme", reason=RULE)
    assert t.events[-1].data["from"] == {"category": "mass_gathering", "level": "high"}
    assert "urgency" not in t.events[-1].data  # already urgent since the first mark


def test_a_person_sets_any_mark_with_a_reason() -> None:
    t = pending()
    lc.mark_risk(t, lc.SYSTEM, category="self_harm", level="extreme", reason=RULE)
    assert lc.mark_risk(t, SUPERVISOR, category="self_harm", level="high",
                        note="已联系家属，情绪稳定", reason={"by": "person"})
    assert t.risk_level == "high"
    assert (t.events[-1].actor, t.events[-1].note) == ("supervisor", "已联系家属，情绪稳定")
    with pytest.raises(InvalidInput) as refused:
        lc.mark_risk(t, AGENT, category="violence", level="extreme", note=" ")
    assert refused.value.field == "note"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"category": "weather", "level": "extreme"}, "category"),
    ({"category": "violence", "level": "medium"}, "level"),
])
def test_unknown_categories_and_levels_are_the_readers_mistake(kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        lc.mark_risk(pending(), AGENT, note="来电人称", **kwargs)
    assert refused.value.field == field


def test_units_may_not_mark_and_a_closed_ticket_takes_no_mark() -> None:
    with pytest.raises(Forbidden):
        lc.mark_risk(pending(Status.SIGNED), STAFF, category="violence", level="high", note="x")
    with pytest.raises(IllegalTransition):
        lc.mark_risk(pending(Status.CLOSED), AGENT, category="violence", level="high", note="x")


# --- the alert -----------------------------------------------------------------------------------


def test_the_risk_event_notifies_and_texts() -> None:
    assert effects_of(EventKind.RISK_FLAGGED) == (Effect.NOTIFY, Effect.STAFF_SMS)


def test_an_extreme_mark_alerts_the_supervisors_and_texts_every_duty_phone() -> None:
    t = pending()
    lc.mark_risk(t, lc.SYSTEM, category="self_harm", level="extreme", reason=RULE)
    event = t.events[-1]
    words = "极高风险（自伤自杀）：工单 20261207-000001，“自杀”"
    assert notices.of_event(t, event) == [Notice(
        "risk_alert", f"{words}。请立即处置，必要时转接 110/120。", "red", role="supervisor")]
    assert notices.texts_of_event(t, event, PHONES) == [
        StaffText(phone, f"【12345】{words}，请立即处置。") for phone in PHONES]


def test_a_high_mark_alerts_nobody_and_an_extreme_one_alerts_once() -> None:
    t = pending()
    lc.mark_risk(t, lc.SYSTEM, category="violence", level="high", reason=RULE)
    assert notices.of_event(t, t.events[-1]) == []
    assert notices.texts_of_event(t, t.events[-1], PHONES) == []
    lc.mark_risk(t, AGENT, category="violence", level="extreme", note="来电人称对方持刀")
    assert len(notices.of_event(t, t.events[-1])) == 1
    assert "来电人称对方持刀" in notices.texts_of_event(t, t.events[-1], PHONES)[0].body
    lc.mark_risk(t, SUPERVISOR, category="self_harm", level="extreme", note="改为自伤")
    assert notices.of_event(t, t.events[-1]) == []  # already extreme: alerted before


# --- the hand-off --------------------------------------------------------------------------------


def test_a_hand_off_records_to_whom_who_when_and_the_note() -> None:
    t = pending(Status.DISPATCHED)
    event = lc.hand_off(t, AGENT, to="120", note=" 已告知地址 ", at=T0)
    assert (event.kind, event.actor, event.actor_id, event.at) == (EventKind.HANDED_OFF, "agent",
                                                                   10, T0)
    assert (event.data, event.note) == ({"to": "120"}, "已告知地址")
    assert t.status == Status.DISPATCHED  # only a record: the ticket stays where it was
    lc.hand_off(t, SUPERVISOR, to="110")
    assert [e.data["to"] for e in lc.hand_offs(t)] == ["120", "110"]
    assert lc.hand_off(t, AGENT, to="119", note="  ").note is None


def test_a_hand_off_refuses_unknown_services_units_and_closed_tickets() -> None:
    with pytest.raises(InvalidInput) as refused:
        lc.hand_off(pending(), AGENT, to="999")
    assert refused.value.field == "to"
    with pytest.raises(InvalidInput):
        lc.hand_off(pending(), AGENT, to="110", note="长" * (lc.MAX_HANDOFF_NOTE + 1))
    with pytest.raises(Forbidden):
        lc.hand_off(pending(Status.SIGNED), STAFF, to="110")
    with pytest.raises(IllegalTransition):
        lc.hand_off(pending(Status.CLOSED), AGENT, to="110")
