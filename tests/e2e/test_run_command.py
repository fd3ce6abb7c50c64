"""The README's first command, for real: `flask --app hotline up` on the embedded default.

Web, worker and scheduler run as separate processes sharing the embedded Redis; a request
submitted over HTTP must come back as a classified ticket through the API.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from rq import Worker

from hotline.app.queue import INTAKE_QUEUE

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Up:
    """`flask --app hotline up` on a fresh instance folder, started and answering."""

    def __init__(self, tmp_path: Path, **settings: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        self.env |= {"HOTLINE_INSTANCE_DIR": str(tmp_path / "instance"),
                     "HOTLINE_DATA_DIR": str(tmp_path / "no-real-data"),  # the repository's corpus
                     "LOG_LEVEL": "WARNING", **settings}
        self.instance = tmp_path / "instance"
        port = _free_port()
        self.log = tmp_path / "up.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "hotline", "up", "--port", str(port),
             "--password", "e2e-pass-123"], cwd=ROOT, env=self.env, stdout=self.log.open("w+"),
            stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        self.starting = self._first_answer(deadline)
        while "hotline is running at" not in self.output():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, "up did not start in time"
            time.sleep(0.5)
        assert f"{self.base}/" in self.output()
        self.headers = {"Authorization": f"Bearer {self.flask('create-token', 'agent')}"}

    def _first_answer(self, deadline: float) -> requests.Response:
        """The first answer of the URL, while the start is still under way."""
        while True:
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, "up did not answer in time"
            try:
                return requests.get(f"{self.base}/", timeout=5)
            except requests.ConnectionError:
                time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text()

    def processes(self) -> list[int]:
        """Processes started for this instance (up and its children), found by environment."""
        marker = f"HOTLINE_INSTANCE_DIR={self.instance}".encode()
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if marker in environ.read_bytes().split(b"\0"):
                    found.append(int(environ.parent.name))
            except OSError:  # gone meanwhile, or not ours
                continue
        return found

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to `up` alone (its children are in sessions of their own)."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def flask(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, check=True).stdout.strip()

    def submit(self, content: str) -> str:
        """File through the web form; returns the ticket number the citizen is shown."""
        browser = requests.Session()
        form = browser.get(f"{self.base}/submit", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        done = browser.post(f"{self.base}/submit", timeout=10, data={
            "csrf_token": token, "line": "12345", "request_type": "complaint",
            "content": content, "phone": "13812348000"})
        assert done.status_code == 201
        return re.search(r'id="ticket-number">([\d-]+)<', done.text).group(1)

    def ticket(self, number: str, seconds: float = 60) -> dict:
        """The ticket once a worker has made it."""
        deadline = time.monotonic() + seconds
        while (reply := requests.get(f"{self.base}/api/v1/tickets/{number}", headers=self.headers,
                                     timeout=10)).status_code == 404:
            assert time.monotonic() < deadline, "the worker did not create the ticket"
            time.sleep(0.5)
        return reply.json()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.mark.slow
def test_up_serves_web_worker_and_model_and_outlives_its_redis_and_children(tmp_path: Path) -> None:
    """One start of `up` (its demo city and starter model are most of the suite's `up` cost)
    for all it promises: the starting page, then web, worker and model working and quiet; then
    what systemd does in production, `up` does on one machine: the embedded Redis and a worker
    killed outright come back, and new requests still become tickets; Ctrl-C stops every
    process it started, the restarted ones too.

    The request filed while Redis is down is announced to nobody: the sweeper brings it to a
    worker. It re-queues intakes at once instead of after the default minute, which this test
    would only sit through (workers/test_outage.py does the same)."""
    up = Up(tmp_path, INTAKE_REQUEUE_AFTER_SECONDS="0")
    try:
        # it answered at once, with the starting page, until ready
        assert up.starting.status_code == 503 and up.starting.headers["Retry-After"]
        assert "热线正在启动" in up.starting.text
        assert requests.get(f"{up.base}/", timeout=10).status_code == 200
        ready = up.output()
        assert "password 密码: e2e-pass-123" in ready
        assert all(f"  {name} " in ready for name in ("admin", "agent", "supervisor"))
        assert "-lead 负责人 unit lead" in ready  # the unit leads' accounts are named
        started = time.monotonic()
        number = up.submit("小区物业乱收费，停车费一年涨了三次，业主意见很大")
        ticket = up.ticket(number)
        assert time.monotonic() - started < 2  # the worker had its model before "ready"
        assert ticket["number"] == number
        assert ticket["classifier"]["label"]  # a model was trained and activated by `up`
        up.ticket(up.submit("楼道灯坏了，晚上很黑，老人出门不方便"))
        listing = requests.get(f"{up.base}/api/v1/tickets?per_page=1", headers=up.headers,
                               timeout=10).json()
        assert listing["total"] >= 500  # the demo city's past
        # quiet once running: no per-request or per-job lines, the missing SMS provider said once
        after = up.output().split("hotline is running at", 1)[1]
        assert " INFO " not in after
        assert after.count("no SMS provider configured") <= 1
        assert "Traceback" not in up.output()
        assert len(up.processes()) >= 4  # up, worker, trainer, scheduler (and Redis)

        embedded = redis.Redis(unix_socket_path=str(up.instance / "redis" / "redis.sock"))
        os.kill(embedded.info()["process_id"], signal.SIGKILL)
        assert up.ticket(up.submit("楼道灯坏了，晚上很黑，老人出门不方便，请尽快修"), seconds=90)

        worker = next(w for w in Worker.all(connection=embedded)  # not the trainer
                      if INTAKE_QUEUE in w.queue_names())
        os.kill(worker.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while "worker 1 exited with -9, starting it again" not in up.output():
            assert time.monotonic() < deadline, up.output()[-3000:]
            time.sleep(0.2)
        assert up.ticket(up.submit("小区门口的路灯不亮已经一周了，晚上很危险"), seconds=120)
        assert up.process.poll() is None
    except BaseException:
        up.stop()
        raise
    assert up.interrupt() == 0
    assert "Traceback" not in up.output() and "stopped" in up.output()
    assert up.processes() == []  # web, worker (restarted), trainer, scheduler and Redis all gone


@pytest.mark.parametrize("port", ["abc", "70000", "0"])
def test_up_refuses_an_invalid_port_in_one_line(tmp_path: Path, port: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"HOTLINE_INSTANCE_DIR": str(tmp_path / "instance"), "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "up", "--port", port],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: invalid port '{port}': give a number from 1 to 65535 (make run PORT=8080)"]
    assert not (tmp_path / "instance" / "redis").exists()


def test_up_on_a_taken_port_says_so_at_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"HOTLINE_INSTANCE_DIR": str(tmp_path / "instance"), "LOG_LEVEL": "WARNING"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "up", "--port",
                               str(port)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr and "running at" not in done.stdout
    assert not (tmp_path / "instance" / "redis").exists()  # nothing started before the check
