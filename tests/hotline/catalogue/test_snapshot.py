"""The routing snapshot builds its planner from the app's deadline settings, parsed at start."""

from __future__ import annotations

from datetime import time, timedelta

from flask import Flask

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from tests.conftest import ChangeSettings


def test_the_planner_follows_the_deadline_settings(app: Flask, reference: None,
                                                   settings: ChangeSettings) -> None:
    default = snapshot.current(db.session).planner
    assert (default.warn_fraction, default.escalate_after) == (0.75, timedelta(hours=24))
    settings(deadlines={"working_hours": ((time(8), time(16)),), "warn_fraction": 0.5,
                        "escalate_after": timedelta(hours=2)})
    planner = snapshot.current(db.session).planner  # a snapshot of its own, not the cached one
    assert (planner.warn_fraction, planner.escalate_after) == (0.5, timedelta(hours=2))
    assert planner.calendar.hours == ((time(8), time(16)),)
