"""Refusals speak the reader's language: the Chinese half of every `中文 / English` refusal names
the action by its Chinese label (lifecycle.ACTS, the catalogue's), never by its URL slug or
English phrase, and the state by its Chinese name; the English half keeps the English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from hotline.domain import lifecycle as lc
from hotline.domain.errors import DomainError
from hotline.models import Role, Status
from tests.hotline.domain.test_forwarding import (
    CHILD_STAFF,
    SIBLING_LEAD,
    STREET,
    forwarded,
)
from tests.hotline.domain.test_forwarding import LEAD as DISTRICT_LEAD
from tests.hotline.domain.test_forwarding import signed as signed_at_district
from tests.hotline.domain.test_lifecycle import (
    AGENT,
    LEAD,
    STAFF,
    STRANGER_LEAD,
    T0,
    UNIT,
    ticket,
)

LATIN = re.compile(r"[A-Za-z]")


def halves(message: str) -> tuple[str, str]:
    chinese, sep, english = message.partition(" / ")
    assert sep, message
    return chinese, english


def refusal(action: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(DomainError) as err:
        action()
    return halves(err.value.message)


REFUSED: dict[str, Callable[[], object]] = {
    # a wrong state (_require)
    "state": lambda: lc.assign(ticket(Status.REPLIED, unit=UNIT), LEAD, None),  # type: ignore[arg-type]
    # the centre's and the supervisors' posts
    "centre": lambda: lc.set_topic(ticket(), STAFF, None),  # type: ignore[arg-type]
    "supervisor": lambda: lc.urge(ticket(Status.SIGNED, unit=UNIT), AGENT, note="快", due=T0),
    # the lead unit, and its lead (_require_unit)
    "unit": lambda: lc.reply(ticket(Status.SIGNED, unit=UNIT), STRANGER_LEAD, "已办"),
    "unit lead": lambda: lc.request_suspension(ticket(Status.SIGNED, unit=UNIT), STAFF,
                                               reason="等待"),
    # the unit a ticket is forwarded to (_child_task), its lead, its task's state
    "child unit": lambda: lc.forward_sign(forwarded(), SIBLING_LEAD),
    "child lead": lambda: lc.forward_return(forwarded(), CHILD_STAFF, "不属本街道"),
    "child state": lambda: lc.forward_reply(forwarded(), CHILD_STAFF, "已修复"),
    "forward": lambda: lc.forward(signed_at_district(), STAFF, STREET),
    "forward review": lambda: lc.review_forward(forwarded(), lc.Actor(
        "a1-gov", Role.UNIT_STAFF, 12, DISTRICT_LEAD.department_id), accept=True),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_chinese_refusal_names_no_ascii_action(case: str) -> None:
    chinese, english = refusal(REFUSED[case])
    assert not LATIN.search(chinese), chinese
    assert english.isascii() and LATIN.search(english)
    slugs = {name for name in lc.ACTS} | {act.en for act in lc.ACTS.values()}
    assert not any(slug in chinese for slug in slugs)


def test_the_refusal_says_the_label_and_the_state_in_chinese() -> None:
    chinese, english = refusal(REFUSED["state"])
    assert chinese == "工单状态为「已答复」，不能指定经办人"
    assert english == "cannot assign a handler: the ticket is replied"
    assert refusal(REFUSED["unit lead"]) == ("须由单位负责人申请挂起", "only the unit's lead may suspend")
    assert refusal(REFUSED["child state"])[0] == "转派任务状态为「待签收」，不能转派反馈"


@pytest.mark.parametrize("name", list(lc.ACTS))
def test_every_action_is_refused_in_chinese_by_its_label(name: str) -> None:
    """What each helper builds, for every action a refusal may name (a wrong state)."""
    chinese, _english = refusal(lambda: lc._require(ticket(Status.CLOSED), name, ()))
    assert chinese == f"工单状态为「已办结」，不能{lc.ACTS[name].zh}"

