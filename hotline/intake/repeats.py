"""Finding earlier open tickets about the same problem (重复件), so one problem is one case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain import states
from hotline.models import Status, Ticket, utcnow

WINDOW = timedelta(days=30)
THRESHOLD = 0.5


def _bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: robust for Chinese without a tokenizer."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def find_repeat(session: Session, ticket: Ticket) -> Ticket | None:
    """The most similar open ticket from the same caller in the last 30 days, if similar enough."""
    if not ticket.phone:
        return None
    candidates = session.scalars(
        select(Ticket)
        .where(
            Ticket.phone == ticket.phone,
            Ticket.status.in_(states.OPEN),
            Ticket.created_at >= ticket.created_at - WINDOW,
            Ticket.number != ticket.number,
            Ticket.repeat_of_id.is_(None),
        )
        .order_by(Ticket.created_at.desc())
        .limit(20)
    ).all()
    scored = [(similarity(ticket.content, c.content), c) for c in candidates]
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return best[1] if best[0] >= THRESHOLD else None


# --- for the agent console: open tickets that look like the call being typed ------------------

RECENT = 300  # recent open tickets compared by text alone
MIN_TEXT = 0.25  # cosine of character bigrams that counts as "similar text" by itself
MIN_TEXT_NEAR = 0.12  # ... when the caller or the place is also the same
CALLER_BONUS, PLACE_BONUS = 0.2, 0.1


def cosine(a: str, b: str) -> float:
    """Cosine of character-bigram sets: a short text typed so far can still match a long one."""
    return _cosine(_bigrams(a), _bigrams(b))


def _cosine(x: set[str], y: set[str]) -> float:
    return len(x & y) / (len(x) * len(y)) ** 0.5 if x and y else 0.0


@dataclass(frozen=True)
class Match:
    id: int
    number: str
    content: str
    status: str
    created_at: datetime
    text: float
    same_caller: bool
    same_place: bool

    @property
    def score(self) -> float:
        return self.text + CALLER_BONUS * self.same_caller + PLACE_BONUS * self.same_place


def similar_open(session: Session, text: str, *, phone: str | None = None,
                 district: str | None = None, now: datetime | None = None,
                 limit: int = 5) -> list[Match]:
    """Open tickets of the last 30 days from the same caller, the same district, or with
    similar text, best first. Three small indexed queries (phone, district, creation time),
    then bigram scoring in Python over a few hundred rows at most."""
    since = (now or utcnow()) - WINDOW
    # "not closed" rather than IN (open states): the planners then walk the creation-time
    # index newest first instead of reading every open ticket through the status index.
    columns = select(Ticket.id, Ticket.number, Ticket.content, Ticket.status, Ticket.created_at,
                     Ticket.phone, Ticket.district).where(
        Ticket.status != Status.CLOSED, Ticket.created_at >= since)
    queries = [columns.order_by(Ticket.created_at.desc()).limit(RECENT)]
    if phone:
        queries.append(columns.where(Ticket.phone == phone).limit(50))
    if district:
        queries.append(columns.where(Ticket.district == district)
                       .order_by(Ticket.created_at.desc()).limit(RECENT))
    rows = {row.id: row for query in queries for row in session.execute(query)}
    typed = _bigrams(text)
    matches = []
    for row in rows.values():
        score = _cosine(typed, _bigrams(row.content))
        caller = bool(phone) and row.phone == phone
        place = bool(district) and row.district == district
        if score >= MIN_TEXT or ((caller or place) and score >= MIN_TEXT_NEAR):
            matches.append(Match(row.id, row.number, row.content, row.status.value,
                                 row.created_at, score, caller, place))
    return sorted(matches, key=lambda m: m.score, reverse=True)[:limit]
