"""The embedded default: demo data, a trained model, and web + worker + scheduler in one command.

What a newcomer sees: the URL at once (it answers with a "starting" page until everything is
ready, hotline.app.starting), one line per step with its time while the database, the demo city
and the classifier are prepared, then the URL again with the accounts and the password, and
nothing more unless something goes wrong (LOG_LEVEL=INFO brings back the per-request and
per-job lines). Ctrl-C stops web, workers, trainer and scheduler, and then the embedded Redis.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress

import click
import redis
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from hotline.app import migrate, settings, unit_of_work
from hotline.app.embedded_redis import ensure_running
from hotline.app.extensions import db
from hotline.app.queue import INTAKE_QUEUE, TRAINING_QUEUE, connection, queue, redis_url
from hotline.app.starting import Gate
from hotline.classifier_models import registry as model_registry
from hotline.cli import fail
from hotline.demo import history
from hotline.knowledge import service as knowledge
from hotline.models import LEVEL_RANK, Department, Level
from hotline.seed import load as seed

WATCH_SECONDS = 1
# Children get this long to finish their job after SIGTERM before they are killed.
STOP_SECONDS = 10
# How long `up` waits for the workers to load the model and register before saying "ready".
WORKERS_READY_SECONDS = 120
Say = Callable[[str, str], None]
REPLACE_STARTER = "workers.retraining.replace_starter"


def _quiet_say(_step: str, _message: str) -> None:
    """A `Say` for callers that want no progress."""


def ensure_model(app: Flask, *, quick: bool = False, say: Say = _quiet_say) -> str:
    """Train and activate a model unless one is active.

    `quick` (the first start of `up`): with the real data present, a starter model on the demo
    corpus now (seconds) and the real one later by the trainer (`queue_real_model`).
    """
    if model_registry.has_active(db.session):
        return "model: already active"
    configured = settings.current(app)
    starter = quick and model_registry.has_real_data(configured.data_dir)
    texts, labels, source = model_registry.training_data(configured.data_dir, corpus_only=starter)
    say("model", f"训练分类模型 / training the {'starter ' if starter else ''}classifier on "
                 f"{len(texts):,} labelled texts from {source}…")
    row = model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                            source=source, starter=starter)
    unit_of_work.commit(db.session)
    return f"model: trained {row.version} on {len(texts)} texts from {source}"


def queue_real_model(app: Flask) -> bool:
    """Have the trainer replace a starter model by one trained on the real data."""
    current = model_registry.active(db.session)
    if current is None or not current.card.get(model_registry.STARTER):
        return False
    queue(TRAINING_QUEUE, app).enqueue(REPLACE_STARTER,
                                       job_timeout=settings.current(app).training_timeout_seconds)
    return True


def seed_everything(app: Flask, *, password: str, days: int = history.DAYS,
                    say: Say = _quiet_say, quick: bool = False,
                    model_ready: Callable[[], None] | None = None) -> str:
    """Reference data, accounts, the knowledge base, a model and (on an empty database) the
    demo city's past; returns what was done, a line each. `quick`: see `ensure_model`;
    `model_ready` is called once the model is active, before the history is lived."""
    say("seed", "载入城市、单位和账号 / loading the city, its units and accounts…")
    seed.load_reference(db.session)
    users = seed.ensure_users(db.session, password)
    seed.ensure_duty_roster(db.session)
    articles = knowledge.seed_demo(db.session, seed.read_json("knowledge.json"))
    unit_of_work.commit(db.session)
    lines = [f"accounts added: {users}", f"knowledge articles added: {articles}",
             ensure_model(app, quick=quick, say=say)]
    if model_ready is not None:
        model_ready()
    if not seed.has_tickets(db.session):
        say("history", f"生成演示历史 / living the demo city's last {days} days…")
        lines.append(f"demo history: {history.build(db.session, days=days)}")
    return "\n".join(lines)


def accounts_text(password: str) -> str:
    """Who can sign in: the three centre accounts and, per unit, its staff and its lead."""
    units = db.session.scalars(select(Department).where(Department.active)
                               .order_by(LEVEL_RANK, Department.code)).all()
    examples = [u for u in units if u.level == Level.CITY][:1] + \
        [u for u in units if u.level == Level.DISTRICT][:1]
    lines = [f"账号 / accounts (password 密码: {password})",
             "  admin        系统管理员 administrator",
             "  agent        坐席员 call-centre agent",
             "  supervisor   督办员 supervisor"]
    for unit in examples:
        lines.append(f"  {unit.code:<12} {unit.name} 经办人 unit staff;  "
                     f"{unit.code}-lead 负责人 unit lead")
    lines.append(f"  … every unit has both ({len(units)} units: CODE and CODE-lead; "
                 "the list is at /admin/units when signed in as admin)")
    return "\n".join(lines)


def parse_port(text: str) -> int:
    """A TCP port, 1-65535; anything else ends the command with one line (exit 2)."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        fail(f"invalid port {text!r}: give a number from 1 to 65535 (make run PORT=8080)")
    return int(text)


def public_base_url(host: str, port: int, environ: Mapping[str, str]) -> str | None:
    """The address the SMS links send citizens to when PUBLIC_BASE_URL is not set: this
    server's own, so `up --port 5077` does not text links to :5000. None when it is set, or
    when the host is every interface (0.0.0.0, ::), which no phone can open."""
    if environ.get("PUBLIC_BASE_URL") or host in ("0.0.0.0", "::", ""):
        return None
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def reset_demo(app: Flask) -> str:
    """Forget the embedded demo (its SQLite database, models, attachments and queued jobs) so
    that the next start builds it afresh; a database given by DATABASE_URL is never touched."""
    configured = settings.current(app)
    instance = configured.instance_dir
    if configured.database_url != f"sqlite:///{instance / 'hotline.db'}":
        fail("--reset only resets the embedded SQLite demo; DATABASE_URL is set, "
             "so drop that database yourself")
    db.engine.dispose()
    removed = []
    for name in ("hotline.db", "hotline.db-wal", "hotline.db-shm"):
        if (instance / name).exists():
            (instance / name).unlink()
            removed.append(name)
    for folder in (configured.model_dir, configured.attachment_dir):
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder.name)
    if configured.redis.url is None and (instance / "redis" / "redis.sock").exists():
        with suppress(redis.RedisError):  # a dead embedded Redis has nothing to forget
            connection(app).flushdb()
    return ", ".join(removed) or "nothing"


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in a session of its own: the terminal's Ctrl-C reaches `up` alone, which stops
    the children in order (workers before the Redis they talk to) instead of all at once."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", *args], env=env,
                            start_new_session=True)


def _watch(app: Flask, children: dict[str, subprocess.Popen[bytes]], env: dict[str, str],
           *, embedded_redis: bool, stop: threading.Event) -> None:
    """What systemd does in production (deploy/systemd): start again a child that exited, and
    the embedded Redis if it died (the children wait for it meanwhile, workers.outage)."""
    while not stop.wait(WATCH_SECONDS):
        if embedded_redis:
            ensure_running(settings.current(app).instance_dir / "redis")
        for name, child in children.items():
            if child.poll() is not None and not stop.is_set():
                click.echo(f"{name} exited with {child.returncode}, starting it again", err=True)
                _end_group(child)
                children[name] = _spawn(name.split()[:1], env)


def _end_group(child: subprocess.Popen[bytes]) -> None:
    """Kill what an exited child left in its process group: a worker killed outright leaves
    RQ's scheduler process (forked by the worker, so in its group) running on, holding the
    scheduler lock, an orphan nobody stops. systemd's cgroup does this in production."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # Still in a job (the trainer's full model takes minutes): a second SIGTERM is RQ's
            # cold shutdown, which kills the work horse first. SIGKILL alone would leave the
            # horse (a session of its own) running on as an orphan, and committing its model.
            child.terminate()
            try:
                child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_for_workers(app: Flask, count: int) -> None:
    """Until `count` intake workers are registered: each loads the model before it registers
    (workers.runner), so the first ticket after "ready" is routed at once."""
    from rq import Worker

    conn = connection(app)
    deadline = time.monotonic() + WORKERS_READY_SECONDS
    while time.monotonic() < deadline:
        ready = [w for w in Worker.all(connection=conn) if INTAKE_QUEUE in w.queue_names()]
        if len(ready) >= count:
            return
        time.sleep(0.1)
    click.echo(f"workers not registered after {WORKERS_READY_SECONDS} s; starting anyway", err=True)


def _interrupt(*_: object) -> None:
    """SIGTERM (and SIGINT, whatever the parent shell set) end `up` the way Ctrl-C does."""
    raise KeyboardInterrupt


class _Progress:
    """One line per step on stderr, with the seconds since the start; and the gate's step."""

    def __init__(self, gate: Gate) -> None:
        self.gate, self.started = gate, time.monotonic()

    def __call__(self, step: str, message: str) -> None:
        self.gate.step = step
        click.echo(f"[{time.monotonic() - self.started:5.1f} s] {message}", err=True)


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "port_text", default="5000", show_default=True, metavar="PORT")
@click.option("--password", default="demo-pass-12345", show_default=True,
              help="Password of the demo accounts created on first start.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16))
@click.option("--reset", is_flag=True,
              help="Forget the embedded demo (database, models, queued jobs) and build it afresh.")
@with_appcontext
def up(host: str, port_text: str, password: str, workers: int, reset: bool) -> None:
    """Run everything on this machine: database, Redis, demo data, model, workers (intake and
    training), web."""
    from waitress import create_server

    port = parse_port(port_text)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    configured = settings.current(app)
    quiet = not configured.log_level_chosen
    embedded_redis = configured.redis.url is None  # redis_url() below fills it in
    if quiet:  # the steady state says nothing unless something is wrong
        logging.getLogger().setLevel(logging.WARNING)
    gate = Gate(app)
    try:
        # Bound first: a port in use fails at once, and the URL answers as soon as it is printed.
        server = create_server(gate, host=host, port=port, threads=8)
    except OSError as exc:
        raise click.ClickException(f"无法监听 / cannot listen on {host}:{port}: {exc}") from None
    # Ctrl-C and SIGTERM alike, also when started in the background (SIGINT ignored then)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    url = f"http://{host}:{port}/"
    children: dict[str, subprocess.Popen[bytes]] = {}
    watching = threading.Event()
    serving = threading.Thread(target=server.run, name="web", daemon=True)
    try:
        serving.start()
        say = _Progress(gate)
        say("database", f"正在启动 / starting; {url} shows the progress")
        if reset:
            say("database", f"重置演示 / reset the demo: removed {reset_demo(app)}")
        migrate.upgrade(app)
        env = {**os.environ, "REDIS_URL": redis_url(app)}
        public = public_base_url(host, port, os.environ)
        if public is not None:  # the web's own commits and the workers' alike
            settings.install(app, dataclasses.replace(settings.current(app), public_base_url=public))
            env["PUBLIC_BASE_URL"] = public
        if quiet:
            env["LOG_LEVEL"] = "WARNING"

        def start(names: list[str]) -> None:
            say("workers", f"启动 / starting {', '.join(names)}…")
            children.update({name: _spawn(name.split()[:1], env) for name in names})

        # Workers and trainer start (and load the model) while the history is lived: they
        # take no work before the first intake. The trainer takes only the training queue, so
        # a model trained from /admin/models never holds up the intake worker(s). The
        # scheduler waits for the history: its figures rollup must see the finished past.
        report = seed_everything(app, password=password, say=say, quick=True, model_ready=lambda: start(
            [f"worker {i + 1}" for i in range(workers)] + ["trainer"]))
        say("workers", report.splitlines()[-1])
        start(["scheduler"])
        threading.Thread(target=_watch, args=(app, children, env), daemon=True,
                         kwargs={"embedded_redis": embedded_redis, "stop": watching}).start()
        _wait_for_workers(app, workers)
        gate.open()
        say("workers", "就绪 / ready")
        if queue_real_model(app):
            say("workers", "分类模型 / the classifier trained on the real data replaces the "
                           "starter in the background (one to two minutes; /admin/models)")
        click.echo(f"\n12345 热线已启动 / hotline is running at {url}\n{accounts_text(password)}\n"
                   f"Ctrl-C 停止 / stops everything; make reset-demo starts the demo afresh.\n")
        while serving.is_alive():
            serving.join(0.5)
    except KeyboardInterrupt:
        click.echo("\n正在停止 / stopping…", err=True)
    finally:
        watching.set()
        _stop_children(children)
        server.close()
    click.echo("已停止 / stopped", err=True)
