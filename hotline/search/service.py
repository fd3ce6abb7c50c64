"""Find tickets: the terms of the search box and the filters as one scoped, paged query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.domain.errors import InvalidInput
from hotline.domain.roles import Permission, allows
from hotline.domain.states import UNANSWERED
from hotline.identity.access import identity_shown, scope
from hotline.models import Department, Place, Ticket, Topic, User, utcnow
from hotline.search.index import BODY, PERSON, Backend, backend
from hotline.search.params import PER_PAGE
from hotline.search.query import Kind, Term, parse
from hotline.search.tokens import PHONE, TAIL, name_tokens, word_tokens
from hotline.tickets.lookups import topic_by_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME_MAX = 10  # longer words are not names: no match on the personal field
# Matches counted at most: beyond, the page says "more than 10,000". Counting every one of the
# half million tickets a common word like 小区 finds cost seconds on 5,000,000 (bench/search);
# nobody pages that far, they narrow the search.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Results:
    items: list[Ticket]
    total: int
    page: int
    per_page: int
    capped: bool = False  # there are more than `total` (COUNT_LIMIT) matches

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _term(index: Backend, user: User, term: Term) -> ColumnElement[bool]:
    if term.kind == Kind.NUMBER:
        return Ticket.number == term.value
    shown = identity_shown(user)
    if term.kind == Kind.PHONE_TAIL:
        return and_(index.phrase(PERSON, [TAIL + term.value], False), shown)
    if term.kind == Kind.PHONE:
        # A match would confirm the middle digits a masked number (138****8000) hides.
        if not allows(user.role, Permission.REVEAL_PHONE):
            raise InvalidInput("您的岗位不能按完整号码查找，请输入后四位 / your post may search "
                               "by the last four digits only", field="q")
        return index.phrase(PERSON, [PHONE + term.value], False)
    lone = len(term.tokens) == 1 and len(term.tokens[0]) == 1 and not term.tokens[0].isascii()
    found = index.phrase(BODY, term.tokens, lone)
    names = name_tokens(term.value) if len(term.value) <= NAME_MAX else []
    if names:
        found = or_(found, and_(index.phrase(PERSON, names, False), shown))
    return found


def _topic_ids(session: Session, top: Topic) -> list[int]:
    """The topic and every topic below it (3 levels, a few hundred rows)."""
    children: dict[int | None, list[int]] = {}
    for tid, parent in session.execute(select(Topic.id, Topic.parent_id)):
        children.setdefault(parent, []).append(tid)
    ids, todo = [], [top.id]
    while todo:
        tid = todo.pop()
        ids.append(tid)
        todo.extend(children.get(tid, []))
    return ids


def _place(session: Session, code: str, kind: str) -> Place:
    place = session.scalars(select(Place).where(Place.code == code, Place.kind == kind)).one_or_none()
    if place is None:
        raise InvalidInput(f"未知地区 / unknown {kind}: {code}", field=kind)
    return place


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def conditions(session: Session, user: User, args: dict[str, Any],
               now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a search; an unknown code is the reader's mistake (400)."""
    index = backend(session)
    out = [_term(index, user, term) for term in parse(args.get("q"))]
    for name in ("status", "line", "channel"):
        if args.get(name):
            out.append(getattr(Ticket, name) == args[name])
    topic = topic_by_code(session, args.get("topic"))
    if topic is not None:
        out.append(Ticket.topic_id.in_(_topic_ids(session, topic)))
    if args.get("department"):
        unit = session.scalars(select(Department).where(
            Department.code == args["department"])).one_or_none()
        if unit is None:
            raise InvalidInput(f"未知单位 / unknown unit: {args['department']}", field="department")
        out.append(Ticket.department_id == unit.id)
    if args.get("district"):
        out.append(Ticket.district == _place(session, args["district"], "district").code)
    if args.get("street"):
        street = _place(session, args["street"], "street")
        names = [street.name, *street.alias_list]
        # Located in the street (the gazetteer found it: what the map counts) or naming it.
        out.append(or_(Ticket.street == street.code,
                       *(index.phrase(BODY, word_tokens(n), False) for n in names if word_tokens(n))))
    if args.get("community"):
        community = _place(session, args["community"], "community")
        # The street too: its index finds the few tickets, the community narrows them.
        out.append(and_(Ticket.street == community.street_code,
                        Ticket.community == community.code))
    if args.get("created_from"):
        out.append(Ticket.created_at >= _day_start(args["created_from"]))
    if args.get("created_to"):
        out.append(Ticket.created_at < _day_start(args["created_to"] + timedelta(days=1)))
    if args.get("overdue"):
        out.append(and_(Ticket.status.in_(UNANSWERED), Ticket.reply_due < now))
    return out


def search(session: Session, user: User, args: dict[str, Any],
           now: datetime | None = None) -> Results:
    """One page of the tickets this user may see that match, newest first, with the total
    of all pages (up to COUNT_LIMIT).

    The matches are read once, up to COUNT_LIMIT + 1 of them (id and date, through the index):
    when they are fewer, that is the exact total and the page is cut from them, so PostgreSQL
    never walks the date index backwards hoping to meet rare matches soon (seconds on
    5,000,000 tickets when a unit searches a word its tickets rarely hold, bench/search).
    When there are more, the matches are dense and walking the date index is what is fast.
    """
    where = conditions(session, user, args, now or utcnow())
    page, per_page = args.get("page", 1), args.get("per_page", PER_PAGE)
    first = (page - 1) * per_page
    found = session.execute(scope(select(Ticket.id, Ticket.created_at), user).where(*where)
                            .limit(COUNT_LIMIT + 1)).all()
    capped = len(found) > COUNT_LIMIT
    tickets = scope(select(Ticket), user).options(
        selectinload(Ticket.department), selectinload(Ticket.topic),
        selectinload(Ticket.handler))
    if capped:
        rows = list(session.scalars(tickets.where(*where).order_by(
            Ticket.created_at.desc(), Ticket.id.desc()).offset(first).limit(per_page)))
    else:
        newest = sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)
        ids = [r.id for r in newest[first:first + per_page]]
        by_id = {t.id: t for t in session.scalars(tickets.where(Ticket.id.in_(ids)))} if ids else {}
        rows = [by_id[i] for i in ids]
    return Results(rows, min(len(found), COUNT_LIMIT), page, per_page, capped=capped)
