"""The unit inbox as queries: tabs by state, filters, keyword search, nearest deadline first.

Everything is filtered, counted and paged in SQL, so a unit with thousands of tickets still gets
its page from a few indexed queries: tickets by (department, status) and (department, created),
assist and forwarded tasks by department, clocks by ticket. Visibility comes from hotline.identity.access.scope only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.domain import states
from hotline.domain.errors import InvalidInput
from hotline.identity.access import scope
from hotline.models import (
    AssistTask,
    DeadlineClock,
    ForwardTask,
    Line,
    Status,
    Ticket,
    Topic,
    User,
    utcnow,
)
from hotline.tickets.lookups import topic_by_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
PER_PAGE = 20
MAX_QUERY = 100
# Tab key → label; "open" is everything waiting for this unit: led work, open 协办 tasks and
# tasks forwarded to it (转派) that it has still to sign or answer.
TABS = {"open": _l("全部待办"), "dispatched": _l("待签收"), "signed": _l("办理中"),
        "assist": _l("协办"), "forwarded": _l("转派给本单位"), "replied": _l("已答复待审核"),
        "closed": _l("已办结")}
FORWARD_WAITING = ("pending", "signed")  # a forwarded task still the child's to act on
# Whose tickets (levels, issue 17): the whole unit's, or those its lead gave this user (经办人).
VIEWS = {"unit": _l("本单位"), "me": _l("我的")}
LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


@dataclass(frozen=True)
class Filters:
    """What the reader asked for, validated: a bad value is a 400 naming the field."""

    tab: str = "open"
    view: str = "unit"
    q: str = ""
    topic: str = ""
    line: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, args: Any) -> Filters:
        tab = args.get("tab") or "open"
        if tab not in TABS:
            raise InvalidInput(f"未知分组 / unknown tab: {tab}", field="tab")
        view = args.get("view") or "unit"
        if view not in VIEWS:
            raise InvalidInput(f"未知视图 / unknown view: {view}", field="view")
        line = args.get("line") or ""
        if line and line not in {v.value for v in Line}:
            raise InvalidInput(f"未知热线 / unknown line: {line}", field="line")
        since, until = _day(args, "since"), _day(args, "until")
        if since and until and since > until:
            raise InvalidInput("开始日期晚于结束日期 / 'since' is after 'until'", field="since")
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            raise InvalidInput("页码须为整数 / page must be a whole number", field="page") from None
        if page < 1:
            raise InvalidInput("页码须大于 0 / page must be positive", field="page")
        return cls(tab=tab, view=view, q=(args.get("q") or "").strip()[:MAX_QUERY],
                   topic=(args.get("topic") or "").strip(), line=line,
                   overdue=args.get("overdue") in ("1", "on", "true"),
                   since=since, until=until, page=page)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL arguments (empty ones left out), for tab and page links."""
        values = {"tab": self.tab, "view": self.view if self.view != "unit" else "", "q": self.q, "topic": self.topic, "line": self.line,
                  "overdue": "1" if self.overdue else "", "since": self.since or "",
                  "until": self.until or "", "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}


def _day(args: Any, name: str) -> date | None:
    value = args.get(name) or ""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期格式须为 YYYY-MM-DD / {name} must be YYYY-MM-DD",
                           field=name) from None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _mine(user: User) -> Any:
    """Running clocks that this user's unit must meet (its sign/reply or its assist task)."""
    return and_(DeadlineClock.ticket_id == Ticket.id, DeadlineClock.stopped_at.is_(None),
                DeadlineClock.department_id == user.department_id)


def _assisting(user: User) -> Any:
    return Ticket.id.in_(select(AssistTask.ticket_id).where(
        AssistTask.department_id == user.department_id, AssistTask.status == "open"))


def _forwarded(user: User) -> Any:
    return Ticket.id.in_(select(ForwardTask.ticket_id).where(
        ForwardTask.department_id == user.department_id,
        ForwardTask.status.in_(FORWARD_WAITING)))


def _tab_condition(tab: str, user: User) -> Any:
    led = Ticket.department_id == user.department_id
    return {
        "open": or_(and_(led, Ticket.status.in_(states.UNIT_WORK)),
                    _assisting(user), _forwarded(user)),
        "dispatched": and_(led, Ticket.status == Status.DISPATCHED),
        "signed": and_(led, Ticket.status == Status.SIGNED),
        "assist": _assisting(user),
        "forwarded": _forwarded(user),
        "replied": Ticket.status == Status.REPLIED,
        "closed": Ticket.status == Status.CLOSED,
    }[tab]


def _filtered(session: Session, user: User, f: Filters) -> Select[Any]:
    stmt = scope(select(Ticket), user)
    if f.view == "me":
        stmt = stmt.where(Ticket.handler_id == user.id)
    if f.q:
        like = f"%{f.q.translate(LIKE_ESCAPES)}%"
        stmt = stmt.where(or_(Ticket.number.like(like, escape="\\"),
                              Ticket.content.like(like, escape="\\"),
                              Ticket.address.like(like, escape="\\")))
    if (topic := topic_by_code(session, f.topic)) is not None:
        children = select(Topic.id).where(Topic.parent_id == topic.id)
        stmt = stmt.where(or_(Ticket.topic_id == topic.id, Ticket.topic_id.in_(children)))
    if f.line:
        stmt = stmt.where(Ticket.line == f.line)
    if f.overdue:
        stmt = stmt.where(exists().where(_mine(user), DeadlineClock.due_at <= utcnow()))
    if f.since:
        stmt = stmt.where(Ticket.created_at >= _local_midnight(f.since))
    if f.until:
        stmt = stmt.where(Ticket.created_at < _local_midnight(f.until + timedelta(days=1)))
    return stmt


@dataclass
class InboxPage:
    tickets: list[Ticket]
    counts: dict[str, int]
    overdue: int
    total: int
    pages: int


def load(session: Session, user: User, f: Filters) -> InboxPage:
    """One page of the tab, the counts of every tab under the same filters, and overdue total."""
    base = _filtered(session, user, f)
    ids = base.with_only_columns(Ticket.id).subquery()
    counts = {tab: session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.id.in_(select(ids.c.id)), _tab_condition(tab, user))) or 0 for tab in TABS}
    overdue = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.id.in_(select(ids.c.id)), _tab_condition("open", user),
        exists().where(_mine(user), DeadlineClock.due_at <= utcnow()))) or 0
    total = counts[f.tab]
    pages = max(1, -(-total // PER_PAGE))
    order = ([Ticket.updated_at.desc(), Ticket.id.desc()] if f.tab == "closed"
             else _nearest_due_first(user))
    rows = session.scalars(
        base.where(_tab_condition(f.tab, user)).order_by(*order)
        .offset((min(f.page, pages) - 1) * PER_PAGE).limit(PER_PAGE)
        .options(selectinload(Ticket.clocks), selectinload(Ticket.topic),
                 selectinload(Ticket.forward_tasks), selectinload(Ticket.handler))
    ).all()
    return InboxPage(list(rows), counts, overdue, total, pages)


def _nearest_due_first(user: User) -> list[Any]:
    """Order by the unit's nearest running deadline; tickets without one last."""
    next_due = (select(func.min(DeadlineClock.due_at)).where(_mine(user))
                .correlate(Ticket).scalar_subquery())
    return [next_due.is_(None), next_due, Ticket.id]


def next_up(session: Session, user: User, done: Ticket) -> Ticket | None:
    """下一件: what the unit should open after `done`, the inbox's first open ticket."""
    stmt = (_filtered(session, user, Filters()).where(_tab_condition("open", user),
                                                       Ticket.id != done.id)
            .order_by(*_nearest_due_first(user)).limit(1))
    return session.scalars(stmt).first()


def my_clocks(ticket: Ticket, user: User) -> list[DeadlineClock]:
    """The running deadlines this user's unit has on the ticket, nearest first."""
    mine = [c for c in ticket.clocks if c.stopped_at is None
            and c.department_id == user.department_id]
    return sorted(mine, key=lambda c: (c.due_at is None, c.due_at or utcnow()))
