"""The named state sets: each defined once, and the reports' sets distinct from the life cycle's."""

from __future__ import annotations

from hotline.domain import lifecycle, states
from hotline.models import Status


def test_life_cycle_uses_the_domain_sets() -> None:
    assert lifecycle.WORKING is states.WORKING
    assert lifecycle.UNIT_WORK is states.UNIT_WORK
    assert lifecycle.AT_CENTRE is states.AT_CENTRE


def test_open_is_everything_but_closed() -> None:
    assert set(Status) - {Status.CLOSED} == states.OPEN
    assert set(Status) == states.EVERY


def test_the_centre_and_the_unit_never_hold_a_ticket_at_once() -> None:
    assert not states.AT_CENTRE & states.UNIT_WORK
    assert states.UNIT_WORK == states.UNSIGNED | states.BEING_ANSWERED


def test_before_reply_is_work_not_yet_answered() -> None:
    assert states.WORKING - {Status.REPLIED} == states.BEFORE_REPLY


def test_reports_count_an_unanswered_voice_message_as_work_but_not_a_reply_under_review() -> None:
    assert Status.AWAITING_TRANSCRIPTION in states.UNANSWERED
    assert Status.AWAITING_TRANSCRIPTION not in states.WORKING
    assert Status.REPLIED in states.WORKING
    assert Status.REPLIED not in states.UNANSWERED


def test_signed_or_later_and_replied_or_closed_include_the_end() -> None:
    assert {Status.SIGNED, Status.REPLIED, Status.CLOSED} == states.SIGNED_OR_LATER
    assert states.SIGNED_OR_LATER - {Status.SIGNED} == states.REPLIED_OR_CLOSED
    assert Status.CLOSED not in states.OPEN
