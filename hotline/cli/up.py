"""The embedded default: demo data, a trained model, and web + worker + scheduler in one command."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from hotline.app import migrate, settings, unit_of_work
from hotline.app.embedded_redis import ensure_running
from hotline.app.extensions import db
from hotline.app.queue import redis_url
from hotline.classifier_models import registry as model_registry
from hotline.intake.accept import Request, accept
from hotline.intake.process import process_intake
from hotline.knowledge import service as knowledge
from hotline.models import Channel, utcnow
from hotline.seed import load as seed

DEMO_PHONES = 60
WATCH_SECONDS = 1


def demo_tickets(count: int, seed_value: int = 12345) -> int:
    """Demo tickets through the real pipeline (accept, then process), spread over 30 days."""
    rng = random.Random(seed_value)
    rows = list(seed.corpus_rows())
    phones = [f"+86139{rng.randrange(10**8):08d}" for _ in range(DEMO_PHONES)]
    now = utcnow()
    for i in range(count):
        row = rows[i % len(rows)]
        received = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
        intake, _ = accept(
            db.session,
            Request(channel=Channel(row["channel"]), line=row["line"], content=row["text"],
                    request_type=row["request_type"], phone=rng.choice(phones),
                    address=row.get("address") or None,
                    extra={"district": row.get("district") or None}),
            received_at=received,
        )
        process_intake(db.session, intake.id)
        unit_of_work.commit(db.session)
    return count


def ensure_model(app: Flask, *, corpus_only: bool = False) -> str:
    """Train and activate a model unless one is active (the corpus alone trains in seconds)."""
    if model_registry.has_active(db.session):
        return "model: already active"
    configured = settings.current(app)
    texts, labels, source = model_registry.training_data(configured.data_dir,
                                                         corpus_only=corpus_only)
    row = model_registry.train_and_activate(configured.model_dir, db.session, texts, labels,
                                            source=source)
    return f"model: trained {row.version} on {len(texts)} texts from {source}"


def seed_everything(app: Flask, *, password: str, tickets: int) -> str:
    seed.load_reference(db.session)
    users = seed.ensure_users(db.session, password)
    articles = knowledge.seed_demo(db.session, seed.read_json("knowledge.json"))
    unit_of_work.commit(db.session)
    lines = [f"accounts added: {users}", f"knowledge articles added: {articles}",
             ensure_model(app)]
    if not seed.has_tickets(db.session):
        lines.append(f"demo tickets: {demo_tickets(tickets)}")
    return "\n".join(lines)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "hotline", *args], env=env)


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
                children[name] = _spawn(name.split()[:1], env)


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--password", default="demo-pass-12345", show_default=True,
              help="Password of the demo accounts created on first start.")
@click.option("--workers", default=1, show_default=True, type=int)
@with_appcontext
def up(host: str, port: int, password: str, workers: int) -> None:
    """Run everything on this machine: database, Redis, demo data, model, workers (intake and
    training), web."""
    from waitress import create_server

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    embedded_redis = settings.current(app).redis.url is None
    try:
        # Bound first: a port in use fails at once, and the URL answers as soon as it is printed.
        server = create_server(app, host=host, port=port, threads=8)
    except OSError as exc:
        raise click.ClickException(f"无法监听 / cannot listen on {host}:{port}: {exc}") from None
    migrate.upgrade(app)
    click.echo(seed_everything(app, password=password, tickets=300), err=True)
    env = {**os.environ, "REDIS_URL": redis_url(app)}
    # The trainer takes only the training queue: a candidate model trained from /admin/models
    # never holds up the intake worker(s).
    names = [f"worker {i + 1}" for i in range(workers)] + ["trainer", "scheduler"]
    children = {name: _spawn(name.split()[:1], env) for name in names}
    watching = threading.Event()
    threading.Thread(target=_watch, args=(app, children, env), daemon=True,
                     kwargs={"embedded_redis": embedded_redis, "stop": watching}).start()

    def stop(*_: object) -> None:
        watching.set()
        for child in children.values():
            child.terminate()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    url = f"http://{host}:{port}/"
    click.echo(f"\n12345 热线已启动 / hotline is running at {url}\n"
               f"accounts: admin, agent, supervisor, or a unit code (e.g. zjj); password: {password}\n")
    try:
        server.run()
    finally:
        stop()
