"""Every error a user can cause gets a clear 4xx in the form the caller speaks (JSON or HTML)."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

import psycopg
from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import BadRequest, HTTPException

from .domain.errors import DomainError
from .extensions import db, login_manager

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求无效 / Bad request",
    401: "需要登录或有效的令牌 / Authentication required",
    403: "无权执行此操作 / Forbidden",
    404: "未找到 / Not found",
    405: "不支持的请求方法 / Method not allowed",
    409: "与当前状态冲突 / Conflict with the current state",
    413: "请求内容过大 / Request body too large",
    415: "不支持的内容类型 / Unsupported content type",
    429: "请求过于频繁，请稍后再试 / Too many requests, try again later",
}
INVALID_CHARACTER = "含有无效字符 / contains an invalid character (NUL)"
UNAVAILABLE = "系统暂时无法访问数据库，请稍后再试 / The database is unavailable; try again shortly"
# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30
# SQLSTATE classes of a lost or refused connection: 08 connection exception, 57P01-57P03 the
# server shutting down or not yet accepting connections (starting, recovering).
LOST_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or request.is_json


def respond(status: int, message: str, code: str, field: str | None = None) -> Any:
    log.info("%s %s -> %s %s", request.method, request.path, status, message)
    if wants_json():
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def database_unreachable(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached (down, restarting, connection lost),
    False for every other database error: those are bugs or bad input and stay what they were."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:  # SQLAlchemy saw a disconnect and invalidated the pool
            return True
        exc = exc.orig
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        # No SQLSTATE: the client library failed to connect or lost the socket.
        state = exc.sqlstate
        return state is None or state.startswith(LOST_CONNECTION_STATES)
    return False


def _unavailable() -> Response:
    """503 in the caller's own format. Twilio hears a sorry message with 200 instead (see
    channels.twilio.sorry)."""
    if request.blueprint == "open311":
        from .channels.open311 import error_response

        response = error_response(503, UNAVAILABLE)
    elif request.path.startswith("/twilio/"):
        from .channels.twilio import sorry

        response = sorry()
        if response.status_code == 200:
            return response
    elif wants_json():
        response = jsonify({"error": {"code": "unavailable", "message": UNAVAILABLE}})
    else:
        # Rendered for nobody signed in: asking the database who is would fail again.
        g._login_user = login_manager.anonymous_user()
        response = make_response(render_template(
            "error.html", status=503, title=gettext("服务暂时不可用"),
            message=gettext("系统暂时无法访问数据库，请稍后再试。您填写的内容尚未提交。")))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    @app.before_request
    def _no_nul() -> None:
        """A NUL in a path or query parameter is never meant, and PostgreSQL text cannot hold one:
        refuse it before it reaches a filter. (Text fields strip control characters themselves.)
        Raised, not returned, so that a blueprint's own error format (Open311) applies."""
        if "\x00" in request.path or b"%00" in request.query_string:
            raise BadRequest(INVALID_CHARACTER)

    @app.errorhandler(DataError)
    def _data(exc: DataError) -> Any:
        """A value the database refuses (out of range, malformed) is the caller's bad input."""
        db.session.rollback()
        log.warning("database refused a value: %s", exc.orig)
        return respond(400, f"{MESSAGES[400]}: 数据库无法接受该值 / a value is out of range or malformed",
                       "invalid_value")

    @app.errorhandler(DBAPIError)
    @app.errorhandler(psycopg.Error)
    def _database(exc: Exception) -> Any:
        """The database is down or restarting: 503 with Retry-After, never a 500. The pool has
        been invalidated (SQLAlchemy does it on a disconnect), so a later request connects anew."""
        if not database_unreachable(exc):
            raise exc
        with suppress(Exception):
            db.session.rollback()
        log.warning("%s %s -> 503, database unreachable: %s", request.method, request.path, exc)
        return _unavailable()

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        return respond(exc.status, exc.message, exc.code, exc.field)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return respond(400, "表单已过期，请刷新后重试 / The form expired; reload and try again", "csrf")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = MESSAGES.get(status, exc.description or "")
        data = getattr(exc, "data", None) or {}
        details = data.get("messages")
        if data.get("message"):  # flask-smorest abort(..., message=...)
            message = data["message"]
        elif details:  # webargs validation errors from the API (422): say which field is wrong
            message = f"{MESSAGES[400]}: {details}"
        elif status == 400 and exc.description:
            message = f"{message}: {exc.description}"
        return respond(status, message, exc.name.lower().replace(" ", "_"))
