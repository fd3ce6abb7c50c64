"""The supervisors' figures on a small hand-made fixture whose every number is worked out below.

The fixture (period 2026-03-02..03-08 in Asia/Shanghai, now 03-10 12:00):

| ticket | unit | district | line/channel | status | sign | reply | final follow-up |
|---|---|---|---|---|---|---|---|
| T1 | A | a1 | 12345 phone | closed | in time | on time | 解决 满意 |
| T2 | A | a1 | 12345 web | closed | late | late | round 1 未解决 不满意, round 2 部分解决 基本满意 |
| T3 | A | a2 | 12315 sms | closed | in time | on time | not rated |
| T4 | A | a2 | 12345 phone | closed, repeat of T1 | in time | on time | 解决 满意 (excluded) |
| T5 | B | a1 | 12345 phone | signed | in time | overdue (03-09) | — |
| T6 | B | a1 | 12319 web | dispatched | running | due 03-20 | — |
| T7 | — | a2 | 12345 phone | returned twice | stopped by the return | overdue (03-08) | — |
| T9 | — | — | 12345 web | pending dispatch, 03-08 23:30 local | — | — | — |
T8 (03-01 23:00 local) and T10 (03-09 00:10 local) fall outside; T11/T12 are older replies.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.domain.errors import InvalidInput
from hotline.models import (
    DeadlineClock,
    Department,
    ExtensionRequest,
    FollowUp,
    Level,
    Status,
    SupervisionOrder,
    Ticket,
    TicketEvent,
    Topic,
)
from hotline.reporting import figures
from hotline.reporting.figures import Counts, Period

SH = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 8))
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SH)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def _ticket(n: int, created: datetime, status: Status, *, unit: Department | None = None,
            district: str | None = None, line: str = "12345", channel: str = "phone",
            topic: Topic | None = None, reply_due: datetime | None = None,
            repeat_of: Ticket | None = None) -> Ticket:
    t = Ticket(number=f"20260301-{n:06d}", line=line, channel=channel, request_type="complaint",
               content=f"第{n}号诉求：路灯不亮", status=status, created_at=created, updated_at=created,
               department=unit, district=district, topic=topic, reply_due=reply_due,
               repeat_of=repeat_of)
    db.session.add(t)
    return t


def _clock(t: Ticket, kind: str, *, due: datetime, stopped: datetime | None = None,
           warn: datetime | None = None, unit: Department | None = None) -> None:
    db.session.add(DeadlineClock(ticket=t, kind=kind, department=unit or t.department,
                                 started_at=t.created_at, warn_at=warn or due, due_at=due,
                                 stopped_at=stopped))


def _verdict(t: Ticket, round_: int, status: str, solved: int | None = None,
             satisfied: int | None = None) -> None:
    db.session.add(FollowUp(ticket=t, department_id=t.department_id, round=round_, status=status,
                            solved=solved, satisfied=satisfied, created_at=t.created_at))


@pytest.fixture
def fixture(app: Flask) -> dict[str, object]:
    a = Department(code="ua", name="甲局", level=Level.CITY)
    b = Department(code="ub", name="乙局", level=Level.CITY)
    r1 = Topic(code="r1", name="城市管理")
    r1a = Topic(code="r1a", name="路灯", parent=r1)
    r2 = Topic(code="r2", name="交通")
    db.session.add_all([a, b, r1, r1a, r2])
    t1 = _ticket(1, at(2), Status.CLOSED, unit=a, district="a1", topic=r1a)
    _clock(t1, "sign", due=at(2, 12), stopped=at(2, 10))
    _clock(t1, "reply", due=at(5), stopped=at(4))
    _verdict(t1, 1, "answered", 1, 1)
    t2 = _ticket(2, at(3), Status.CLOSED, unit=a, district="a1", channel="web", topic=r1)
    _clock(t2, "sign", due=at(3, 10), stopped=at(3, 11))
    _clock(t2, "reply", due=at(6), stopped=at(7))
    _verdict(t2, 1, "answered", 3, 3)
    _verdict(t2, 2, "answered", 2, 2)
    t3 = _ticket(3, at(3, 10), Status.CLOSED, unit=a, district="a2", line="12315", channel="sms",
                 topic=r1a)
    _clock(t3, "sign", due=at(3, 12), stopped=at(3, 11))
    _clock(t3, "reply", due=at(6), stopped=at(5))
    _verdict(t3, 1, "not_rated")
    t4 = _ticket(4, at(4), Status.CLOSED, unit=a, district="a2", topic=r2, repeat_of=t1)
    _clock(t4, "sign", due=at(4, 12), stopped=at(4, 10))
    _clock(t4, "reply", due=at(6), stopped=at(5))
    _verdict(t4, 1, "answered", 1, 1)
    t5 = _ticket(5, at(5), Status.SIGNED, unit=b, district="a1", topic=r2, reply_due=at(9, 10))
    _clock(t5, "sign", due=at(5, 12), stopped=at(5, 10))
    _clock(t5, "reply", due=at(9, 10), warn=at(8))
    t6 = _ticket(6, at(6), Status.DISPATCHED, unit=b, district="a1", line="12319", channel="web",
                 reply_due=at(20))
    _clock(t6, "sign", due=at(9, 9), warn=at(8))
    _clock(t6, "reply", due=at(20), warn=at(19))
    t7 = _ticket(7, at(7), Status.RETURNED, district="a2", reply_due=at(8))
    _clock(t7, "sign", due=at(7, 12), stopped=at(7, 11), unit=b)
    for when in (at(7, 10), at(7, 11)):
        db.session.add(TicketEvent(ticket=t7, at=when, actor="乙局", kind="returned"))
    t9 = _ticket(9, at(8, 23, 30), Status.PENDING_DISPATCH, channel="web")
    _ticket(8, at(1, 23), Status.CLOSED, unit=a, district="a1")
    _ticket(10, at(9, 0, 10), Status.PENDING_DISPATCH, district="a2")
    _ticket(11, at(20, month=2), Status.REPLIED, unit=a)
    t12 = _ticket(12, at(20, month=2), Status.REPLIED, unit=a)
    _verdict(t12, 1, "pending")
    db.session.add_all([
        ExtensionRequest(ticket=t5, days=3, reason="需现场勘查", requested_by="乙局", status="pending",
                         requested_at=at(8)),
        ExtensionRequest(ticket=t6, days=2, reason="材料不全", requested_by="乙局", status="refused",
                         requested_at=at(7)),
        SupervisionOrder(ticket=t5, seq=1, note="尽快", due=at(9), issued_by="督办", issued_at=at(6)),
        SupervisionOrder(ticket=t1, seq=1, note="跟进", due=at(4), issued_by="督办", issued_at=at(2),
                         resolved_at=at(3)),
        SupervisionOrder(ticket=t2, seq=1, note="跟进", due=at(5), issued_by="督办", issued_at=at(3),
                         resolved_at=at(6)),
        SupervisionOrder(ticket=t6, seq=1, note="关注", due=at(20), issued_by="督办", issued_at=at(7)),
        SupervisionOrder(ticket=t6, seq=2, note="旧单", due=at(25, month=2), issued_by="督办",
                         issued_at=at(20, month=2)),
    ])
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)
    return {"a": a.id, "b": b.id, "r1": r1.id, "r2": r2.id, "t9": t9.id}


def _as_dict(c: Counts) -> dict[str, int]:
    return {k: getattr(c, k) for k in Counts.__dataclass_fields__}


def test_totals_exclude_repeats_and_not_rated(fixture: dict[str, int]) -> None:
    total = figures.breakdowns(db.session, PERIOD).total
    assert _as_dict(total) == {
        "volume": 8, "repeats": 1, "dispatched": 6, "responded": 3, "answered": 3, "on_time": 2,
        "open": 4, "overdue": 2, "rated_solved": 2, "solved": 1, "rated_satisfied": 2,
        "satisfied": 2, "not_rated": 1, "contacted": 0, "suspended": 0, "suspended_minutes": 0,
        "appealed": 0, "appealed_rating": 0}
    assert total.response_rate == 0.5
    assert total.on_time_rate == pytest.approx(0.6667)
    assert total.solution_rate == 0.5  # T1 解决; T2's final 部分解决 is not solved
    assert total.satisfaction_rate == 1.0  # T1 满意, T2's final 基本满意; T3 not rated


def test_breakdowns_by_each_dimension(fixture: dict[str, int]) -> None:
    roots = {t.id: t.root.id for t in db.session.query(Topic)}
    by = figures.breakdowns(db.session, PERIOD, roots).by
    a, b = fixture["a"], fixture["b"]
    assert {k: c.volume for k, c in by["unit"].items()} == {a: 4, b: 2, None: 2}
    assert (by["unit"][a].dispatched, by["unit"][a].responded, by["unit"][a].not_rated) == (3, 2, 1)
    assert (by["unit"][b].open, by["unit"][b].overdue, by["unit"][b].response_rate) == (2, 1, 0.5)
    assert {k: c.volume for k, c in by["district"].items()} == {"a1": 4, "a2": 3, None: 1}
    assert {k: c.volume for k, c in by["line"].items()} == {"12345": 6, "12315": 1, "12319": 1}
    assert {k: c.volume for k, c in by["channel"].items()} == {"phone": 4, "web": 3, "sms": 1}
    assert {k: c.volume for k, c in by["topic"].items()} == {
        fixture["r1"]: 3, fixture["r2"]: 2, None: 3}


def test_units_ranked_by_the_mean_of_the_three_rates(fixture: dict[str, int]) -> None:
    by = figures.breakdowns(db.session, PERIOD).by["unit"]
    ranked = figures.ranked(by)
    assert [k for k, _ in ranked] == [fixture["a"], fixture["b"], None]
    assert ranked[0][1].score == pytest.approx((2 / 3 + 0.5 + 1.0) / 3, abs=1e-4)
    assert ranked[1][1].score == 0.5 and ranked[2][1].score == 0.0


def test_daily_trend_counts_shanghai_days(fixture: dict[str, int]) -> None:
    days = figures.daily_trend(db.session, PERIOD)
    assert [(d.day.day, d.volume, d.overdue) for d in days] == [
        (2, 1, 0), (3, 2, 0), (4, 1, 0), (5, 1, 1), (6, 1, 0), (7, 1, 1), (8, 1, 0)]


def test_a_refresh_recomputes_only_the_days_that_changed(fixture: dict[str, int]) -> None:
    t6 = db.session.scalars(select(Ticket).where(Ticket.number.endswith("000006"))).one()
    t6.status = Status.SIGNED  # signed on 03-09 after its sign deadline: dispatched, not in time
    sign = next(c for c in t6.clocks if c.kind == "sign")
    sign.stopped_at = at(9, 10)
    db.session.commit()  # updated_at moves to the real now, after the first refresh's NOW
    assert figures.refresh(db.session) == {"days": 1}  # 03-06 only
    unit_of_work.commit(db.session)
    total = figures.breakdowns(db.session, PERIOD).total
    assert (total.volume, total.dispatched, total.responded) == (8, 6, 3)
    t6.status = Status.REPLIED  # answered on 03-10, well before its reply deadline
    next(c for c in t6.clocks if c.kind == "reply").stopped_at = at(10)
    db.session.commit()
    figures.refresh(db.session)
    unit_of_work.commit(db.session)
    total = figures.breakdowns(db.session, PERIOD).total
    assert (total.answered, total.on_time, total.volume) == (4, 3, 8)  # never counted twice


def test_nothing_before_the_first_refresh(app: Flask) -> None:
    assert figures.refreshed_at(db.session) is None
    assert figures.breakdowns(db.session, PERIOD).total.volume == 0
    assert figures.refresh(db.session, NOW) == {"days": -1}
    unit_of_work.commit(db.session)
    assert figures.refreshed_at(db.session) == NOW


def test_district_load_is_current_open_and_overdue(fixture: dict[str, int]) -> None:
    load = figures.district_load(db.session, NOW)
    # Overdue as the overdue list counts it, any running clock past due: a1's t5 is late on its
    # reply and t6 on its 签收; a2's t7 has a past reply_due but no running clock (its 签收 clock
    # stopped, and this fixture gives it no reply clock), so nothing of a2's is on the list.
    assert [(d.district, d.open, d.overdue) for d in load] == [
        ("a1", 2, 2), ("a2", 2, 0), (None, 1, 0)]


def test_what_waits_for_a_supervisor(fixture: dict[str, int]) -> None:
    due = figures.deadlines_due(db.session, NOW)
    assert due.total == 2
    assert [(c.kind, t.number[-1]) for c, t in due.rows] == [("sign", "6"), ("reply", "5")]
    assert figures.overdue_count(db.session, NOW) == 2
    ext = figures.pending_extensions(db.session)
    assert ext.total == 1 and ext.rows[0][1].number.endswith("05")
    arb = figures.awaiting_arbitration(db.session)
    assert arb.total == 1 and arb.rows[0][1] == 2
    review = figures.awaiting_review(db.session)
    assert [t.number for (t,) in review.rows] == ["20260301-000011"]


def test_supervision_orders_of_the_period_by_state(fixture: dict[str, int]) -> None:
    counts, page = figures.supervision_orders(db.session, PERIOD, NOW)
    assert counts == {"overdue": 1, "open": 1, "done_late": 1, "done": 1}
    assert [state for _o, _t, state in page.rows][:2] == ["overdue", "open"]


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-3-1", None, "YYYY-MM-DD"), ("2026-03-09", "2026-03-01", "晚于"),
    ("2025-01-01", "2026-03-01", "最长")])
def test_bad_periods_are_refused(start: str, end: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Period.parse(start, end, date(2026, 3, 10))


def test_default_period_is_the_last_seven_days() -> None:
    assert Period.parse(None, None, date(2026, 3, 10)) == Period(date(2026, 3, 4),
                                                                  date(2026, 3, 10))
    lo, hi = PERIOD.bounds
    assert (lo.isoformat(), hi.isoformat()) == ("2026-03-01T16:00:00+00:00",
                                                "2026-03-08T16:00:00+00:00")
