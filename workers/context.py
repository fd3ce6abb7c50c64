"""One Flask app per worker process, built on first use, so jobs share its engine and model."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from flask import Flask, has_app_context

P = ParamSpec("P")
R = TypeVar("R")


@cache
def app() -> Flask:
    from hotline.factory import create_app

    return create_app()


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
