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
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_up_serves_web_worker_and_model(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"HOTLINE_INSTANCE_DIR": str(tmp_path / "instance"),
            "HOTLINE_DATA_DIR": str(tmp_path / "no-real-data"),  # the repository's own corpus
            "LOG_LEVEL": "WARNING"}
    port = _free_port()
    log = (tmp_path / "up.log").open("w+")
    up = subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", "up", "--port", str(port),
                           "--password", "e2e-pass-123"], cwd=ROOT, env=env, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while "hotline is running at" not in Path(log.name).read_text():
            assert up.poll() is None, Path(log.name).read_text()[-3000:]
            assert time.monotonic() < deadline, "up did not start in time"
            time.sleep(0.5)
        assert f"{base}/" in Path(log.name).read_text()

        browser = requests.Session()
        form = browser.get(f"{base}/submit", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        done = browser.post(f"{base}/submit", timeout=10, data={
            "csrf_token": token, "line": "12345", "request_type": "complaint",
            "content": "小区物业乱收费，停车费一年涨了三次，业主意见很大", "phone": "13812348000"})
        assert done.status_code == 201
        number = re.search(r'id="ticket-number">([\d-]+)<', done.text).group(1)

        api_token = subprocess.run([sys.executable, "-m", "flask", "--app", "hotline", "create-token",
                                    "agent"], cwd=ROOT, env=env, capture_output=True, text=True,
                                   check=True).stdout.strip()
        headers = {"Authorization": f"Bearer {api_token}"}
        deadline = time.monotonic() + 60
        while (reply := requests.get(f"{base}/api/v1/tickets/{number}", headers=headers,
                                     timeout=10)).status_code == 404:
            assert time.monotonic() < deadline, "the worker did not create the ticket"
            time.sleep(0.5)
        ticket = reply.json()
        assert ticket["number"] == number
        assert ticket["classifier"]["label"]  # a model was trained and activated by `up`
        listing = requests.get(f"{base}/api/v1/tickets?per_page=1", headers=headers, timeout=10).json()
        assert listing["total"] >= 300  # the demo tickets
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=30)


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
