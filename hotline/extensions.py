"""Flask extensions, created unbound so blueprints import them without the app (app factory)."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .api.schemas import ApiErrorSchema
from .models import Base

# Objects stay readable after commit: a view that commits and then shows the ticket number
# must not pay another round trip to the database for it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
babel = Babel()


class HotlineApi(Api):
    """Every error answers `{"error": {"code", "message"}}` (hotline.errors handles them all), so
    the OpenAPI document's default error response says that, for every operation."""

    ERROR_SCHEMA = ApiErrorSchema


rest_api = HotlineApi()
