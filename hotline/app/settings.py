"""Where the app keeps its `config.Settings`: one object, parsed once, read by entry points.

Views, jobs and CLI commands call `current()` and pass a service the part it needs (the outbox
its limits, tracking its thresholds), so services take their settings as arguments and tests
change one with the `settings` fixture instead of poking keys into `app.config`.
"""

from __future__ import annotations

from flask import Flask, current_app

from config import Settings

KEY = "hotline.settings"


def install(app: Flask, settings: Settings) -> None:
    """Make `settings` the app's, Flask's own keys included (they are derived from it)."""
    app.extensions[KEY] = settings
    app.config.update(settings.flask_config())


def current(app: Flask | None = None) -> Settings:
    """The settings of `app` (default: the app of the current context)."""
    return (app or current_app).extensions[KEY]  # type: ignore[no-any-return]
