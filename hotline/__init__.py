"""The 12345 unified hotline. `flask --app hotline` finds `create_app` here.

The factory itself lives in the composition root `hotline.factory` and is imported only when an
app is built, so that importing the domain (`hotline.domain`) loads no web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask

    from config import Settings


def create_app(settings: Settings | None = None,
               flask_config: Mapping[str, Any] | None = None) -> Flask:
    from hotline.factory import create_app as build

    return build(settings, flask_config)
