"""The background processes under test, and the harness as their supervisor for kills only.

systemd restarts a service it saw die; here the harness restarts what it killed or stopped
itself, and nothing else: a process that exits by itself stays dead and is reported, because
the product must ride out an outage without an outside restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LOG_TAIL_LINES = 12
# How long a stop waits after SIGTERM before SIGKILL (systemd's TimeoutStopSec, made short so
# that the fault schedule keeps time: RQ's cron scheduler only looks at its stop flag when it
# wakes for its next job, up to 30 s later).
STOP_GRACE_SECONDS = 5.0


@dataclass
class Life:
    """One run of a process. Times are time.monotonic()."""

    pid: int
    started: float
    ended: float | None = None
    end: str | None = None  # "killed by the harness", "stopped by the harness", "exited by itself (rc N)"


class Process:
    """A named process (`spawn(log)` starts it in a process group of its own) and its lives."""

    def __init__(self, name: str, spawn: Callable[[IO[bytes]], subprocess.Popen[bytes]],
                 logs: Path) -> None:
        self.name, self.spawn = name, spawn
        self.log_path = logs / f"{name}.log"
        self.lives: list[Life] = []
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = self.spawn(log)
        self.lives.append(Life(self.proc.pid, time.monotonic()))

    @property
    def alive(self) -> bool:
        self.check()
        return self.lives[-1].ended is None

    def check(self) -> None:
        """Note when the process exited by itself (called often, so the time is close)."""
        assert self.proc is not None
        rc = self.proc.poll()
        if rc is not None and self.lives[-1].ended is None:
            self._ended(f"exited by itself (rc {rc})")

    def kill(self) -> str:
        """SIGKILL with whatever it started, then start it again, as systemd would."""
        if not self.alive:
            return f"not killed: {self.lives[-1].end}"
        self._signal(signal.SIGKILL)
        self._ended("killed by the harness")
        self.start()
        return f"pid {self.lives[-2].pid} killed, pid {self.lives[-1].pid} started"

    def stop(self) -> str:
        """SIGTERM, and SIGKILL if it has not exited within STOP_GRACE_SECONDS."""
        if not self.alive:
            return f"not stopped: {self.lives[-1].end}"
        began = time.monotonic()
        how = "" if self._signal(signal.SIGTERM, STOP_GRACE_SECONDS) else (
            f", SIGKILLed: still running {STOP_GRACE_SECONDS:g} s after SIGTERM")
        self._ended("stopped by the harness")
        return f"pid {self.lives[-1].pid} stopped in {time.monotonic() - began:.1f} s{how}"

    def restart(self) -> str:
        """Start again after `stop`; a process that ended any other way is left as it is."""
        if self.lives[-1].end != "stopped by the harness":
            return f"not started: {self.lives[-1].end or 'still running'}"
        self.start()
        return f"pid {self.lives[-1].pid} started"

    def terminate(self) -> None:
        """The end of the benchmark: stop it if it still runs."""
        if self.alive:
            self._signal(signal.SIGTERM, 30)

    def _signal(self, sig: signal.Signals, grace: float = 30) -> bool:
        """Signal the process group and wait; False if it had to be SIGKILLed after `grace`."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            return False
        except ProcessLookupError:
            self.proc.wait()
        return True

    def _ended(self, how: str) -> None:
        self.lives[-1].ended, self.lives[-1].end = time.monotonic(), how

    def exited_by_itself(self) -> list[Life]:
        self.check()
        return [life for life in self.lives if life.end and life.end.startswith("exited")]

    def report(self, t0: float) -> dict[str, Any]:
        """Lives in seconds since the load's start (negative: before it), and the log's tail
        when the process died on its own: the reason is in it."""
        lives = [{"pid": life.pid, "started": round(life.started - t0, 1),
                  "ended": None if life.ended is None else round(life.ended - t0, 1),
                  "end": life.end} for life in self.lives]
        out: dict[str, Any] = {"lives": lives, "alive_at_end": self.alive,
                               "exited_by_itself": len(self.exited_by_itself())}
        if out["exited_by_itself"]:
            out["log_tail"] = self.log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        return out


def children(pid: int) -> list[int]:
    """Direct children (gunicorn's workers: the master replaces one that dies or hangs)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
