"""Every error a user can cause gets a clear 4xx in the form the caller speaks (JSON or HTML)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import unquote_to_bytes

import numpy as np
import psycopg
from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import BadRequest, HTTPException

from hotline.app.extensions import db, login_manager
from hotline.app.i18n import halves
from hotline.domain.errors import DomainError

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
# No request of ours nests deeper than a few levels; Python's JSON parser recurses and gives up
# with a RecursionError (a 500) near 1,000.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON 嵌套过深（最多{MAX_JSON_DEPTH}层）/ JSON nested deeper than {MAX_JSON_DEPTH} levels"
NOT_UTF8 = "表单内容不是有效的 UTF-8 编码 / the form is not valid UTF-8"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEPS = np.array([1 if c in b"[{" else -1 if c in b"]}" else 0 for c in range(256)], dtype=np.int32)
FORM_TYPE = "application/x-www-form-urlencoded"


def too_deep(body: bytes) -> bool:
    """Whether `body` nests arrays and objects deeper than MAX_JSON_DEPTH, found without parsing
    it (brackets inside strings do not count). Counting the openers first keeps the usual
    request to two scans in C; the running depth is summed by numpy (loaded by the classifier
    anyway), since a Python loop over a body of MAX_CONTENT_LENGTH brackets took 0.25 s."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = _STEPS[np.frombuffer(brackets, dtype=np.uint8)].cumsum().max(initial=0)
    return bool(depth > MAX_JSON_DEPTH)


def readable_form(body: bytes) -> bool:
    """Whether a urlencoded body decodes as UTF-8, escapes included. Werkzeug would quietly
    hand over an empty form for raw invalid bytes, and the escapes of invalid ones as text."""
    try:
        unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
UNAVAILABLE = "系统暂时无法访问数据库，请稍后再试 / The database is unavailable; try again shortly"
# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30
# SQLSTATE classes of a lost or refused connection: 08 connection exception, 57P01-57P03 the
# server shutting down or not yet accepting connections (starting, recovering).
LOST_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


def joined(head: str, detail: str) -> str:
    """`请求无效 / Bad request` and its detail as one `中文 / English` pair, so that a page can
    show its reader one language (hotline.app.i18n.one_language) and the API keeps both."""
    (zh_head, en_head), (zh_detail, en_detail) = halves(head), halves(detail)
    return f"{zh_head}：{zh_detail} / {en_head}: {en_detail}"


# What marshmallow says of a field, in Chinese beside its English (a field's own message, from a
# schema's validator, is shown as written).
FIELD_MESSAGES = {
    "Invalid input type.": "须为 JSON 对象 / must be a JSON object",
    "Missing data for required field.": "必填 / required",
    "Unknown field.": "未知字段 / unknown field",
    "Field may not be null.": "不能为空 / may not be null",
    "Not a valid string.": "须为字符串 / must be a string",
    "Not a valid integer.": "须为整数 / must be an integer",
    "Not a valid number.": "须为数字 / must be a number",
    "Not a valid boolean.": "须为 true 或 false / must be true or false",
    "Not a valid list.": "须为数组 / must be a list",
    "Not a valid mapping type.": "须为 JSON 对象 / must be a JSON object",
    "Not a valid datetime.": "须为日期时间 / must be a date and time",
    "Not a valid date.": "须为日期 / must be a date",
}
BODY_NOT_OBJECT = "请求体须为 JSON 对象 / the body must be a JSON object"
LOCATIONS = frozenset({"json", "query", "form", "files", "headers", "cookies", "path",
                       "querystring", "view_args"})


def field_errors(details: Mapping[str, Any]) -> dict[str, list[str]]:
    """webargs' nested messages (`{'json': {'unit': ['...'], 'items': {0: {...}}}}`) as one
    flat `{"unit": [...], "items.0.note": [...]}`; `_schema` (the body as a whole) is ""."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                step = str(key)
                if not path and step in LOCATIONS:
                    walk(value, path)
                else:
                    walk(value, path if step == "_schema" else (*path, step))
        elif isinstance(node, list | tuple) and all(isinstance(m, str) for m in node):
            found.setdefault(".".join(path), []).extend(node)
        elif isinstance(node, list | tuple):
            for index, value in enumerate(node):
                walk(value, (*path, str(index)))
        else:
            found.setdefault(".".join(path), []).append(str(node))

    walk(details, ())
    return found


def readable(errors: Mapping[str, list[str]]) -> str:
    """The flat field errors as one `中文 / English` detail: `unit: 必填; note: ...`."""
    zh, en = [], []
    for name, messages in errors.items():
        for message in messages:
            if not name and message in ("Invalid input type.", "Not a valid mapping type."):
                z, e = halves(BODY_NOT_OBJECT)
            else:
                z, e = halves(FIELD_MESSAGES.get(message, message))
            zh.append(f"{name}：{z}" if name else z)
            en.append(f"{name}: {e}" if name else e)
    return f"{'；'.join(zh)} / {'; '.join(en)}"


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or request.is_json


def respond(status: int, message: str, code: str, field: str | None = None,
            errors: Mapping[str, list[str]] | None = None) -> Any:
    log.info("%s %s -> %s %s", request.method, request.path, status, message)
    if wants_json():
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        if errors:  # which field said what, for a program to show beside each field
            body["error"]["errors"] = dict(errors)
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


def _unavailable(answers: Mapping[str, Callable[[], Response]]) -> Response:
    """503 in the caller's own format: a blueprint that speaks its own (Open311, Twilio) answers
    through `answers`; Twilio hears a sorry message with 200 instead (hotline.twilio.views.sorry)."""
    answer = answers.get(request.blueprint or "")
    if answer is not None:
        response = answer()
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


def register(app: Flask, unavailable: Mapping[str, Callable[[], Response]]) -> None:
    """Install the hooks and handlers; `unavailable` maps a blueprint with a format of its own
    to the answer it gives while the database is unreachable (the composition root knows them,
    so this shell imports no feature)."""

    @app.before_request
    def _no_nul() -> None:
        """A NUL in a path or query parameter is never meant, and PostgreSQL text cannot hold one:
        refuse it before it reaches a filter. (Text fields strip control characters themselves.)
        Raised, not returned, so that a blueprint's own error format (Open311) applies."""
        if "\x00" in request.path or b"%00" in request.query_string:
            raise BadRequest(INVALID_CHARACTER)

    def _readable_body() -> None:
        """Bodies every parser can take: JSON shallow enough not to exhaust the parser's
        recursion (webargs and Flask each parse it their own way), forms in UTF-8. Raised, like
        the NUL check, so that a blueprint's own error format applies."""
        if request.is_json and too_deep(request.get_data(cache=True)):
            raise BadRequest(TOO_DEEP)
        if request.mimetype == FORM_TYPE and not readable_form(request.get_data(cache=True)):
            raise BadRequest(NOT_UTF8)

    # First of all hooks: CSRF protection reads the form, and once parsed the body is gone.
    app.before_request_funcs.setdefault(None, []).insert(0, _readable_body)

    @app.errorhandler(DataError)
    def _data(exc: DataError) -> Any:
        """A value the database refuses (out of range, malformed) is the caller's bad input."""
        db.session.rollback()
        log.warning("database refused a value: %s", exc.orig)
        return respond(400, joined(MESSAGES[400], "数据库无法接受该值 / a value is out of range or malformed"),
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
        return _unavailable(unavailable)

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
        errors = field_errors(details) if isinstance(details, Mapping) else None
        if data.get("message"):  # flask-smorest abort(..., message=...)
            message = data["message"]
        elif errors:  # webargs validation errors from the API (422): say which field is wrong
            message = joined(MESSAGES[400], readable(errors))
        elif details:
            message = joined(MESSAGES[400], str(details))
        elif status == 400 and exc.description:
            message = joined(message, exc.description)
        return respond(status, message, exc.name.lower().replace(" ", "_"), errors=errors)
