"""The search index: kept current in the same flush as the ticket, and matched through one small
interface with a backend per dialect.

The tokens (hotline.search.tokens) live in two columns of `tickets`, `search_body` and
`search_person`, written by the ORM listener below whenever a ticket is inserted or a
searchable field changes (content, address, name, phone, a citizen's follow-up message), so
the index never lags a commit. Each dialect indexes those columns its own way (migration
`search_index`):

- PostgreSQL: GIN indexes on `to_tsvector('simple', column)`; a phrase is a tsquery of
  consecutive tokens (`'噪音' <-> '音扰'`).
- SQLite: the FTS5 table `tickets_fts` over the same columns (external content, kept by
  triggers); a phrase is an FTS5 phrase (`search_body : "噪音 音扰"`).

The service asks only `phrase(session, field, tokens, prefix=...)` for a boolean clause on
`tickets`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    bindparam,
    event,
    inspect,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from hotline.domain.events import EventKind
from hotline.models import Ticket, TicketEvent
from hotline.search.tokens import body_tokens, person_tokens

BODY, PERSON = "search_body", "search_person"
FIELDS = (BODY, PERSON)
SEARCHED = ("content", "address", "citizen_name", "phone")


def reindex(ticket: Ticket) -> None:
    """Set the ticket's tokens from its searchable fields and the citizen's later messages."""
    messages = [e.note for e in ticket.events if e.kind == EventKind.CITIZEN_MESSAGE]
    ticket.search_body = body_tokens([ticket.content, ticket.address, *messages])
    ticket.search_person = person_tokens(ticket.citizen_name, ticket.phone)


def _changed(ticket: Ticket) -> bool:
    state = inspect(ticket)
    return any(state.attrs[name].history.has_changes() for name in SEARCHED)


@event.listens_for(Session, "before_flush")
def _keep_current(session: Session, *_: Any) -> None:
    """Every path that writes a ticket (intake, the console, imports, transcription, a
    citizen's message) goes through a flush: the tokens are written in the same statement."""
    stale = {t for t in session.new if isinstance(t, Ticket)}
    stale |= {t for t in session.dirty if isinstance(t, Ticket) and _changed(t)}
    stale |= {e.ticket for e in session.new if isinstance(e, TicketEvent)
              and e.kind == EventKind.CITIZEN_MESSAGE and e.ticket is not None}
    for ticket in stale:
        reindex(ticket)


class Backend(Protocol):
    def phrase(self, field: str, tokens: Sequence[str], prefix: bool) -> ColumnElement[bool]:
        """Tickets whose `field` holds `tokens` consecutively (the last as a prefix if asked)."""
        ...


class PostgresBackend:
    def phrase(self, field: str, tokens: Sequence[str], prefix: bool) -> ColumnElement[bool]:
        terms = [f"'{t}'" for t in tokens]
        if prefix:
            terms[-1] += ":*"
        # Spelled as in the index definition, so the planner uses the GIN index.
        vector = literal_column(f"to_tsvector('simple'::regconfig, tickets.{field})")
        return vector.op("@@")(literal(" <-> ".join(terms), TSQUERY))


class SqliteBackend:
    def phrase(self, field: str, tokens: Sequence[str], prefix: bool) -> ColumnElement[bool]:
        match = f'{field} : "{" ".join(tokens)}"' + (" *" if prefix else "")
        found = select(literal_column("rowid")).select_from(text("tickets_fts")).where(
            text("tickets_fts MATCH :match").bindparams(bindparam("match", match, unique=True)))
        return Ticket.id.in_(found)


def backend(session: Session) -> Backend:
    """The index of the session's database."""
    name = session.get_bind().dialect.name
    return PostgresBackend() if name == "postgresql" else SqliteBackend()
