"""Reference data read once per batch of jobs instead of once per item.

The intake job turns up to fifty intakes into tickets, each in its own transaction; every one
asked the database which classifier model is active and what the acknowledgement's wording is
(two of its eleven statements). Inside ``with batch(session):`` such a read is made once and
remembered for the rest of the batch (``remembered``); outside one, every call reads. An
administrator's change reaches the next batch, a few seconds later at most, as it reached the
next job before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_KEY = "hotline.batch"


@contextmanager
def batch(session: Any) -> Iterator[None]:
    """Remember the reads made through ``remembered`` until the block ends (nested: the
    outermost block's)."""
    if _KEY in session.info:
        yield
        return
    session.info[_KEY] = {}
    try:
        yield
    finally:
        session.info.pop(_KEY, None)


def remembered(session: Any, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, once per batch for ``key`` (every time outside a batch)."""
    memo: dict[Hashable, Any] | None = session.info.get(_KEY)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]
