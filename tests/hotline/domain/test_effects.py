"""The side-effect table: pure data, each effect handled, the follow-up round before the answer."""

from __future__ import annotations

from hotline.domain.effects import ACK_CHANNELS, EFFECTS, SMS_ANSWER_CHANNELS, Effect, effects_of
from hotline.domain.events import EventKind
from hotline.models import Channel


def test_the_citizen_hears_of_the_intake_and_the_approved_answer() -> None:
    assert effects_of(EventKind.INTAKE) == (Effect.ACKNOWLEDGE,)
    assert Effect.ANSWER in effects_of(EventKind.REPLY_APPROVED)


def test_the_round_opens_before_the_answer_whose_key_carries_it() -> None:
    kinds = effects_of(EventKind.REPLY_APPROVED)
    assert kinds.index(Effect.FOLLOW_UP_ROUND) < kinds.index(Effect.ANSWER)


def test_stored_strings_find_their_effects_and_other_events_have_none() -> None:
    assert effects_of("reply_approved") == effects_of(EventKind.REPLY_APPROVED)
    assert effects_of(EventKind.REPLIED) == () and effects_of("no_such_kind") == ()


def test_overdue_and_escalated_steps_text_the_duty_phone_a_warning_does_not() -> None:
    assert Effect.STAFF_SMS in effects_of(EventKind.DEADLINE_OVERDUE)
    assert Effect.STAFF_SMS in effects_of(EventKind.DEADLINE_ESCALATED)
    assert effects_of(EventKind.DEADLINE_WARNING) == (Effect.NOTIFY,)


def test_every_orm_effect_has_a_handler() -> None:
    from hotline.citizen.effects import HANDLERS

    bulk_only = {Effect.STAFF_SMS}  # only the deadline scan's steps text a duty phone
    assert {e for kinds in EFFECTS.values() for e in kinds} - bulk_only <= set(HANDLERS)


def test_every_effect_of_a_deadline_step_has_a_bulk_handler() -> None:
    from hotline.citizen.effects import STEP_HANDLERS

    for step in ("warning", "overdue", "escalated"):
        assert set(effects_of(EventKind.deadline(step))) <= set(STEP_HANDLERS)


def test_every_event_that_notifies_has_its_words() -> None:
    from hotline.domain.notices import EVENT_NOTICES

    deadline = {EventKind.deadline(s) for s in ("warning", "overdue", "escalated")}
    notifying = {k for k, kinds in EFFECTS.items() if Effect.NOTIFY in kinds}
    assert notifying - deadline == set(EVENT_NOTICES)


def test_sms_intakes_get_no_acknowledgement_web_and_open311_no_answer_sms() -> None:
    assert Channel.SMS not in ACK_CHANNELS and Channel.WEB in ACK_CHANNELS
    assert Channel.WEB not in SMS_ANSWER_CHANNELS and Channel.OPEN311 not in SMS_ANSWER_CHANNELS
