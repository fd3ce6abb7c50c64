"""未诉先办: find the streets where calls about one topic jump, and tell the supervisors.

The scheduled scan (workers/hotspots.py, every 15 minutes) counts, per street × topic, the
tickets accepted in the last day, and the urgent ones in the last hour (a gas leak or a burst
main shows within the hour, long before a day's count would). Each count is compared with the
same window on the same weekday of the eight weeks before (classifier.surges: negative-binomial
surprise by default, its dispersion shrunk toward that of the topic's streets (`topic_pools`),
Poisson where the window's rule says so or the dispersion is not over Poisson's;
the rules are the administrators' surge_rules rows, the shipped ones until they save their own);
weeks before the first ticket of the database are left out rather than counted as empty. A
surge becomes one `SurgeAlert` row with the calls' top phrases and one staff notice to the
supervisors; the same street, topic and window kind is not raised again for a day, so running
the scan every quarter of an hour (or twice at once) raises each surge once.
Repeats (重复件) are left out: the question is how many people call, not how often one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.surges import (
    POISSON,
    POOLED,
    SHIPPED,
    Pool,
    SurgeRule,
    pool_of,
    surge,
)
from classifier.trends import hot_topics
from hotline.models import (
    Notification,
    Place,
    Role,
    SurgeAlert,
    SurgeRuleRow,
    Ticket,
    Topic,
    Urgency,
)
from hotline.reporting import phrases

WEEKS = 8  # baseline: the same window on the same weekday of this many weeks before
QUIET = timedelta(days=1)  # one alert per street, topic and window kind within this span
PHRASES = 5
PHRASE_SAMPLE = 300  # latest texts of a surging cell the phrases come from
MIN_POOL = 5  # streets with calls a topic needs to pool its dispersion on its own, else the city's
Cell = tuple[str, int]  # (street code, topic id)


@dataclass(frozen=True)
class Window:
    kind: str  # day | hour
    span: timedelta
    urgent_only: bool


WINDOWS = (Window("day", timedelta(days=1), False), Window("hour", timedelta(hours=1), True))


def rule_of(row: SurgeRuleRow) -> SurgeRule:
    return SurgeRule(threshold=row.threshold, min_count=row.min_count, min_ratio=row.min_ratio,
                     floor=row.floor, method=row.method)


def rules(session: Session) -> dict[str, SurgeRule]:
    """Each window kind's rule in force: the administrators' row, else the shipped one."""
    saved = {row.window: rule_of(row) for row in session.scalars(select(SurgeRuleRow))}
    return {w.kind: saved.get(w.kind, SHIPPED[w.kind]) for w in WINDOWS}


def _where(lo: datetime, hi: datetime, urgent_only: bool) -> list[object]:
    where = [Ticket.created_at >= lo, Ticket.created_at < hi, Ticket.repeat_of_id.is_(None),
             Ticket.street.is_not(None), Ticket.topic_id.is_not(None)]
    if urgent_only:
        where.append(Ticket.urgency == Urgency.URGENT)
    return where


def _counts(session: Session, lo: datetime, hi: datetime, urgent_only: bool) -> dict[Cell, int]:
    rows = session.execute(select(Ticket.street, Ticket.topic_id, func.count())
                           .where(*_where(lo, hi, urgent_only))
                           .group_by(Ticket.street, Ticket.topic_id)).all()
    return {(street, topic): n for street, topic, n in rows}


def _texts(session: Session, cell: Cell, lo: datetime, hi: datetime,
           urgent_only: bool) -> list[str]:
    return list(session.scalars(select(Ticket.content).where(
        *_where(lo, hi, urgent_only), Ticket.street == cell[0], Ticket.topic_id == cell[1])
        .order_by(Ticket.created_at.desc()).limit(PHRASE_SAMPLE)))


def _recently_raised(session: Session, kind: str, now: datetime) -> set[Cell]:
    rows = session.execute(select(SurgeAlert.street, SurgeAlert.topic_id).where(
        SurgeAlert.window == kind, SurgeAlert.created_at > now - QUIET)).all()
    return {(street, topic) for street, topic in rows}


def topic_pools(history: Sequence[dict[Cell, int]], topics: set[int]) -> dict[int, Pool]:
    """Each topic's pool (classifier.surges.pool_of) over the baselines of every street that
    had calls about it in the weeks of `history`; a topic with fewer than MIN_POOL such streets
    pools with the whole city."""
    baselines: dict[int, list[list[int]]] = {}
    for cell in {cell for counts in history for cell in counts}:
        baselines.setdefault(cell[1], []).append([counts.get(cell, 0) for counts in history])
    city: Pool | None = None
    pools: dict[int, Pool] = {}
    for topic in topics:
        own = baselines.get(topic, [])
        if len(own) >= MIN_POOL:
            pools[topic] = pool_of(own)
            continue
        if city is None:
            city = pool_of([b for group in baselines.values() for b in group])
        pools[topic] = city
    return pools


def scan(session: Session, now: datetime) -> list[SurgeAlert]:
    """Raise the alerts of every window kind that are due now; the caller commits."""
    first = session.scalar(select(func.min(Ticket.created_at)))
    if first is None:
        return []
    stop = phrases.stop_words(session)
    in_force = rules(session)
    raised: list[SurgeAlert] = []
    for window in WINDOWS:
        rule, lo = in_force[window.kind], now - window.span
        current = {cell: n for cell, n in _counts(session, lo, now, window.urgent_only).items()
                   if n >= rule.min_count}
        if not current:
            continue
        weeks = [k for k in range(1, WEEKS + 1) if lo - timedelta(weeks=k) >= first]
        history = [_counts(session, lo - timedelta(weeks=k), now - timedelta(weeks=k),
                           window.urgent_only) for k in weeks]
        done = _recently_raised(session, window.kind, now)
        pools = topic_pools(history, {topic for _street, topic in current}) \
            if rule.method == POOLED else {}
        for cell, observed in sorted(current.items()):
            if cell in done:
                continue
            baseline = [counts.get(cell, 0) for counts in history]
            found = surge(observed, baseline, rule, pools.get(cell[1]))
            if found is None:
                continue
            texts = _texts(session, cell, lo, now, window.urgent_only)
            top = [h.phrase for h in hot_topics(texts, top=PHRASES, stop_words=stop)]
            alert = SurgeAlert(window=window.kind, street=cell[0], topic_id=cell[1],
                               district=session.scalar(select(Place.district_code)
                                                       .where(Place.code == cell[0])),
                               window_start=lo, window_end=now, observed=found.observed,
                               expected=found.expected, surprise=found.surprise,
                               detail={"phrases": top, "baseline": baseline,
                                       "method": POISSON if found.size is None else rule.method,
                                       "size": found.size}, status="open",
                               created_at=now)
            session.add(alert)
            raised.append(alert)
    session.flush()
    for alert in raised:
        session.add(Notification(role=Role.SUPERVISOR.value, kind="surge_alert",
                                 level="red" if alert.window == "hour" else "yellow",
                                 body=notice_text(session, alert), created_at=now))
    return raised


def place_name(session: Session, code: str | None) -> str:
    if code is None:
        return ""
    return session.scalar(select(Place.name).where(Place.code == code)) or code


def notice_text(session: Session, alert: SurgeAlert) -> str:
    """The supervisors' notice (stored in Chinese, as every staff notice is)."""
    topic = session.get(Topic, alert.topic_id)
    span = "近1小时紧急诉求" if alert.window == "hour" else "近24小时"
    words = "、".join(alert.detail.get("phrases", [])) or "无"
    return (f"来电增多预警：{place_name(session, alert.street)}"
            f"「{topic.name if topic else alert.topic_id}」{span} {alert.observed} 件，"
            f"往常约 {alert.expected:.1f} 件。热点词：{words}。请在督办工作台查看。")


def open_alerts(session: Session, limit: int = 50) -> Sequence[SurgeAlert]:
    """Alerts waiting for a supervisor, newest first."""
    return session.scalars(select(SurgeAlert).where(SurgeAlert.status == "open")
                           .order_by(SurgeAlert.created_at.desc()).limit(limit)).all()
