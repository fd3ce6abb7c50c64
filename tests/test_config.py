"""config.load: every variable of the README's table parsed into Settings, with its default;
a bad value refused with the variable named; the result frozen."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest

import config

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = "/tmp/hotline-config-test"
BASE = {"SECRET_KEY": "k", "HOTLINE_INSTANCE_DIR": INSTANCE}


def test_the_defaults_are_the_readmes() -> None:
    s = config.load(BASE)
    instance = Path(INSTANCE)
    assert s.instance_dir == instance
    assert s.database_url == f"sqlite:///{instance / 'hotline.db'}"
    assert s.redis == config.RedisSettings(url=None, retry_max_seconds=30, outage_log_seconds=60)
    assert s.public_base_url == "http://127.0.0.1:5000" and not s.https
    assert s.twilio == config.TwilioSettings(account_sid="", auth_token="", api_base_url="",
                                             from_number="", line_numbers={}, timeout_seconds=10)
    assert s.open311_api_keys == frozenset()
    assert s.data_dir == ROOT.parent / "shared" / "data" / "tipdm2020c"
    assert s.model_dir == instance / "models"
    assert s.attachment_dir == instance / "attachments"
    assert s.attachment_max_bytes == 10 * 1024 * 1024
    assert s.web_intake_rate_limit == "10 per minute"
    assert s.ratelimit_storage_uri == "memory://" and s.ratelimit_enabled
    assert s.intake == config.IntakeSettings(requeue_after=timedelta(seconds=60), max_attempts=5,
                                       incident_proposals=False)
    assert s.training_timeout_seconds == 1800
    assert s.session == config.SessionSettings(idle=timedelta(minutes=30),
                                               max_age=timedelta(hours=12))
    assert s.trusted_proxies == 0
    assert s.login == config.LoginSettings(max_failures=5, lock_for=timedelta(minutes=15))
    assert s.deadlines == config.DeadlineSettings(
        working_hours=((time(9), time(12)), (time(13, 30), time(17, 30))),
        warn_fraction=0.75, escalate_after=timedelta(hours=24))
    assert s.outbox == config.OutboxSettings(retry_base_seconds=30, max_attempts=6,
                                             requeue_after=timedelta(seconds=60))
    assert s.tracking == config.TrackingSettings(rate_limit="10 per minute;60 per hour",
                                                 max_failures=5, ticket_max_failures=50)
    assert s.followup == config.FollowupSettings(no_answer_after=timedelta(days=3),
                                                 ask_without_receipt_after=timedelta(hours=6))
    assert s.default_region == "CN" and s.rq_async and s.log_level == "INFO"
    assert s.reporting == config.ReportingSettings(response_basis="sign")


def test_every_variable_is_read() -> None:
    s = config.load({
        "DATABASE_URL": "postgresql://u@db/hotline", "REDIS_URL": "redis://r:6379/2",
        "REDIS_RETRY_MAX_SECONDS": "5", "REDIS_OUTAGE_LOG_SECONDS": "7.5", "SECRET_KEY": "s",
        "PUBLIC_BASE_URL": "https://12345.example.gov.cn/", "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "t", "TWILIO_API_BASE_URL": "http://fake:1/",
        "TWILIO_LINE_NUMBERS": " +8657112345=12345 , +8657112315=12315 ",
        "TWILIO_FROM_NUMBER": "+8657112345", "OPEN311_API_KEYS": "a, b,,",
        "HOTLINE_DATA_DIR": "/data", "HOTLINE_INSTANCE_DIR": "/inst", "HOTLINE_MODEL_DIR": "/m",
        "WEB_INTAKE_RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": "redis://r:6379/3",
        "INTAKE_REQUEUE_AFTER_SECONDS": "90", "TRAINING_TIMEOUT_SECONDS": "60",
        "INTAKE_MAX_ATTEMPTS": "2", "INCIDENT_PROPOSALS": "1", "SESSION_IDLE_MINUTES": "20", "SESSION_MAX_HOURS": "8.5",
        "TRUSTED_PROXIES": "1", "LOGIN_MAX_FAILURES": "3", "LOGIN_LOCK_MINUTES": "7",
        "WORKING_HOURS": "08:30-12:00, 14:00-18:00", "DEADLINE_WARN_FRACTION": "0.5",
        "HOTLINE_ATTACHMENT_DIR": "/att", "ATTACHMENT_MAX_BYTES": "1024",
        "ESCALATE_AFTER_HOURS": "12", "OUTBOX_RETRY_BASE_SECONDS": "10",
        "OUTBOX_MAX_ATTEMPTS": "3", "OUTBOX_REQUEUE_AFTER_SECONDS": "30",
        "TWILIO_TIMEOUT_SECONDS": "2.5", "TRACK_RATE_LIMIT": "1 per minute",
        "TRACK_MAX_FAILURES": "4", "TRACK_TICKET_MAX_FAILURES": "40",
        "FOLLOWUP_NO_ANSWER_DAYS": "1.5", "FOLLOWUP_ASK_WITHOUT_RECEIPT_HOURS": "2",
        "HOTLINE_DEFAULT_REGION": "HK", "RATELIMIT_ENABLED": "0", "RQ_ASYNC": "0",
        "MAX_CONTENT_LENGTH": "4096", "LOG_LEVEL": "DEBUG", "RESPONSE_RATE_BASIS": "contact",
    })
    assert s.database_url == "postgresql+psycopg://u@db/hotline"
    assert s.redis == config.RedisSettings("redis://r:6379/2", 5, 7.5)
    assert s.secret_key == "s" and s.public_base_url == "https://12345.example.gov.cn" and s.https
    assert s.twilio == config.TwilioSettings(
        account_sid="AC1", auth_token="t", api_base_url="http://fake:1", from_number="+8657112345",
        line_numbers={"+8657112345": "12345", "+8657112315": "12315"}, timeout_seconds=2.5)
    assert s.open311_api_keys == {"a", "b"}
    assert (s.data_dir, s.instance_dir, s.model_dir, s.attachment_dir) == \
        (Path("/data"), Path("/inst"), Path("/m"), Path("/att"))
    assert (s.web_intake_rate_limit, s.ratelimit_storage_uri) == ("3 per minute", "redis://r:6379/3")
    assert s.intake == config.IntakeSettings(timedelta(seconds=90), 2, True)
    assert s.training_timeout_seconds == 60 and s.trusted_proxies == 1
    assert s.session == config.SessionSettings(timedelta(minutes=20), timedelta(hours=8.5))
    assert s.login == config.LoginSettings(3, timedelta(minutes=7))
    assert s.deadlines == config.DeadlineSettings(
        ((time(8, 30), time(12)), (time(14), time(18))), 0.5, timedelta(hours=12))
    assert s.attachment_max_bytes == 1024 and s.max_content_length == 4096
    assert s.outbox == config.OutboxSettings(10, 3, timedelta(seconds=30))
    assert s.tracking == config.TrackingSettings("1 per minute", 4, 40)
    assert s.followup == config.FollowupSettings(timedelta(days=1.5), timedelta(hours=2))
    assert (s.default_region, s.ratelimit_enabled, s.rq_async, s.log_level) == \
        ("HK", False, False, "DEBUG")
    assert s.reporting == config.ReportingSettings(response_basis="contact")


def test_flask_gets_only_its_own_keys() -> None:
    flask = config.load(BASE | {"PUBLIC_BASE_URL": "https://x.gov.cn", "RATELIMIT_ENABLED": "0",
                                "MAX_CONTENT_LENGTH": "4096"}).flask_config()
    assert flask["SECRET_KEY"] == "k" and flask["SESSION_COOKIE_SECURE"] is True
    assert flask["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert flask["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 30}}
    assert flask["MAX_CONTENT_LENGTH"] == 4096 and flask["RATELIMIT_ENABLED"] is False
    assert flask["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    assert flask["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    assert not {"WORKING_HOURS", "TWILIO_AUTH_TOKEN", "OUTBOX_MAX_ATTEMPTS", "REDIS_URL"} & set(flask)
    postgres = config.load(BASE | {"DATABASE_URL": "postgres://u@db/h"}).flask_config()
    assert postgres["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_recycle": 1800}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("WORKING_HOURS", "abc", "WORKING_HOURS: 'abc' is not HH:MM-HH:MM"),
    ("WORKING_HOURS", "12:00-09:00", "WORKING_HOURS: working interval"),
    ("WORKING_HOURS", "09:00-12:00,11:00-13:00", "WORKING_HOURS: "),
    ("LOGIN_MAX_FAILURES", "x", "LOGIN_MAX_FAILURES: 'x' is not a whole number"),
    ("LOGIN_LOCK_MINUTES", "1.5", "LOGIN_LOCK_MINUTES: '1.5' is not a whole number"),
    ("SESSION_MAX_HOURS", "twelve", "SESSION_MAX_HOURS: 'twelve' is not a number"),
    ("DEADLINE_WARN_FRACTION", "", "DEADLINE_WARN_FRACTION: '' is not a number"),
    ("TWILIO_LINE_NUMBERS", "+8657112345", "TWILIO_LINE_NUMBERS: '+8657112345' is not NUMBER=LINE"),
    ("TWILIO_LINE_NUMBERS", "=12345", "TWILIO_LINE_NUMBERS: '=12345' is not NUMBER=LINE"),
    ("TRUSTED_PROXIES", "-1", "TRUSTED_PROXIES must be 0 or more"),
    ("OUTBOX_REQUEUE_AFTER_SECONDS", "soon", "OUTBOX_REQUEUE_AFTER_SECONDS: 'soon' is not a whole"),
    ("RESPONSE_RATE_BASIS", "reply", "RESPONSE_RATE_BASIS: 'reply' is not sign or contact"),
])
def test_a_bad_value_is_refused_with_its_variable_named(name: str, value: str,
                                                         message: str) -> None:
    with pytest.raises(config.ConfigError) as refused:
        config.load(BASE | {name: value})
    assert str(refused.value).startswith(message)
    assert isinstance(refused.value, ValueError)


def test_settings_are_frozen() -> None:
    s = config.load(BASE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.secret_key = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.outbox.max_attempts = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.twilio.line_numbers["+8657100000"] = "12345"  # type: ignore[index]


def test_replace_changes_a_copy_and_merges_a_group() -> None:
    s = config.load(BASE)
    changed = s.replace(public_base_url="https://x.gov.cn", outbox={"max_attempts": 2})
    assert changed.outbox == dataclasses.replace(s.outbox, max_attempts=2)
    assert changed.https and not s.https and s.outbox.max_attempts == 6
    with pytest.raises(config.ConfigError, match="TRUSTED_PROXIES"):
        s.replace(trusted_proxies=-1)


@pytest.mark.parametrize(("name", "value"), [("WORKING_HOURS", "abc"),
                                             ("LOGIN_MAX_FAILURES", "x")])
def test_the_command_line_says_one_line_not_a_traceback(name: str, value: str,
                                                        tmp_path: Path) -> None:
    """What `make run` (`flask --app hotline up`) shows an operator who mistyped a value."""
    env = {"PATH": "/usr/bin:/bin", "HOTLINE_INSTANCE_DIR": str(tmp_path), name: value}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "up"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"hotline: {name}: '{value}' is not "
                                        f"{'HH:MM-HH:MM' if name == 'WORKING_HOURS' else 'a whole number'}"]
