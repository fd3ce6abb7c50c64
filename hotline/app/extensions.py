"""Flask extensions, created unbound so blueprints import them without the app (app factory)."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow import Schema, fields

from hotline.models import Base

# Objects stay readable after commit: a view that commits and then shows the ticket number
# must not pay another round trip to the database for it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()


class RouteLimiter(Limiter):
    """Flask-Limiter with per-route limits only.

    The pages that need a limit (sign-in, the citizen form, tracking) carry their own
    `@limiter.limit`, and that decorator checks it itself. The extension's before-request hook
    exists for default and application-wide limits, which the hotline does not set: it would
    look for them on every request and find none, at about 7 % of an API intake's CPU
    (bench/intake). So it is not installed, and configuring such limits is refused rather than
    silently ignored. The decorator's check still falls back to memory while the storage is
    down (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED): it handles a storage error itself.
    """

    def init_app(self, app: Flask) -> None:
        for key in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META"):
            if app.config.get(key):
                raise RuntimeError(f"{key} is not supported: put the limit on the routes")
        # The one limiter serves every app of the process (tests make many): the storage built
        # now for this app is not known to be down because an earlier app's was.
        self._storage_dead = False
        super().init_app(app)
        if self.enabled:  # a disabled limiter installs no hooks
            app.before_request_funcs[None].remove(self._check_request_limit)


limiter = RouteLimiter(key_func=get_remote_address)
babel = Babel()


class ApiErrorSchema(Schema):
    """The API's error body, `{"error": {"code", "message"}}` (hotline.app.errors.respond)."""

    error = fields.Dict(required=True)


class HotlineApi(Api):
    """Every error answers `{"error": {"code", "message"}}` (hotline.app.errors handles them all), so
    the OpenAPI document's default error response says that, for every operation."""

    ERROR_SCHEMA = ApiErrorSchema


rest_api = HotlineApi()
