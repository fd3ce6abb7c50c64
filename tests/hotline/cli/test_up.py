"""The parts of `up` that need no running system: ports, the reset, the accounts it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from hotline.app.extensions import db
from hotline.cli.up import accounts_text, parse_port, public_base_url, reset_demo
from hotline.factory import create_app


def test_a_port_is_a_number_from_1_to_65535(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_port("8080") == 8080 and parse_port("65535") == 65535
    for bad in ("abc", "70000", "0", "-1", "80 80", ""):
        with pytest.raises(SystemExit) as stopped:
            parse_port(bad)
        assert stopped.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1  # one line


def test_the_sms_links_point_at_the_port_up_serves() -> None:
    """`up --port 5077` texted citizens links to :5000 (PUBLIC_BASE_URL's default)."""
    assert public_base_url("127.0.0.1", 5077, {}) == "http://127.0.0.1:5077"
    assert public_base_url("::1", 8080, {}) == "http://[::1]:8080"
    assert public_base_url("127.0.0.1", 5077, {"PUBLIC_BASE_URL": "https://12345.example"}) is None
    assert public_base_url("0.0.0.0", 5077, {}) is None  # no phone opens that


def test_the_accounts_name_every_post_and_the_unit_leads(app: Flask, reference: None) -> None:
    text = accounts_text("pass-1234")
    assert "pass-1234" in text
    for name in ("admin", "agent", "supervisor", "-lead"):
        assert name in text


def _embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """An app on the embedded default of an instance folder of its own."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("HOTLINE_INSTANCE_DIR", str(tmp_path))
    return create_app()


def test_reset_forgets_the_embedded_demo_but_keeps_the_secret_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _embedded(tmp_path, monkeypatch)
    with app.app_context():
        db.create_all()
        (tmp_path / "models" / "m1").mkdir(parents=True)
        (tmp_path / "secret_key").write_text("keep me")
        assert (tmp_path / "hotline.db").exists()

        removed = reset_demo(app)

    assert "hotline.db" in removed and "models" in removed
    assert not (tmp_path / "hotline.db").exists() and not (tmp_path / "models").exists()
    assert (tmp_path / "secret_key").read_text() == "keep me"


def test_reset_never_touches_a_database_given_by_url(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    app = create_app()
    with app.app_context():
        db.create_all()
        with pytest.raises(SystemExit) as stopped:
            reset_demo(app)
    assert stopped.value.code == 2
    assert (tmp_path / "production.db").exists()


# A stand-in for an RQ worker busy with a long job: its "work horse" runs in a session of its
# own; the first SIGTERM (warm shutdown) is only noted, the second (cold) kills the horse.
BUSY_WORKER = """
import os, signal, subprocess, sys, time
horse = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         start_new_session=True)
asked = []
def term(*_):
    asked.append(1)
    if len(asked) > 1:
        horse.kill()
        sys.exit(0)
signal.signal(signal.SIGTERM, term)
print(horse.pid, flush=True)  # ready: the handler is in place
while True:
    time.sleep(0.05)
"""


def test_stopping_a_child_in_a_long_job_leaves_no_work_horse_behind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import subprocess
    import sys
    import time

    from hotline.cli import up

    monkeypatch.setattr(up, "STOP_SECONDS", 0.5)
    child = subprocess.Popen([sys.executable, "-c", BUSY_WORKER], stdout=subprocess.PIPE)
    horse = int(child.stdout.readline())
    up._stop_children({"trainer": child})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(horse, 0)
        except ProcessLookupError:
            break
        state = Path(f"/proc/{horse}/stat").read_text().split()[2]
        if state == "Z":  # dead, waiting for its parent to reap it
            break
        time.sleep(0.05)
    else:
        os.kill(horse, 9)
        raise AssertionError("the work horse outlived the stop")
    assert child.returncode is not None


FORKING_WORKER = """
import os, time
scheduler = os.fork()  # as RQ's worker forks its scheduler process, into its process group
if scheduler == 0:
    time.sleep(120)
    os._exit(0)
print(scheduler, flush=True)
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # dead, not yet reaped
    except FileNotFoundError:
        return True


def test_a_child_killed_outright_is_started_again_without_what_it_forked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    from hotline.cli import up

    monkeypatch.setattr(up, "WATCH_SECONDS", 0.05)
    started: list[subprocess.Popen[bytes]] = []
    monkeypatch.setattr(up, "_spawn", lambda args, env: started.append(subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True))
        or started[-1])
    child = subprocess.Popen([sys.executable, "-c", FORKING_WORKER], stdout=subprocess.PIPE,
                             start_new_session=True)
    forked = int(child.stdout.readline())
    children = {"worker 1": child}
    stop = threading.Event()
    watch = threading.Thread(target=up._watch, args=(None, children, {}),
                             kwargs={"embedded_redis": False, "stop": stop})
    watch.start()
    try:
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while not (started and _gone(forked)):
            assert time.monotonic() < deadline, "the killed child's scheduler process lives on"
            time.sleep(0.05)
        assert children["worker 1"] is started[0] and started[0].poll() is None
    finally:
        stop.set()
        watch.join()
        for process in started:
            process.kill()
        if not _gone(forked):
            os.kill(forked, signal.SIGKILL)
