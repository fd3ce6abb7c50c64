"""Bearer-token authentication for the JSON API, and the post's permission for each endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import abort

from hotline.app.extensions import db
from hotline.domain.roles import Permission, allows
from hotline.identity.auth import token_holder
from hotline.identity.permissions import mark
from hotline.models import User

F = TypeVar("F", bound=Callable[..., Any])


def api_requires(permission: Permission) -> Callable[[F], F]:
    """401 without a valid token, 403 when the token's user's post lacks `permission`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            token = token.strip()
            holder = token_holder(token) if scheme.lower() == "bearer" and token else None
            if holder is None:
                abort(401, message="需要有效的令牌 / a valid bearer token is required")
            g.api_user_id = holder.user_id
            if not allows(holder.role, permission):
                abort(403, message=f"您的岗位无权执行此操作 / your post may not do this "
                                   f"({permission.value})")
            return view(*args, **kwargs)

        return mark(wrapper, permission)  # type: ignore[arg-type]

    return decorate


def api_user() -> User:
    """The caller (one primary-key lookup, cached by the session's identity map)."""
    return db.session.get_one(User, g.api_user_id)
