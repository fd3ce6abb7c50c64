"""The web side of permissions: decorators that check GRANTS (hotline.domain.roles) for the
signed-in user, and the endpoints that need no post.

Staff pages use `@requires`, API endpoints `api.security.api_requires`; which *rows* a post may
see (its unit's tickets) and how personal data is shown are in hotline.identity.access.

Every view carries the permission it checks (`view.permission`); tests/hotline/test_permissions.py
walks app.url_map, so a new staff page or API endpoint without a check fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app
from flask_login import current_user

from hotline.domain.roles import Permission, allows, require

# Endpoints anyone may call: citizens' pages, sign-in, and machine endpoints that authenticate
# by signature or API key instead of a staff post.
PUBLIC_ENDPOINTS = frozenset({
    "static", "web.index", "auth.login", "auth.logout", "i18n.switch", "citizen.submit_form",
    "citizen.city_map",
    "track.start", "track.check", "track.show", "track.rate", "track.send_code",
    "twilio.sms", "twilio.voice", "twilio.voice_recording", "twilio.voice_transcription",
    "twilio_status.twilio_status", "open311.unknown", "open311.requests_", "open311.one_request",
    "open311.services", "api-docs.openapi_json",
})


def can(permission: Permission | str) -> bool:
    """For templates: may the signed-in user do this? (Buttons only for what will work.)"""
    return bool(current_user.is_authenticated and allows(current_user.role, Permission(permission)))


F = TypeVar("F", bound=Callable[..., Any])


def mark(view: F, permission: Permission) -> F:
    """Record on the view which permission it checks (read by the route test)."""
    view.permission = permission  # type: ignore[attr-defined]
    return view


def requires(permission: Permission) -> Callable[[F], F]:
    """A staff page for posts holding `permission`: sign-in first, then 403 for other posts."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            require(current_user.role, permission, "打开此页面")
            return view(*args, **kwargs)

        return mark(wrapper, permission)  # type: ignore[arg-type]

    return decorate
