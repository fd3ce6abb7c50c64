"""Every error a user can cause gets a clear 4xx in the form the caller speaks (JSON or HTML)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException

from .domain.errors import DomainError
from .extensions import db

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
