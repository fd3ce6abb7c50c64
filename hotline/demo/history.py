"""The demo city's past: a few months of tickets lived through the real pipeline and life cycle.

A newcomer's first look at the product should be a working centre, not 300 tickets received in
the last hour and all overdue. So the demo's tickets arrive over the `DAYS` before the moment it
is seeded, each is accepted and processed (classifier, catalogue, deadlines) at its own past
time, and then lives on through `hotline.domain.lifecycle` with `at=` timestamps in the past:
dispatched, signed, answered, approved, rated by the citizen, sometimes returned, extended or
redone. Every step happens only if its time is before now, so the most recent tickets are still
being worked on, and a few that ran late are overdue today, as in a real centre. Deadlines,
events and the supervisors' figures are therefore the product's own arithmetic, not numbers
written in.

One seeded `random.Random` draws everything: the same seed and the same day give the same city.
The draws are tuned so that the figures look like a centre that works (response rate about 95 %,
satisfaction 85-95 %, a handful overdue); `tests/hotline/demo/test_history.py` holds them to it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from hotline.app import unit_of_work
from hotline.catalogue import snapshot
from hotline.citizen import followup
from hotline.domain import lifecycle
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import Actor
from hotline.intake.accept import Request, accept
from hotline.intake.process import process_intake
from hotline.intake.triage import suggested_unit
from hotline.messaging.outbox import CALLED, DELIVERED, QUEUED, TO_CALL
from hotline.models import (
    Channel,
    Department,
    Notification,
    NotificationRead,
    OutboundMessage,
    Status,
    Ticket,
    User,
    utcnow,
)
from hotline.seed.load import corpus_rows
from routing.calendar import SHANGHAI

DAYS = 91
PHONES = 400
# Tickets a day by weekday (Monday first): fewer calls at the weekend.
PER_DAY = (10, 9, 9, 9, 8, 4, 4)
OPENING_HOURS = (8, 20)  # when citizens call, Asia/Shanghai
UNREAD_FOR = timedelta(days=1)  # notices younger than this are left unread

# What the draws decide (shares of the tickets that reach the step).
P_RETURNED = 0.03  # the unit says "not ours" before signing
P_SIGN_LATE = 0.04
P_EXTENSION = 0.03  # the lead asks for more time, the supervisor approves
P_REPLY_LATE = 0.05
P_LATE_BY_DAYS = 0.25  # of the late replies, those late by days rather than hours
# When in its reply window a unit answers: the first time, and when the citizen sent it back.
FIRST_SHARE, REDO_SHARE = (0.05, 0.75), (0.6, 0.95)
# Round one of the follow-up, 解决/满意 answers: (solved, satisfied) with their weights.
FIRST_VERDICTS = (((1, 1), 0.54), ((1, 2), 0.16), ((2, 2), 0.10), ((3, 3), 0.10), ((2, 3), 0.10))
# A redone ticket's citizen is mostly content the second time; one still unhappy after the
# second redo stays with its unit (reopened).
REDO_VERDICTS = (((1, 1), 0.40), ((1, 2), 0.30), ((2, 2), 0.15), ((2, 3), 0.15))
ROUNDS = (FIRST_VERDICTS, REDO_VERDICTS, REDO_VERDICTS)

ANSWERS = (
    "经核查，已安排工作人员到现场处理，问题已解决，感谢您的反映。",
    "已联系相关责任单位整改，整改完成后将继续跟踪，感谢您对我们工作的支持。",
    "经调查，情况属实，已责令整改，并将加强日常巡查。",
    "已向您电话说明相关政策及办理流程，如有疑问可再次来电咨询。",
)
RETURN_REASON = "经核实，该诉求不属于本单位职责范围，请重新派单。"
EXTENSION_REASON = "涉及多个部门协调，需现场勘查，申请延期。"


@dataclass
class Summary:
    """What the history made, for the start-up's progress line."""

    tickets: int = 0
    closed: int = 0
    open: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.tickets} tickets over {DAYS} days ({self.closed} closed, {self.open} open)"


class _City:
    """The actors and the clock of one run."""

    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.session, self.rng, self.now = session, rng, now
        users = {u.username: u for u in session.scalars(select(User))}
        self.users = users
        self.agent = Actor.of(users["agent"])
        self.supervisor = Actor.of(users["supervisor"])
        self.planner = snapshot.current(session).planner
        self.units = {d.code: d for d in session.scalars(select(Department).where(Department.active))}
        self.last_message = session.scalar(select(func.max(OutboundMessage.id))) or 0
        self.last_notice = session.scalar(select(func.max(Notification.id))) or 0

    def unit_actor(self, ticket: Ticket, *, lead: bool = False) -> Actor:
        code = ticket.department.code if ticket.department else ""
        return Actor.of(self.users[f"{code}-lead" if lead else code])

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def settle(self, at: datetime) -> None:
        """Commit through the unit of work, then date the messages it wrote to `at`.

        Those messages went out back then: the demo city's SMS history reads as delivered (and
        the call-backs as made), not as hundreds of failures today for want of an SMS provider,
        and no send job is queued for them. The dating commits with the next step (or
        `finish`): a commit each would double the run's time.
        """
        unit_of_work.commit(self.session, send=False)
        dated = self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id > self.last_message,
                   OutboundMessage.status.in_((QUEUED, TO_CALL)))
            .values(status=case((OutboundMessage.status == TO_CALL, CALLED), else_=DELIVERED),
                    created_at=at, sent_at=at, updated_at=at)
            .returning(OutboundMessage.id)).scalars().all()
        self.last_message = max(dated, default=self.last_message)

    def finish(self) -> None:
        """Staff read the notices of the past as they came: only the last day's are unread, so
        nobody's first sign-in shows a backlog of months."""
        users = list(self.session.scalars(select(User)))
        old = self.session.scalars(select(Notification).where(
            Notification.id > self.last_notice, Notification.created_at < self.now - UNREAD_FOR)).all()
        for notice in old:
            self.session.add_all(
                NotificationRead(notification_id=notice.id, user_id=u.id,
                                 at=notice.created_at + self.minutes(10, 600))
                for u in users
                if notice.department_id in (None, u.department_id)
                and notice.role in (None, u.role.value))
        unit_of_work.commit(self.session, send=False)


def _arrivals(rng: random.Random, now: datetime, days: int) -> list[datetime]:
    """When the calls came: a weekday's share a day, within opening hours, oldest first."""
    today = now.astimezone(SHANGHAI).date()
    times = []
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        count = max(0, PER_DAY[day.weekday()] + rng.randint(-2, 2))
        for _ in range(count):
            local = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(
                hours=rng.uniform(*OPENING_HOURS))
            if local < now:
                times.append(local.astimezone(now.tzinfo))
    return sorted(times)


def _within(city: _City, start: datetime, due: datetime | None, late: bool,
            share: tuple[float, float] = (0.05, 0.75)) -> datetime:
    """A moment for a step that has a deadline: at a `share` of it, or after it when `late`."""
    if due is None or due <= start:
        return start + city.minutes(30, 240)
    if not late:
        return start + (due - start) * city.rng.uniform(*share)
    if city.rng.random() < P_LATE_BY_DAYS:
        return due + timedelta(days=city.rng.uniform(1, 12))
    return due + city.minutes(20, 20 * 60)


def _draw(rng: random.Random, table: tuple[tuple[tuple[int, int], float], ...]) -> followup.Verdict:
    (solved, satisfied), = rng.choices([v for v, _ in table], weights=[w for _, w in table])
    return followup.Verdict(solved, satisfied)


def _dispatch_by_agent(city: _City, ticket: Ticket, at: datetime) -> bool:
    """The manual dispatch queue: the agent takes the suggested unit, else the district's
    government, else the line's default unit, else a district government that the caller's
    words point to (drawn), never one that returned it already (then it waits at the centre)."""
    returned_by = {e.data.get("department") for e in ticket.events if e.kind == EventKind.RETURNED}
    snap = snapshot.current(city.session)
    governments = sorted(snap.district_governments.values())
    choices = (suggested_unit(city.session, ticket), snap.district_governments.get(ticket.district or ""),
               snap.line_defaults.get(ticket.line.value), city.rng.choice(governments))
    code = next((c for c in choices if c and c not in returned_by), None)
    unit = city.units.get(code or "")
    if unit is None:
        return False
    lifecycle.dispatch(ticket, city.agent, unit, planner=city.planner, at=at,
                       reason={"by": "agent", "user": city.agent.label, "followed_suggestion": True})
    return True


def _answer(city: _City, ticket: Ticket, t: datetime, *, redo: bool) -> datetime | None:
    """Sign, perhaps ask for more time, reply, and have the centre approve; None when the ticket
    reaches today on the way (it stays where it is). A redo takes the unit longer: it has been
    looked at once, what is left is the hard part."""
    rng = city.rng
    t = _within(city, t, ticket.sign_due, rng.random() < P_SIGN_LATE)
    if t > city.now:
        return None
    lifecycle.sign(ticket, city.unit_actor(ticket), at=t)
    if rng.random() < P_EXTENSION:
        t += city.minutes(60, 600)
        if t > city.now:
            return None
        lifecycle.request_extension(ticket, city.unit_actor(ticket, lead=True), days=5,
                                    reason=EXTENSION_REASON, at=t)
        t += city.minutes(30, 300)
        if t > city.now:
            return None
        lifecycle.decide_extension(ticket, city.supervisor, approve=True, planner=city.planner, at=t)
    t = _within(city, t, ticket.reply_due, rng.random() < P_REPLY_LATE,
                REDO_SHARE if redo else FIRST_SHARE)
    if t > city.now:
        return None
    lifecycle.reply(ticket, city.unit_actor(ticket), rng.choice(ANSWERS), at=t)
    t += city.minutes(20, 240)
    if t > city.now:
        return None
    lifecycle.review_reply(ticket, city.agent, accept=True, at=t)
    city.settle(t)  # the approval's effects open the follow-up round
    return t


def _live(city: _City, ticket: Ticket, t: datetime) -> None:
    """From routing to the citizen's last verdict, each step only if its time has come."""
    rng = city.rng
    if ticket.status == Status.PENDING_DISPATCH:
        t += city.minutes(10, 120)
        if t > city.now or not _dispatch_by_agent(city, ticket, t):
            return
    if ticket.status != Status.DISPATCHED:
        return
    if rng.random() < P_RETURNED:
        t += city.minutes(30, 180)
        if t > city.now:
            return
        lifecycle.return_ticket(ticket, city.unit_actor(ticket, lead=True), reason_code="not_our_duty",
                                reason=RETURN_REASON, planner=city.planner, at=t)
        t += city.minutes(15, 120)
        if t > city.now or not _dispatch_by_agent(city, ticket, t):
            return
    for cycle, verdicts in enumerate(ROUNDS):
        approved = _answer(city, ticket, t, redo=cycle > 0)
        if approved is None:
            return
        t = approved + timedelta(hours=rng.uniform(2, 40))
        round_ = followup.pending_round(city.session, ticket.id)
        if t > city.now or round_ is None:
            return
        followup.record(city.session, round_, _draw(rng, verdicts), channel="phone",
                        raw="电话回访", actor=city.agent, recorded_by=city.agent.label, at=t)
        if ticket.status != Status.DISPATCHED:  # closed: not redone
            return
        t += city.minutes(5, 60)


def build(session: Session, *, seed: int = 12345, days: int = DAYS, now: datetime | None = None,
          progress: Callable[[int, int], None] | None = None) -> Summary:
    """Live the demo city's last `days` up to `now`; `progress(done, total)` hears each ticket."""
    rng = random.Random(seed)
    now = now or utcnow()
    rows = list(corpus_rows())
    rng.shuffle(rows)
    phones = [f"+86139{rng.randrange(10**8):08d}" for _ in range(PHONES)]
    city = _City(session, rng, now)
    arrivals = _arrivals(rng, now, days)
    summary = Summary()
    for i, received in enumerate(arrivals):
        row = rows[i % len(rows)]
        intake, _ = accept(session, Request(
            channel=Channel(row["channel"]), line=row["line"], content=row["text"],
            request_type=row["request_type"], phone=rng.choice(phones),
            address=row.get("address") or None, extra={"district": row.get("district") or None},
        ), received_at=received)
        processed = min(received + city.minutes(0.2, 3), now)
        number = process_intake(session, intake.id, at=processed)
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        _live(city, ticket, processed)
        city.settle(ticket.updated_at or processed)
        summary.tickets += 1
        summary.by_status[ticket.status.value] = summary.by_status.get(ticket.status.value, 0) + 1
        if progress is not None:
            progress(i + 1, len(arrivals))
    city.finish()
    summary.closed = summary.by_status.get(Status.CLOSED.value, 0)
    summary.open = summary.tickets - summary.closed
    return summary
