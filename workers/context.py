"""One Flask app per worker process, built on first use, so jobs share its engine and model.

A forked RQ work horse has no app: it builds its own (sharing the parent's would share its
database pool across the fork) with the factory the worker was started with (`bind`, called by
workers.runner with the factory the composition root left on its app), so the workers never
import the composition root that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from flask import Flask, has_app_context

P = ParamSpec("P")
R = TypeVar("R")


FACTORY = "hotline.factory"  # the app's extensions key of the factory that made it
_factory: list[Callable[[], Flask]] = []


def bind(parent: Flask) -> None:
    """Jobs of this process and its work horses build their app as `parent` was built."""
    _factory[:] = [parent.extensions[FACTORY]]
    app.cache_clear()


@cache
def app() -> Flask:
    if not _factory:
        raise RuntimeError("no app factory: start workers with `flask --app hotline worker`")
    return _factory[0]()


def in_app(func: Callable[P, R]) -> Callable[P, R]:
    """Run a job inside an app context (the caller's, when it already has one)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return func(*args, **kwargs)
        from hotline.app.extensions import db

        with app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper
