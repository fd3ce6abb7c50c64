"""Ticket actions for the API and the web pages: load with visibility, act, commit safely.

One place maps a lost optimistic-lock race (SQLAlchemy's StaleDataError on `Ticket.version`)
to 409 Conflict, so two people acting on the same ticket at once never corrupt it and the
slower one is told to reload instead of silently overwriting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.domain import lifecycle
from hotline.domain.errors import Conflict, InvalidInput, NotFound
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.identity.access import check_view
from hotline.identity.permissions import ACTION_PERMISSIONS, require
from hotline.intake import snapshot
from hotline.models import Department, Ticket, TrainingExample, User
from hotline.tickets.lookups import topic_by_code
from routing.calendar import SHANGHAI

ACTIONS = tuple(ACTION_PERMISSIONS)


@contextmanager
def guarded(session: Session) -> Iterator[None]:
    """Run a change and commit it, turning a concurrent change of the same ticket into 409.

    The race can surface at commit or earlier, when an autoflush (loading the event list, say)
    writes the ticket row and finds its version already moved on.
    """
    try:
        yield
        session.commit()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise Conflict("工单已被他人修改，请刷新后重试 / the ticket was changed by someone else; "
                       "reload and try again") from exc


def find(session: Session, user: User, number: str) -> Ticket:
    """The ticket by number as `user` may see it, else NotFound (also for another unit's)."""
    key = canonical(number)
    found = session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none() \
        if key else None
    return check_view(user, found)


def _unit(session: Session, value: Any, field: str = "unit") -> Department:
    """A unit by its code, or by the "名称（代码）" label the type-ahead field offers."""
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("请选择承办单位 / choose the responsible unit", field=field)
    code = text[text.rindex("（") + 1:-1] if text.endswith("）") and "（" in text else text
    unit = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if unit is None:
        raise InvalidInput(f"未知单位 / unknown unit: {text}", field=field)
    return unit


def _set_topic(session: Session, ticket: Ticket, actor: Actor, code: Any) -> None:
    """A person's choice of topic is also a labelled example the next retraining learns from."""
    if not str(code or "").strip():
        raise InvalidInput("请选择分类 / choose a topic", field="topic")
    topic = topic_by_code(session, str(code or ""))
    if topic is None or not topic.active:
        raise InvalidInput(f"未知分类 / unknown topic: {code}", field="topic")
    lifecycle.set_topic(ticket, actor, topic)
    session.add(TrainingExample(ticket_id=ticket.id, text=ticket.content, label=topic.root.name,
                                created_by=actor.label))


def _handlers(session: Session) -> dict[str, Callable[[Ticket, Actor, dict[str, Any]], None]]:
    planner = snapshot.current(session).planner
    return {
        "dispatch": lambda t, a, args: lifecycle.dispatch(
            t, a, _unit(session, args.get("unit")),
            reason={"by": "person", "user": a.label, "note": args.get("note")},
            assisting=[_unit(session, c, "assisting") for c in args.get("assisting") or []],
            planner=planner),
        "sign": lambda t, a, args: lifecycle.sign(t, a),
        "return": lambda t, a, args: lifecycle.return_ticket(
            t, a, reason_code=args.get("reason_code", ""), reason=args.get("reason", ""),
            planner=planner),
        "extend": lambda t, a, args: _none(lifecycle.request_extension(
            t, a, days=args.get("days"), reason=args.get("reason", ""))),
        "decide-extension": lambda t, a, args: lifecycle.decide_extension(
            t, a, approve=bool(args.get("approve")), note=args.get("note"), planner=planner),
        "reply": lambda t, a, args: lifecycle.reply(t, a, args.get("answer", "")),
        "review-reply": lambda t, a, args: lifecycle.review_reply(
            t, a, accept=bool(args.get("accept")), note=args.get("note")),
        "urge": lambda t, a, args: _none(lifecycle.urge(
            t, a, note=args.get("note", ""), due=_due(args.get("due")), planner=planner)),
        "close": lambda t, a, args: lifecycle.close(t, a, note=args.get("note"),
                                                    direct=bool(args.get("direct"))),
        "reopen": lambda t, a, args: lifecycle.reopen(t, a, args.get("reason", ""),
                                                      planner=planner),
        "assist-reply": lambda t, a, args: lifecycle.assist_reply(t, a, args.get("answer", "")),
        "waive-assist": lambda t, a, args: lifecycle.waive_assist(
            t, a, str(args.get("unit", "")), args.get("reason", "")),
        "set-topic": lambda t, a, args: _set_topic(session, t, a, args.get("topic")),
    }


def _none(_: object) -> None:
    return None


def _due(value: Any) -> datetime:
    """A deadline as people type it: `2026-12-09 17:30`, `2026-12-09T17:30` (what a
    datetime-local field sends), with seconds or an offset; without an offset it is Shanghai
    time, the zone every page shows."""
    if isinstance(value, datetime):
        return value
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("请填写督办时限 / due is required", field="due")
    try:
        due = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise InvalidInput("督办时限格式应为 2026-12-09 17:30 / due must look like "
                           "2026-12-09 17:30", field="due") from None
    return due if due.tzinfo is not None else due.replace(tzinfo=SHANGHAI)


def perform(session: Session, user: User, number: str, action: str,
            args: dict[str, Any]) -> Ticket:
    """Run `action` on the ticket as `user` and commit; DomainErrors carry the HTTP status."""
    if action not in ACTIONS:
        raise NotFound(f"未知操作 / unknown action: {action}")
    # The post first: a refused action is 403 whatever the ticket's state.
    require(user.role, ACTION_PERMISSIONS[action], action)
    handler = _handlers(session)[action]
    ticket = find(session, user, number)
    with guarded(session):
        handler(ticket, Actor.of(user), args)
    return ticket
