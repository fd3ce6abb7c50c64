"""Sign-in with argon2-hashed passwords, lock-out after repeated failures, the idle timeout and
the absolute session lifetime, signing out everywhere, and API tokens with their revocation.

A session cookie carries the user's session generation from sign-in; the generation is bumped
(`sign_out_everywhere`) at sign-out, password reset and deactivation, so a copied or stolen
cookie dies with any of them although cookies are signed, not stored.

Sign-ins, failures and lock-outs are written to the audit log. Failures are counted per account
(LOGIN_MAX_FAILURES within the lock, LOGIN_LOCK_MINUTES); a locked account is told so, since staff
must know to wait or call an administrator — the price is that five failures reveal that a user
name exists, which the per-IP rate limit on this form keeps slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any, NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from config import LoginSettings
from hotline.app import settings
from hotline.app.errors import wants_json
from hotline.app.extensions import db, limiter, login_manager
from hotline.app.urls import safe_target
from hotline.catalogue import snapshot
from hotline.identity import audit
from hotline.models import ApiToken, CatalogueVersion, Role, User, utcnow

bp = Blueprint("auth", __name__, template_folder="templates")
hasher = PasswordHasher()
# Verified against when the user name is unknown, so a miss costs as long as a wrong password.
_NOBODY = hasher.hash(secrets.token_hex(16))
OK, WRONG, LOCKED = "ok", "wrong", "locked"
# app.extensions key: the blueprints (API, Open311, Twilio) that authenticate every request by
# bearer token, API key or signature. They never read the staff session, so its idle clock is
# not theirs to check; checking it would run Flask-Login's user loading on each call (about
# 4 % of an API intake's CPU).
MACHINE_BLUEPRINTS = "hotline.machine_blueprints"
LAST_SEEN = "seen"  # session key: when this session last made a request (epoch seconds)
SIGNED_IN = "since"  # session key: when this session signed in (epoch seconds)
GENERATION = "gen"  # session key: the user's session_generation at sign-in
# catalogue_versions row changed whenever a token may no longer be good: revoked, or its holder
# deactivated or given another post. Every web process compares it before trusting its cache.
REVOCATIONS = "revocations"

login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    """The session's user, unless deactivated or signed out everywhere since this sign-in."""
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or session.get(GENERATION) != user.session_generation:
        return None
    return user


def sign_out_everywhere(db_session: Session, user: User) -> None:
    """End every session `user` has, on any device: their cookies carry an older generation
    now. Incremented in SQL, so two bumps at once still both change it; the caller commits."""
    user.session_generation = User.session_generation + 1
    db_session.flush()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def check_password(user: User, password: str, *, max_failures: int, lock_for: timedelta) -> str:
    """OK, WRONG or LOCKED; counts failures, and a locked account fails even with the right
    password (the lock is not a hint that the password was right)."""
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return LOCKED
    try:
        hasher.verify(user.password_hash, password)
    except VerificationError:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lock_for
            user.failed_logins = 0
            return LOCKED
        return WRONG
    user.failed_logins = 0
    user.locked_until = None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return OK


def issue_token_row(user: User) -> tuple[str, ApiToken]:
    """A new bearer token and its row (whose id names it for revocation)."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_digest(token))
    db.session.add(row)
    db.session.flush()
    return token, row


def tokens_changed(db_session: Session) -> None:
    """Make every web process distrust its cached tokens from its next request on; call in the
    transaction that revokes a token, deactivates a user or changes a post."""
    snapshot.bump(db_session, REVOCATIONS)


def revoke(db_session: Session, actor: User | None, tokens: list[ApiToken]) -> None:
    """Revoke `tokens` (audited on their holder, actor None = the command line)."""
    for row in tokens:
        row.revoked = True
        audit.record(db_session, actor, "users", row.user_id, audit.REVOKE_TOKEN,
                     {"token": row.id, "revoked": False}, {"token": row.id, "revoked": True})
    tokens_changed(db_session)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_CACHE_SECONDS = 60.0


class TokenHolder(NamedTuple):
    user_id: int
    role: Role


class _Cached(NamedTuple):
    holder: TokenHolder
    until: float  # time.monotonic()
    stamp: str | None  # the REVOCATIONS stamp it was read under


_token_cache: dict[str, _Cached] = {}


def token_holder(token: str) -> TokenHolder | None:
    """The active user holding `token`, with the post that decides what the token may do.

    Integrations post intakes in bursts; remembering a token for a minute spares the token and
    user lookup (and the role spares loading the user just to check a permission). The cached
    answer holds only while the REVOCATIONS stamp is unchanged, a primary-key read per request
    in the database every web process shares (Redis may be down), so a revoked token, a
    deactivated user or a changed post is refused on the next request everywhere.
    """
    digest = _digest(token)
    stamp = _revocation_stamp()
    cached = _token_cache.get(digest)
    now = time.monotonic()
    if cached and cached.until > now and cached.stamp == stamp:
        return cached.holder
    row = db.session.execute(
        select(User.id, User.role)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False), User.active)
    ).one_or_none()
    if row is None:
        _token_cache.pop(digest, None)
        return None
    holder = TokenHolder(row.id, row.role)
    _token_cache[digest] = _Cached(holder, now + TOKEN_CACHE_SECONDS, stamp)
    _mark_used(digest)
    return holder


_STAMP = select(CatalogueVersion.stamp).where(CatalogueVersion.name == REVOCATIONS)


def _revocation_stamp() -> str | None:
    """One autocommitted primary-key read on a connection of its own: an API intake opens no
    transaction in the request's session (hotline.intake.accept), and this read must not add one."""
    with db.engine.connect() as connection:
        return connection.execution_options(isolation_level="AUTOCOMMIT").scalar(_STAMP)


def _mark_used(digest: str) -> None:
    """Record when a token was last used, to within TOKEN_CACHE_SECONDS: written when the cache
    is refilled, on a connection of its own so that it stands whatever the request does."""
    with db.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.token_hash == digest)
                           .values(last_used_at=utcnow()))


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


def _attempt(username: str, password: str, limits: LoginSettings) -> tuple[str, User | None]:
    """Check the credentials, count and audit the outcome; the caller commits."""
    user = db.session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            hasher.verify(_NOBODY, password)
        audit.record(db.session, None, "user", username[:40], "login_failed")
        return WRONG, None
    was_locked = bool(user.locked_until and user.locked_until > utcnow())
    outcome = check_password(user, password, max_failures=limits.max_failures,
                             lock_for=limits.lock_for)
    if outcome == OK:
        audit.record(db.session, user, "user", user.username, "login")
    elif outcome == LOCKED and not was_locked:
        audit.record(db.session, user, "user", user.username, "locked",
                     after={"locked_until": user.locked_until.isoformat()
                            if user.locked_until else None})
    else:
        audit.record(db.session, user, "user", user.username, "login_failed")
    return outcome, user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login() -> Any:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    limits = settings.current().login
    outcome, user = _attempt(form.username.data or "", form.password.data or "", limits)
    db.session.commit()
    if outcome == OK and user is not None:
        login_user(user)
        session.permanent = True
        session[LAST_SEEN] = session[SIGNED_IN] = int(time.time())
        session[GENERATION] = user.session_generation
        return redirect(safe_target(request.args.get("next")))
    if outcome == LOCKED:
        error = _("登录失败次数过多，账号已锁定 %(m)d 分钟。请稍后再试，或请管理员解锁。",
                  m=limits.lock_for // timedelta(minutes=1))
    else:
        error = _("用户名或密码错误。")
    return render_template("auth/login.html", form=form, error=error), 401


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out here and everywhere else: a copy of this cookie must not outlive the sign-out."""
    if current_user.is_authenticated:
        sign_out_everywhere(db.session, current_user)
        db.session.commit()
    _end_session()
    return redirect(url_for("auth.login"))


def _end_session() -> None:
    logout_user()
    for key in (LAST_SEEN, SIGNED_IN, GENERATION):
        session.pop(key, None)


@bp.before_app_request
def _session_limits() -> Any:
    """Sign out a staff session left idle longer than SESSION_IDLE_MINUTES, or signed in longer
    ago than SESSION_MAX_HOURS however busy; both times ride in the signed cookie, so a copied
    cookie dies with the limits too."""
    if (request.endpoint == "static"
            or request.blueprint in current_app.extensions[MACHINE_BLUEPRINTS]
            or not current_user.is_authenticated):
        return None
    now, limits = int(time.time()), settings.current().session
    if now - session.get(SIGNED_IN, 0) > limits.max_age.total_seconds():
        return _signed_out(_("登录已超过 %(h)s 小时，请重新登录。",
                             h=f"{limits.max_age / timedelta(hours=1):g}"),
                           "登录时间已到上限，已自动退出 / signed out: the session is too old")
    if now - session.get(LAST_SEEN, 0) > limits.idle.total_seconds():
        return _signed_out(_("长时间未操作，已自动退出，请重新登录。"),
                           "长时间未操作，已自动退出 / signed out after inactivity")
    session[LAST_SEEN] = now
    return None


def _signed_out(flashed: str, message: str) -> Any:
    _end_session()
    if wants_json():
        return {"error": {"code": "session_expired", "message": message}}, 401
    flash(flashed, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
