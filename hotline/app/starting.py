"""The page the one-command start answers with until everything is ready.

`flask --app hotline up` binds its port first and serves this gate at once, so a newcomer who
opens the printed URL during the first start (database, demo city, classifier training) sees
what is happening instead of a refused connection. Every request gets 503 with `Retry-After`
and a small page in the reader's language that refreshes itself (JSON for the API); once `up`
calls `open()`, the gate hands every request to the app.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from werkzeug.wrappers import Request

from hotline.app.i18n import COOKIE, DEFAULT, LANGUAGES

RETRY_SECONDS = 3
# The steps of a start, as `up` names them to the gate (msgids of the page's "current step").
STEPS = {
    "database": _l("准备数据库"),
    "seed": _l("载入城市、单位和账号"),
    "model": _l("训练分类模型"),
    "history": _l("生成演示城市的历史工单"),
    "workers": _l("启动后台处理进程"),
}
HEADERS = [
    ("Retry-After", str(RETRY_SECONDS)),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
]

StartResponse = Callable[..., Any]


class Gate:
    """A WSGI app: the starting page until `open()`, then `app` itself."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.step = "database"
        self._open = False
        self._pages: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def open(self) -> None:
        self._open = True

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self._open:
            return self.app(environ, start_response)
        request = Request(environ)
        lang = next((c for c in (request.args.get("lang"), request.cookies.get(COOKIE))
                     if c in LANGUAGES), DEFAULT)
        if request.path.startswith("/api/"):
            body = json.dumps({"error": {"code": "starting", "message": self._text(lang)}},
                              ensure_ascii=False).encode()
            kind = "application/json"
        else:
            body, kind = self._page(lang), "text/html; charset=utf-8"
        start_response("503 Service Unavailable",
                       [("Content-Type", kind), ("Content-Length", str(len(body))), *HEADERS])
        return [body]

    def _text(self, lang: str) -> str:
        with self.app.test_request_context("/", query_string={"lang": lang}):
            refresh()  # the locale of this context, not one cached in an outer app context
            return f"{_l('12345 热线正在启动')}：{STEPS[self.step]}"

    def _page(self, lang: str) -> bytes:
        """Rendered once per language and step: the start must not be slowed by its visitors."""
        key = (lang, self.step)
        with self._lock:
            if key not in self._pages:
                with self.app.test_request_context("/", query_string={"lang": lang}):
                    refresh()
                    self._pages[key] = render_template(
                        "starting.html", lang=lang, step=STEPS[self.step],
                        refresh=RETRY_SECONDS).encode()
            return self._pages[key]
