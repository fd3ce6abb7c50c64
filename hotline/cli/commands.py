"""Command line: `flask --app hotline COMMAND` or the `hotline` console script.

Commands are thin callers of the domain; bad input ends with one line on stderr and exit 2.
"""

from __future__ import annotations

import re

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from hotline.app import migrate, unit_of_work
from hotline.app.extensions import db
from hotline.cli import fail
from hotline.demo.history import DAYS
from hotline.models import ApiToken, User


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (idempotent)."""
    migrate.upgrade(current_app)
    click.echo("database is up to date", err=True)


@click.command("seed-demo")
@click.option("--password", required=True, help="Password for every demo account.")
@click.option("--days", default=DAYS, show_default=True, type=click.IntRange(0, 366),
              help="Days of demo history (tickets lived through the life cycle) for an empty database.")
@with_appcontext
def seed_demo(password: str, days: int) -> None:
    """Load the demo city A市: units, topics, routing rules, accounts and its past tickets."""
    from hotline.cli.up import seed_everything

    if len(password) < 8:
        fail("--password must have at least 8 characters")
    report = seed_everything(current_app, password=password, days=days,
                             say=lambda _step, message: click.echo(message, err=True))
    click.echo(report, err=True)


@click.command("create-token")
@click.argument("username")
@with_appcontext
def create_token(username: str) -> None:
    """Print a new API token for USERNAME (and nothing else on stdout; its id, which
    revoke-token takes, goes to stderr)."""
    from hotline.identity.auth import issue_token_row

    token, row = issue_token_row(_user(username))
    unit_of_work.commit(db.session)
    click.echo(f"token id {row.id} for {username}", err=True)
    click.echo(token)


@click.command("revoke-token")
@click.argument("token_id", required=False)
@click.option("--user", "username", help="Revoke every token of this user instead.")
@with_appcontext
def revoke_token(token_id: str | None, username: str | None) -> None:
    """Revoke API token TOKEN_ID (create-token and the admin user page show ids), or every token
    of --user; every web process refuses it from its next request."""
    from hotline.identity.auth import revoke

    if (token_id is None) == (username is None):
        fail("give a token id or --user USERNAME (one of them)")
    if username is not None:
        user = _user(username)
        tokens = list(db.session.scalars(select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).order_by(ApiToken.id)))
        if not tokens:
            fail(f"{username!r} has no token to revoke")
    else:
        digits = token_id is not None and re.fullmatch(r"[0-9]{1,18}", token_id)
        row = db.session.get(ApiToken, int(token_id)) if digits and token_id else None
        if row is None:
            fail(f"no token with id {token_id!r}")
        if row.revoked:
            fail(f"token {row.id} is already revoked")
        tokens = [row]
    revoke(db.session, None, tokens)
    unit_of_work.commit(db.session)
    click.echo(f"revoked token {', '.join(str(t.id) for t in tokens)}", err=True)


def _user(username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        fail(f"no user named {username!r}")
    return user


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker on the intake and default queues, with RQ's scheduler and the relay
    that turns accepted intakes into jobs; it rides out Redis outages (workers.runner)."""
    from workers.runner import run_worker

    run_worker(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@click.command("trainer")
@click.option("--burst", is_flag=True, help="Stop when the training queue is empty.")
@with_appcontext
def trainer(burst: bool) -> None:
    """Run the RQ worker of the training queue only (candidate models from /admin/models).

    A process apart from `worker`, so a training that takes minutes never delays intake. Each
    job runs in a forked child (RQ's Worker): its time limit is enforced from outside it, and
    the hundreds of MB a training takes go back to the system when it ends.
    """
    from workers.runner import run_trainer

    run_trainer(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the periodic jobs (sweeper, deadline scan) with RQ's cron scheduler; it rides out
    Redis outages (workers.runner)."""
    from workers.runner import run_scheduler

    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


@click.group("deadlines")
def deadlines() -> None:
    """Deadline warnings, overdue marks and escalation."""


@deadlines.command("scan")
@click.option("--now", "now_text", default=None,
              help="Scan as of this ISO 8601 instant with a UTC offset (default: now).")
@with_appcontext
def deadlines_scan(now_text: str | None) -> None:
    """Run one escalation scan and print what it did as JSON."""
    import json
    from datetime import datetime

    from hotline.tickets.escalation import scan

    now = None
    if now_text is not None:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            fail(f"--now: {now_text!r} is not an ISO 8601 date-time")
        if now.tzinfo is None:
            fail("--now needs a UTC offset (e.g. 2026-10-16T09:00:00+08:00); "
                 "naive times are ambiguous")
    click.echo(json.dumps(scan(db.session, now, commit=unit_of_work.commit).as_dict()))


@click.command("figures-refresh")
@with_appcontext
def figures_refresh() -> None:
    """Bring the dashboard's daily rollup up to date (the scheduler does this every minute)."""
    import json

    from hotline.reporting.figures import refresh

    with unit_of_work.unit_of_work(db.session) as session:
        done = refresh(session)
    click.echo(json.dumps(done))


def register(app: Flask) -> None:
    from hotline.cli.imports import import_command
    from hotline.cli.models import model
    from hotline.cli.up import up

    for command in (init_db, seed_demo, create_token, revoke_token, worker, scheduler, up,
                    import_command, deadlines, model, figures_refresh, trainer):
        app.cli.add_command(command)
