"""The composition root: builds the Flask app, wiring extensions, every blueprint and the CLI.

The one module that imports every feature; nothing imports it but the entry points that need a
whole app (`hotline.create_app` for `flask --app hotline`, the `hotline` console script, and the
worker process, workers.context). Features never import each other's views through it, so the
package graph below it stays acyclic (tests/test_architecture.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from config import Settings
from hotline.app import body_limits, i18n
from hotline.app import settings as app_settings
from hotline.app.extensions import babel, csrf, db, limiter, login_manager, rest_api


def create_app(settings: Settings | None = None,
               flask_config: Mapping[str, Any] | None = None) -> Flask:
    """The app for `settings` (default: read from the environment, exiting with one line
    naming a bad variable), with `flask_config` laid over Flask's keys (tests: TESTING)."""
    settings = settings or _from_environment()
    app = Flask(__name__, template_folder="app/templates", static_folder="../static")
    app.config.update(
        API_TITLE="12345 Hotline API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            },
            "security": [{"bearer": []}],
        },
    )
    app_settings.install(app, settings)
    if flask_config:
        app.config.update(flask_config)
    _behind_proxies(app, settings.trusted_proxies)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic narrates every plugin it loads; operators need only its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    if settings.database_url.startswith("sqlite"):
        with app.app_context():
            from hotline.app.sqlite import tune

            tune(db.engine)
    login_manager.init_app(app)
    body_limits.register(app)  # before CSRF protection, which reads the body
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.register(app)
    rest_api.init_app(app)

    from hotline.admin import views as admin_views
    from hotline.api import actions as api_actions
    from hotline.api import catalogue as api_catalogue
    from hotline.api import departments as api_departments
    from hotline.api import incidents as api_incidents
    from hotline.api import intakes as api_intakes
    from hotline.api import tickets as api_tickets
    from hotline.app import errors, headers, unit_of_work
    from hotline.channels import citizen, open311
    from hotline.citizen import effects, tracking
    from hotline.citizen import views as followup
    from hotline.cli import commands as cli
    from hotline.console import views as console
    from hotline.identity import auth
    from hotline.intake import triage
    from hotline.intake import views as intake
    from hotline.knowledge import views as knowledge
    from hotline.messaging import views as messaging
    from hotline.search import views as search
    from hotline.tickets import views as tickets
    from hotline.twilio import status as twilio_status
    from hotline.twilio import views as twilio
    from hotline.workbench import live, queue_views, workflow_views
    from hotline.workbench import views as workbench
    from workers import context

    for blueprint in (auth.bp, tickets.bp, search.bp, workflow_views.bp, workbench.bp, citizen.bp,
                      console.bp, tracking.bp, followup.bp, knowledge.bp, messaging.bp,
                      admin_views.bp, intake.bp, queue_views.bp, live.bp):
        app.register_blueprint(blueprint)
    # Machine-to-machine endpoints authenticate by signature, API key or bearer token instead:
    # no CSRF token, and no staff session to time out (auth._idle_timeout).
    for blueprint in (twilio.bp, open311.bp, twilio_status.bp):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    api_blps = (api_tickets.blp, api_actions.blp, api_catalogue.blp, api_departments.blp,
                api_intakes.blp, api_incidents.blp)
    for blp in api_blps:
        csrf.exempt(blp)
        rest_api.register_blueprint(blp)
    app.extensions[auth.PASSIVE_BLUEPRINTS] = frozenset({live.bp.name})
    app.extensions[auth.MACHINE_BLUEPRINTS] = frozenset(
        b.name for b in (twilio.bp, open311.bp, twilio_status.bp, *api_blps))
    errors.register(app, unavailable={
        open311.bp.name: partial(open311.error_response, 503, errors.UNAVAILABLE),
        twilio.bp.name: twilio.sorry, twilio_status.bp.name: twilio.sorry})
    headers.register(app)
    # The declared side effects of every commit, with the settings of the moment.
    unit_of_work.install(app, lambda session, events, steps: effects.settle(
        session, events, steps, public_base_url=app_settings.current(app).public_base_url))
    # A worker's forked jobs build their own app, from the same settings.
    app.extensions[context.FACTORY] = partial(create_app, settings, flask_config)
    cli.register(app)
    triage.keep_risk_model_in(settings.model_dir)  # loaded on first use: the web needs no warm-up
    return app


def _from_environment() -> Settings:
    """`config.load()`, or the process ends with the one line that names the bad variable:
    an operator who mistyped a value needs that, not a traceback."""
    try:
        return config.load()
    except config.ConfigError as exc:
        raise SystemExit(f"hotline: {exc}") from None


def _behind_proxies(app: Flask, hops: int) -> None:
    """Behind `hops` reverse proxies, take the client's address and scheme from the headers
    they add (README, Production): otherwise every citizen shares the proxy's rate-limit
    bucket, and https is not recognised. Without a proxy the headers are the client's own
    words and are ignored, or anyone could pick his bucket. Host is passed through as is
    (`Settings` refuses a negative count)."""
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def main() -> None:
    """Entry point of the `hotline` console script."""
    FlaskGroup(create_app=create_app)(prog_name="hotline")
