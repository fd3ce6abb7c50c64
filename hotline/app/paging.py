"""Paged lists: the page number a request asks for, and one page of a query with its total.

Every staff list shows "共 N 件，第 p / ps 页" and pages in SQL (COUNT over the filtered query,
then OFFSET/LIMIT), so a list never silently stops at a fixed number of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.domain.errors import InvalidInput

T = TypeVar("T")


def page_number(args: Mapping[str, Any], name: str = "page") -> int:
    """`?page=` as a positive whole number (1 when absent); anything else is the reader's 400."""
    try:
        number = int(args.get(name) or 1)
    except ValueError:
        raise InvalidInput("页码须为整数 / page must be a whole number", field=name) from None
    if number < 1:
        raise InvalidInput("页码须大于 0 / page must be positive", field=name)
    return number


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int  # the page shown: the one asked for, or the last one when that was past the end
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paged(session: Session, stmt: Select[Any], number: int, per_page: int, *,
          scalars: bool = True) -> Page[Any]:
    """One page of `stmt`'s rows (its first column's values when `scalars`), counted over the
    same query without its order."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    shown = min(number, max(1, -(-total // per_page)))
    window = stmt.offset((shown - 1) * per_page).limit(per_page)
    rows = session.scalars(window).all() if scalars else session.execute(window).all()
    return Page(list(rows), total, shown, per_page)
