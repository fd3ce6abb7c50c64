"""The hot-phrase stop-word list in force: the shipped file with the administrators' rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.trends import stop_list
from hotline.models import PhraseStopWord


def stop_words(session: Session) -> frozenset[str]:
    """Read on every use (a few dozen rows), so an administrator's edit shows on the next page."""
    rows = session.execute(select(PhraseStopWord.word, PhraseStopWord.keep)
                           .where(PhraseStopWord.active)).all()
    return stop_list(added=[w for w, keep in rows if not keep], kept=[w for w, keep in rows if keep])
