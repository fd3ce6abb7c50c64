"""The chaos benchmark's own PostgreSQL cluster and Redis server, in its temp dir on free ports.

The benchmark stops and starts them on purpose, so they must be nobody else's: the machine's
shared servers (5432, 6379) carry other people's databases and test runs.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from pathlib import Path

import redis

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = Path("/usr/bin/redis-server")
# initdb and postgres refuse to run as root: as root, the cluster runs as this OS user.
PG_OS_USER = "postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def version(binary: Path) -> str:
    return subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()


class Postgres:
    """A cluster under `root/pg`, listening on 127.0.0.1 only, its socket in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pg"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.user = PG_OS_USER if os.geteuid() == 0 else None

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([str(PG_BIN / tool), *args], user=self.user, check=True,
                       stdout=subprocess.DEVNULL)

    def init(self) -> None:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--no-locale")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\n")

    def start(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown, as `systemctl restart postgresql` does: sessions are cut."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class RedisServer:
    """A server under `root/redis` that keeps its data across a stop, as production's must
    (`appendonly yes`, `noeviction`): a restart loses no queued job."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, seconds: float = 30) -> None:
        self.dir.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction",
             "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conn = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + seconds
        while True:
            try:
                conn.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server did not start (see {self.dir}/redis.log)") from None
                time.sleep(0.05)
        conn.close()

    def stop(self) -> None:
        """SIGTERM: Redis writes its append-only file and exits, as on a service stop."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

