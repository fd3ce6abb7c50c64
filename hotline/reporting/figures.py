"""The supervisors' figures (考核指标), computed by SQL aggregates on SQLite and PostgreSQL.

The period figures come from a daily rollup (`figures_daily`: per Asia/Shanghai day, per
dimension and key, the additive counts). `refresh` recomputes, with one joined and flagged
GROUP BY per run of days, the days whose tickets changed since the last refresh (a job runs it
every minute), so the dashboard sums a few hundred rows a day instead of joining every ticket
with its clocks and verdicts on each request: a year costs about the same as a week.
What waits for a supervisor (deadlines, approvals, orders) is read live through the indexes of
migrations 0007 and 0008. Python never loops over tickets; it only labels grouped rows.

What counts (documented in README "三率"):
- The period selects tickets by acceptance time (受理时间, Asia/Shanghai days, end inclusive).
- A ticket counts for the unit that leads it now (`tickets.department_id`); a returned ticket
  waiting for re-dispatch counts for the centre. Returns are counted against units separately.
- Repeats (`repeat_of_id` set: 重复件) count in the volume and nowhere else: they are excluded
  from all rates, as duplicates are excluded before rates are computed (domain.md §4).
- 合并办理: an incident group counts once. A member (`incident_master_id` set) counts in the
  volume (how many called) and, with its own citizen's verdict, in 解决率 and 满意率, for its
  master's unit and street; the response, contact and on-time counts, open and overdue are the
  master's alone, since the unit handled one case. A split member is a ticket of its own again.
- 响应率 response rate = tickets signed for within the sign limit / tickets dispatched. Only the
  ticket's latest dispatch counts (a re-dispatch re-arms the sign clock); a sign-for without a
  known deadline (calendar missing) counts as within the limit. With RESPONSE_RATE_BASIS=contact
  the response is the first contact (先行联系) recorded within its limit after the latest
  sign-for instead; the rollup keeps both (`responded`, `contacted`).
- Open and overdue count as of the refresh (overdue: still being worked on, reply deadline past,
  not 挂起 now). 挂起 spans are counted beside the rates: the tickets with an approved span
  (`suspended`) and the working minutes ended spans took out of their clocks
  (`suspended_minutes`); the deadlines the rates compare with already exclude them.
- 甄别/申诉: a ticket whose appeal a supervisor approved leaves the rates its kind names
  (lifecycle.APPEAL_EXCLUDES): an unfair rating (评价不公) leaves 解决率 and 满意率
  (`appealed_rating`), every other kind all four rates (`appealed`), like a repeat. Both are
  counted and shown beside the rates, never dropped silently.
- 按时办结率 on-time rate = answers given by the reply deadline (after approved extensions) /
  answers given.
- 解决率 solution rate and 满意率 satisfaction rate come from the ticket's final follow-up round
  (回访): the latest round that ended answered or not rated. Not rated (未评价, the citizen did
  not answer in time) and unanswered questions are excluded from the denominator. 解决 counts
  as solved (部分解决 and 未解决 do not); 满意 and 基本满意 count as satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from hotline.domain.errors import InvalidInput
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import (
    ALL_RATES,
    APPEAL_EXCLUDES,
    RATING_RATES,
    RETURNS_BEFORE_ARBITRATION,
    SIGN,
)
from hotline.domain.lifecycle import CONTACT as CONTACT_CLOCK
from hotline.domain.lifecycle import REPLY as REPLY_CLOCK
from hotline.domain.states import REPLIED_OR_CLOSED, SIGNED_OR_LATER, UNANSWERED
from hotline.models import (
    Appeal,
    DeadlineClock,
    Department,
    ExtensionRequest,
    FiguresDay,
    FiguresState,
    FollowUp,
    ForwardTask,
    Level,
    Status,
    SupervisionOrder,
    Suspension,
    Ticket,
    TicketEvent,
    utcnow,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PERIOD_DAYS = 366
DIMENSIONS = ("unit", "district", "topic", "line", "channel", "street")
FINAL_ROUND = ("answered", "not_rated")


# --- the period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days in Asia/Shanghai, both ends included."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants [from, to) the days cover."""
        lo = datetime.combine(self.start, time(), SHANGHAI).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
        return lo, hi

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> Period:
        """From the picker's YYYY-MM-DD fields; the default is the last 7 days."""
        try:
            hi = date.fromisoformat(end) if end else today
            lo = date.fromisoformat(start) if start else hi - timedelta(days=6)
        except ValueError:
            raise InvalidInput("日期格式应为 YYYY-MM-DD / dates must be YYYY-MM-DD",
                               field="start") from None
        if lo > hi:
            raise InvalidInput("开始日期晚于结束日期 / the start is after the end", field="start")
        if (hi - lo).days >= MAX_PERIOD_DAYS:
            raise InvalidInput(f"统计区间最长 {MAX_PERIOD_DAYS} 天 / at most {MAX_PERIOD_DAYS} "
                               "days", field="start")
        return cls(lo, hi)


def today_in_shanghai(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


class local_day(FunctionElement[date]):
    """The Asia/Shanghai calendar day of a UTC timestamp (China keeps no summer time)."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_pg(element: local_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone('Asia/Shanghai', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


# --- counts and rates ----------------------------------------------------------------------------


@dataclass
class Counts:
    """Additive counts of one group; the rates are derived, so groups can be summed."""

    volume: int = 0
    repeats: int = 0
    dispatched: int = 0
    responded: int = 0
    answered: int = 0
    on_time: int = 0
    open: int = 0
    overdue: int = 0
    rated_solved: int = 0
    solved: int = 0
    rated_satisfied: int = 0
    satisfied: int = 0
    not_rated: int = 0
    contacted: int = 0  # first contact (先行联系) within its limit
    suspended: int = 0  # tickets with a 挂起 span (running or ended)
    suspended_minutes: int = 0  # working minutes their ended spans took out of the clocks
    appealed: int = 0  # approved appeals that take the ticket out of every rate
    appealed_rating: int = 0  # approved (unfair rating) out of 解决率 and 满意率 only

    @property
    def excluded_from_rating(self) -> int:
        """Beside 解决率 and 满意率: every approved appeal; beside the other two: `appealed`."""
        return self.appealed + self.appealed_rating

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.answered)

    @property
    def solution_rate(self) -> float | None:
        return self._rate(self.solved, self.rated_solved)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated_satisfied)

    @property
    def score(self) -> float | None:
        """The ranking score: the mean of the three rates a unit has figures for."""
        rates = [r for r in (self.response_rate, self.solution_rate, self.satisfaction_rate)
                 if r is not None]
        return round(sum(rates) / len(rates), 4) if rates else None


_SIGN = aliased(DeadlineClock, name="sign_clock")
_REPLY = aliased(DeadlineClock, name="reply_clock")
_CONTACT = aliased(DeadlineClock, name="contact_clock")
_VERDICT = aliased(FollowUp, name="verdict")
_MASTER = aliased(Ticket, name="incident_master")
_LATER = aliased(FollowUp, name="later_round")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _n(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(_flag(condition)), 0)


def _flags(now: datetime) -> list[ColumnElement[int]]:
    """Per ticket, 1 or 0 for each Counts field (volume aside), from its clocks and verdict."""
    sign, reply, verdict = _SIGN, _REPLY, _VERDICT
    not_repeat = Ticket.repeat_of_id.is_(None)
    # 合并办理: the unit handled the group once, through its master (the module's docstring).
    case_of_its_own = Ticket.incident_master_id.is_(None)
    # 甄别/申诉 approved: out of every rate, or (an unfair rating) out of the verdict's two.
    every, verdict_only = _appealed(ALL_RATES), _appealed(RATING_RATES)
    rated = and_(not_repeat, ~every)
    handled = and_(rated, case_of_its_own)
    judged = and_(rated, ~verdict_only)
    return [
        _flag(Ticket.repeat_of_id.is_not(None)).label("repeats"),
        _flag(and_(handled, sign.id.is_not(None))).label("dispatched"),
        _flag(and_(handled, Ticket.status.in_(SIGNED_OR_LATER), sign.stopped_at.is_not(None),
                   or_(sign.due_at.is_(None), sign.stopped_at <= sign.due_at))).label("responded"),
        _flag(and_(handled, Ticket.status.in_(REPLIED_OR_CLOSED), reply.stopped_at.is_not(None)))
        .label("answered"),
        _flag(and_(handled, Ticket.status.in_(REPLIED_OR_CLOSED), reply.stopped_at.is_not(None),
                   or_(reply.due_at.is_(None), reply.stopped_at <= reply.due_at)))
        .label("on_time"),
        _flag(and_(case_of_its_own, Ticket.status != Status.CLOSED)).label("open"),
        _flag(and_(case_of_its_own, Ticket.status.in_(UNANSWERED), Ticket.reply_due < now,
                   ~_suspended_now())).label("overdue"),
        _flag(and_(judged, verdict.status == "answered", verdict.solved.is_not(None)))
        .label("rated_solved"),
        _flag(and_(judged, verdict.status == "answered", verdict.solved == 1)).label("solved"),
        _flag(and_(judged, verdict.status == "answered", verdict.satisfied.is_not(None)))
        .label("rated_satisfied"),
        _flag(and_(judged, verdict.status == "answered", verdict.satisfied.in_((1, 2))))
        .label("satisfied"),
        _flag(and_(judged, verdict.status == "not_rated")).label("not_rated"),
        _flag(and_(handled, sign.id.is_not(None), _contact_in_time())).label("contacted"),
        _flag(exists().where(Suspension.ticket_id == Ticket.id,
                             Suspension.status.in_(SPAN_STATES))).label("suspended"),
        (func.coalesce(select(func.sum(Suspension.working_seconds))
                       .where(Suspension.ticket_id == Ticket.id).scalar_subquery(), 0) // 60)
        .label("suspended_minutes"),
        _flag(and_(not_repeat, every)).label("appealed"),
        _flag(and_(rated, verdict_only)).label("appealed_rating"),
    ]


SPAN_STATES = ("active", "ended")  # a suspension that was approved


def _appealed(rates: frozenset[str]) -> ColumnElement[bool]:
    """An approved appeal whose kind takes the ticket out of exactly `rates`."""
    kinds = [k for k, excluded in APPEAL_EXCLUDES.items() if excluded == rates]
    return exists().where(Appeal.ticket_id == Ticket.id, Appeal.status == "approved",
                          Appeal.kind.in_(kinds))


def _suspended_now() -> ColumnElement[bool]:
    """挂起 now: its clocks stand still, so a deadline passing meanwhile is not overdue."""
    return exists().where(Suspension.ticket_id == Ticket.id, Suspension.status == "active")


def _contact_in_time() -> ColumnElement[bool]:
    """A 先行联系 recorded by the contact clock's deadline (or without one: calendar missing).
    The clock also stops when the unit answers or returns without contacting, so the recorded
    contact, not the stopped clock, is what counts."""
    contact = _CONTACT
    return and_(contact.id.is_not(None), exists().where(
        TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.CONTACTED,
        TicketEvent.at >= contact.started_at,
        or_(contact.due_at.is_(None), TicketEvent.at <= contact.due_at)))


def _with_joins(stmt: Any) -> Any:
    """Each ticket with its sign and reply clocks, its final follow-up round and its incident
    master (or NULLs)."""
    later = exists().where(_LATER.ticket_id == _VERDICT.ticket_id,
                           _LATER.status.in_(FINAL_ROUND), _LATER.round > _VERDICT.round)
    return (stmt
            .outerjoin(_SIGN, and_(_SIGN.ticket_id == Ticket.id, _SIGN.kind == SIGN))
            .outerjoin(_REPLY, and_(_REPLY.ticket_id == Ticket.id, _REPLY.kind == REPLY_CLOCK))
            .outerjoin(_CONTACT, and_(_CONTACT.ticket_id == Ticket.id,
                                      _CONTACT.kind == CONTACT_CLOCK))
            .outerjoin(_VERDICT, and_(_VERDICT.ticket_id == Ticket.id,
                                      _VERDICT.status.in_(FINAL_ROUND), ~later))
            .outerjoin(_MASTER, _MASTER.id == Ticket.incident_master_id))


def _lead_unit() -> ColumnElement[Any]:
    """The unit a ticket counts for: its own lead unit, a member its master's (合并办理: the
    master's unit answers every caller of the group)."""
    return case((Ticket.incident_master_id.is_not(None), _MASTER.department_id),
                else_=Ticket.department_id)


def _counts(row: Any) -> Counts:
    return Counts(**{f.name: int(getattr(row, f.name) or 0) for f in fields(Counts)})


# --- the figures ---------------------------------------------------------------------------------


@dataclass
class Breakdowns:
    """The period's totals and the same counts by each dimension, keyed by raw id/code."""

    total: Counts = field(default_factory=Counts)
    by: dict[str, dict[Any, Counts]] = field(default_factory=lambda: {d: {} for d in DIMENSIONS})


# What 响应率 counts as a response (config RESPONSE_RATE_BASIS).
RESPONSE_ON_SIGN, RESPONSE_ON_CONTACT = "sign", "contact"
# --- by level: the street that did the work -----------------------------------------------------


STREET_LEVELS = (Level.STREET, Level.COMMUNITY)


def _street_of(unit: Any) -> ColumnElement[Any]:
    """A unit's street: itself at street level, its parent for a community (社区/村 sit under
    their 街道/乡镇, hotline.admin.org), none above (a district or city unit is no street)."""
    return case((unit.level == Level.STREET, unit.id),
                (unit.level == Level.COMMUNITY, unit.parent_id), else_=null())


def _street_key() -> ColumnElement[str]:
    """`district|street unit id` of each ticket: the ticket's district (where the problem is,
    as the district view counts it) and the street that did the work, or nothing after the bar
    when no street did. The street is the unit of the ticket's latest forward task (转派/下派)
    that was not returned, when that unit is a street or a community; otherwise the ticket's
    own unit when it was dispatched straight to a street (直派街乡). The ticket still counts for
    its accountable unit (`department_id`) in the unit view: forwarding never moves it there.
    A member of an incident group counts for the street that worked its master."""
    task_unit, lead_unit = aliased(Department, name="task_unit"), aliased(Department,
                                                                       name="lead_unit")
    forwarded = (select(_street_of(task_unit))
                 .select_from(ForwardTask)
                 .join(task_unit, task_unit.id == ForwardTask.department_id)
                 .where(ForwardTask.ticket_id == func.coalesce(Ticket.incident_master_id, Ticket.id),
                        ForwardTask.status != "returned",
                        task_unit.level.in_(STREET_LEVELS))
                 .order_by(ForwardTask.seq.desc()).limit(1)
                 .correlate(Ticket).scalar_subquery())
    direct = (select(_street_of(lead_unit)).where(lead_unit.id == _lead_unit())
              .correlate(Ticket, _MASTER).scalar_subquery())
    street = func.coalesce(forwarded, direct)
    return (func.coalesce(Ticket.district, "") + literal("|")
            + func.coalesce(cast(street, String), ""))


def split_street_key(key: str | None) -> tuple[str | None, int | None]:
    """(district code, street unit id) from a rollup key; None for either part left empty."""
    district, _bar, street = (key or "").partition("|")
    return district or None, int(street) if street else None


def by_street(found: Breakdowns, district: str | None = None,
              *, every_district: bool = False) -> dict[tuple[str | None, int | None], Counts]:
    """The street view: counts by (district, street unit), for one district's drill-down (its
    rows add up to the district's row of the district view; `None` street: no street did the
    work) or for `every_district`."""
    rows: dict[tuple[str | None, int | None], Counts] = {}
    for key, counts in found.by["street"].items():
        where, street = split_street_key(key)
        if every_district or where == district:
            rows.setdefault((where, street), Counts()).add(counts)
    return rows


def street_totals(found: Breakdowns) -> dict[int, Counts]:
    """Each street unit's counts over every district (the street ranking); work no street
    did is left out."""
    rows: dict[int, Counts] = {}
    for (_district, street), counts in by_street(found, every_district=True).items():
        if street is not None:
            rows.setdefault(street, Counts()).add(counts)
    return rows


ROLLUP = "daily"  # the FiguresState row of the rollup
# Transactions that started before a refresh may commit after it with older timestamps: each
# refresh looks back this far past the previous one, so none of their changes is missed.
OVERLAP = timedelta(minutes=5)
_KEYS = {"unit": _lead_unit(), "district": Ticket.district, "topic": Ticket.topic_id,
         "line": Ticket.line, "channel": Ticket.channel, "street": _street_key()}
_COUNT_NAMES = [f.name for f in fields(Counts)]


def _rollup(now: datetime, where: ColumnElement[bool] | None) -> Any:
    """(day, dim, key, counts...) for the tickets `where` selects: each is joined and flagged
    once (a CTE), then grouped per day for the total and for each dimension (UNION ALL)."""
    day = local_day(Ticket.created_at).label("day")
    stmt = _with_joins(select(day, *(k.label(d) for d, k in _KEYS.items()), *_flags(now))
                       .select_from(Ticket))
    flagged = (stmt.where(where) if where is not None else stmt).cte("flagged_tickets")
    sums = [func.count().label("volume"),
            *(func.sum(flagged.c[n]).label(n) for n in _COUNT_NAMES if n != "volume")]
    parts = [select(flagged.c.day, literal("total").label("dim"),
                    cast(null(), String).label("key"), *sums).group_by(flagged.c.day)]
    parts += [select(flagged.c.day, literal(d).label("dim"), cast(flagged.c[d], String).label("key"),
                     *sums).group_by(flagged.c.day, flagged.c[d]) for d in DIMENSIONS]
    return union_all(*parts)


def _touched_days(session: Session, since: datetime, now: datetime) -> set[date]:
    """Creation days of tickets changed, rated or fallen overdue since the last refresh."""
    day = local_day(Ticket.created_at)
    rated = or_(FollowUp.created_at >= since, FollowUp.answered_at >= since)
    queries = [
        select(day).where(Ticket.updated_at >= since),
        # a member counts for its master's unit and street: it changes when the master does
        select(day).join(_MASTER, _MASTER.id == Ticket.incident_master_id)
        .where(_MASTER.updated_at >= since),
        select(day).join(FollowUp, FollowUp.ticket_id == Ticket.id).where(rated),
        select(day).where(Ticket.status.in_(UNANSWERED), Ticket.reply_due >= since,
                          Ticket.reply_due < now),
    ]
    return {_as_date(d) for q in queries for d in session.scalars(q.distinct())}


def _runs(days: set[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, so each is one range on the created_at index."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and d == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def refresh(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Bring the daily rollup up to date: recompute the days whose tickets changed since the
    last refresh (all days the first time). Idempotent; a periodic job calls it every minute.
    The caller commits (which, on PostgreSQL, also releases the one-at-a-time lock)."""
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":  # one refresh at a time
        session.execute(select(func.pg_advisory_xact_lock(0x46494755)))
    state = session.get(FiguresState, ROLLUP)
    columns = ["day", "dim", "key", *_COUNT_NAMES]
    if state is None:
        session.execute(delete(FiguresDay))
        session.execute(insert(FiguresDay).from_select(columns, _rollup(now, None)))
        state = FiguresState(name=ROLLUP, refreshed_at=now)
        session.add(state)
        days = -1
    else:
        touched = _touched_days(session, state.refreshed_at - OVERLAP, now)
        for first, last in _runs(touched):
            lo, hi = Period(first, last).bounds
            session.execute(delete(FiguresDay).where(FiguresDay.day.between(first, last)))
            session.execute(insert(FiguresDay).from_select(
                columns, _rollup(now, and_(Ticket.created_at >= lo, Ticket.created_at < hi))))
        state.refreshed_at = now
        days = len(touched)
    return {"days": days}


def refreshed_at(session: Session) -> datetime | None:
    state = session.get(FiguresState, ROLLUP)
    return state.refreshed_at if state else None


def breakdowns(session: Session, period: Period,
               topic_roots: dict[int, int] | None = None,
               response_basis: str = RESPONSE_ON_SIGN) -> Breakdowns:
    """The period's counts from the rollup: a few hundred rows a day, summed by key in SQL.

    `topic_roots` maps a topic id to its first-level topic, so sub-topics add up under it.
    `response_basis` is the centre's definition of 响应率 (config RESPONSE_RATE_BASIS): on
    sign-for in time (the default) or on first contact (先行联系) in time; the rollup keeps
    both counts, so changing the setting needs no recomputation.
    """
    stmt = (select(FiguresDay.dim, FiguresDay.key,
                   *(func.sum(getattr(FiguresDay, n)).label(n) for n in _COUNT_NAMES))
            .where(FiguresDay.day.between(period.start, period.end))
            .group_by(FiguresDay.dim, FiguresDay.key))
    result = Breakdowns()
    roots = topic_roots or {}
    for row in session.execute(stmt):
        counts = _counts(row)
        if response_basis == RESPONSE_ON_CONTACT:
            counts.responded = counts.contacted
        if row.dim == "total":
            result.total = counts
            continue
        key: Any = row.key
        if key is not None and row.dim in ("unit", "topic"):
            key = int(key)
            key = roots.get(key, key) if row.dim == "topic" else key
        result.by[row.dim].setdefault(key, Counts()).add(counts)
    return result


def ranked(groups: dict[Any, Counts]) -> list[tuple[Any, Counts]]:
    """Units best first by score (mean of the three rates); units without rates last."""
    return sorted(groups.items(), key=lambda kv: (kv[1].score is None, -(kv[1].score or 0),
                                                  -kv[1].volume, str(kv[0])))


@dataclass(frozen=True)
class Day:
    day: date
    volume: int
    open: int
    overdue: int


def daily_trend(session: Session, period: Period) -> list[Day]:
    """Tickets accepted per day, with those still open and overdue; empty days included."""
    stmt = (select(FiguresDay.day, FiguresDay.volume, FiguresDay.open, FiguresDay.overdue)
            .where(FiguresDay.dim == "total", FiguresDay.day.between(period.start, period.end)))
    found = {_as_date(r.day): r for r in session.execute(stmt)}
    return [Day(d, found[d].volume, found[d].open, found[d].overdue)
            if d in found else Day(d, 0, 0, 0) for d in period.days]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def clock_overdue(now: datetime) -> list[ColumnElement[bool]]:
    """超期, the one definition the live views share (the overdue list, the district chart,
    the street map): a running clock — 签收, 反馈, a 协办 or 转派 task's — past its due time."""
    return [DeadlineClock.stopped_at.is_(None), DeadlineClock.due_at <= now]


def ticket_overdue(now: datetime) -> ColumnElement[bool]:
    """A ticket is overdue when any of its running clocks is (`clock_overdue`)."""
    return exists().where(DeadlineClock.ticket_id == Ticket.id, *clock_overdue(now))


@dataclass(frozen=True)
class DistrictLoad:
    district: str | None
    open: int
    overdue: int


def district_load(session: Session, now: datetime) -> list[DistrictLoad]:
    """Open and overdue tickets by district now, whatever the period (the map of problems); an
    incident group is one problem (its members are left out). Overdue as the overdue list
    counts it: any running clock past due (`ticket_overdue`)."""
    stmt = (select(Ticket.district, func.count(Ticket.id).label("open"),
                   _n(ticket_overdue(now)).label("overdue"))
            .where(Ticket.status.in_(UNANSWERED), Ticket.incident_master_id.is_(None))
            .group_by(Ticket.district))
    rows = [DistrictLoad(r.district, int(r.open), int(r.overdue)) for r in session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r.overdue, -r.open, r.district or ""))


@dataclass(frozen=True)
class StreetLoad:
    district: str | None
    street: str | None
    open: int
    overdue: int


def street_load(session: Session, now: datetime) -> list[StreetLoad]:
    """Open and overdue tickets by the street they are located in (the dashboard's map); a
    ticket whose street is unknown counts under its district with street None."""
    stmt = (select(Ticket.district, Ticket.street, func.count(Ticket.id).label("open"),
                   _n(ticket_overdue(now)).label("overdue"))
            .where(Ticket.status.in_(UNANSWERED)).group_by(Ticket.district, Ticket.street))
    return [StreetLoad(r.district, r.street, int(r.open), int(r.overdue))
            for r in session.execute(stmt)]


def community_load(session: Session, now: datetime, street: str) -> list[StreetLoad]:
    """Open and overdue tickets of one street by the community they are located in (the map
    drilled into the street: one GROUP BY through the street's index); `street` of each row is
    the community's code, None for the street's tickets placed in no community."""
    stmt = (select(Ticket.community, func.count(Ticket.id).label("open"),
                   _n(Ticket.reply_due < now).label("overdue"))
            .where(Ticket.street == street, Ticket.status.in_(UNANSWERED))
            .group_by(Ticket.community))
    return [StreetLoad(None, r.community, int(r.open), int(r.overdue))
            for r in session.execute(stmt)]


# --- what waits for a supervisor -----------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """The first `limit` rows of a list and how many there are in all."""

    rows: list[Any]
    total: int


def _page(session: Session, stmt: Any, limit: int | None) -> Page:
    """The first `limit` rows (every row when None: the exports) and the total."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return Page(list(session.execute(stmt.limit(limit)).all()), int(total))


@dataclass(frozen=True)
class DeadlineFilter:
    """Which running deadlines a supervisor looks at: a unit's (the one that must meet the
    clock), a district's or a street's tickets, and only the overdue ones or the near-due too."""

    unit_id: int | None = None
    district: str | None = None
    street: str | None = None
    overdue_only: bool = False

    def where(self, now: datetime) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = clock_overdue(now) if self.overdue_only else [
            DeadlineClock.stopped_at.is_(None), DeadlineClock.warn_at <= now]
        if self.unit_id is not None:
            found.append(DeadlineClock.department_id == self.unit_id)
        if self.district is not None:
            found.append(Ticket.district == self.district)
        if self.street is not None:
            found.append(Ticket.street == self.street)
        return found

    @property
    def needs_tickets(self) -> bool:
        return self.district is not None or self.street is not None


def deadlines_due(session: Session, now: datetime, limit: int | None = 50, offset: int = 0,
                  where: DeadlineFilter | None = None) -> Page:
    """Running clocks past their warning time (or due time), overdue first, then the nearest.

    Closing a ticket stops all its clocks, so running clocks are open tickets' and the
    unfiltered count needs no join: an index-only scan of the running-clock index.
    """
    where = where or DeadlineFilter()
    counted = select(func.count()).select_from(DeadlineClock)
    if where.needs_tickets:
        counted = counted.join(Ticket, Ticket.id == DeadlineClock.ticket_id)
    total = session.scalar(counted.where(*where.where(now))) or 0
    rows = session.execute(select(DeadlineClock, Ticket)
                           .join(Ticket, Ticket.id == DeadlineClock.ticket_id)
                           .where(*where.where(now))
                           .order_by(DeadlineClock.due_at, DeadlineClock.id)
                           .offset(offset).limit(limit)).all()
    return Page(list(rows), int(total))


def overdue_count(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count(DeadlineClock.id)).where(*clock_overdue(now))) or 0


def pending_extensions(session: Session, limit: int | None = 20) -> Page:
    stmt = (select(ExtensionRequest, Ticket).join(Ticket, Ticket.id == ExtensionRequest.ticket_id)
            .where(ExtensionRequest.status == "pending")
            .order_by(ExtensionRequest.requested_at, ExtensionRequest.id))
    return _page(session, stmt, limit)


def pending_suspensions(session: Session, limit: int | None = 20) -> Page:
    """挂起 requests waiting for the centre (casework, issue 17), oldest first."""
    stmt = (select(Suspension, Ticket).join(Ticket, Ticket.id == Suspension.ticket_id)
            .where(Suspension.status == "pending")
            .order_by(Suspension.requested_at, Suspension.id))
    return _page(session, stmt, limit)


def pending_appeals(session: Session, limit: int | None = 20) -> Page:
    """甄别/申诉 waiting for a supervisor (casework, issue 17), oldest first."""
    stmt = (select(Appeal, Ticket).join(Ticket, Ticket.id == Appeal.ticket_id)
            .where(Appeal.status == "pending").order_by(Appeal.requested_at, Appeal.id))
    return _page(session, stmt, limit)


def awaiting_arbitration(session: Session, limit: int | None = 20) -> Page:
    """Returned tickets the units refused twice: only a supervisor may re-dispatch them."""
    returns = (select(func.count(TicketEvent.id))
               .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == EventKind.RETURNED)
               .scalar_subquery())
    stmt = (select(Ticket, returns.label("returns"))
            .where(Ticket.status == Status.RETURNED, returns >= RETURNS_BEFORE_ARBITRATION)
            .order_by(Ticket.updated_at, Ticket.id))
    return _page(session, stmt, limit)


def awaiting_review(session: Session, limit: int | None = 20) -> Page:
    """Replies no one has approved yet: approval opens a follow-up round, so none is open."""
    asked = exists().where(FollowUp.ticket_id == Ticket.id,
                           FollowUp.status.in_(("pending", "needs_agent")))
    stmt = (select(Ticket).where(Ticket.status == Status.REPLIED, ~asked)
            .order_by(Ticket.updated_at, Ticket.id))
    return _page(session, stmt, limit)


def latest_replies(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """Each ticket's latest answer (the text a reviewer approves), in one query."""
    found: dict[int, str] = {}
    for ticket_id, note in session.execute(
            select(TicketEvent.ticket_id, TicketEvent.note)
            .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == EventKind.REPLIED)
            .order_by(TicketEvent.at, TicketEvent.id)):
        found[ticket_id] = note or ""
    return found


ORDER_STATES = ("overdue", "open", "done_late", "done")


def order_state_expr(now: datetime) -> ColumnElement[str]:
    return case(
        (and_(SupervisionOrder.resolved_at.is_(None), SupervisionOrder.due < now), "overdue"),
        (SupervisionOrder.resolved_at.is_(None), "open"),
        (SupervisionOrder.resolved_at > SupervisionOrder.due, "done_late"),
        else_="done")


def supervision_orders(session: Session, period: Period, now: datetime,
                       limit: int | None = 20) -> tuple[dict[str, int], Page]:
    """Orders issued in the period: how many in each state, and the unfinished ones first."""
    lo, hi = period.bounds
    state = order_state_expr(now)
    issued = and_(SupervisionOrder.issued_at >= lo, SupervisionOrder.issued_at < hi)
    counts = {s: 0 for s in ORDER_STATES}
    for row in session.execute(select(state.label("state"), func.count(SupervisionOrder.id))
                               .where(issued).group_by(state)):
        counts[row[0]] = int(row[1])
    stmt = (select(SupervisionOrder, Ticket, state.label("state"))
            .join(Ticket, Ticket.id == SupervisionOrder.ticket_id).where(issued)
            .order_by(SupervisionOrder.resolved_at.is_not(None), SupervisionOrder.due,
                      SupervisionOrder.id))
    return counts, _page(session, stmt, limit)


def period_texts(session: Session, lo: datetime, hi: datetime, cap: int) -> list[str]:
    """The latest `cap` ticket texts accepted in [lo, hi): the hot-topic sample."""
    return list(session.scalars(select(Ticket.content).where(
        Ticket.created_at >= lo, Ticket.created_at < hi, Ticket.repeat_of_id.is_(None))
        .order_by(Ticket.created_at.desc()).limit(cap)))

