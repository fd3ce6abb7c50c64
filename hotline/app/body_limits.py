"""Request body limits per route: MAX_CONTENT_LENGTH is small (forms), routes that take files
declare a larger one.

The limit must be set before anything reads the body, and CSRF protection reads the form in a
before-request hook of its own: so `register` installs this hook ahead of it (the factory calls
it before `csrf.init_app`), and features declare their routes with `allow` when their blueprint
is registered. A limit set later in a view or a blueprint's hook came too late: the body had
already been refused with 413 at the global limit.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Request, current_app, request

KEY = "upload_limits"
Matcher = Callable[[Request], bool]
Limit = Callable[[Flask], int]


def register(app: Flask) -> None:
    app.extensions[KEY] = []
    app.before_request(_apply)


def allow(app: Flask, matches: Matcher, limit: Limit) -> None:
    """Requests that `matches` may carry `limit(app)` bytes (read per request: tests and admins
    change the setting without a restart)."""
    app.extensions[KEY].append((matches, limit))


def _apply() -> None:
    for matches, limit in current_app.extensions[KEY]:
        if matches(request):
            request.max_content_length = limit(current_app)
            return
