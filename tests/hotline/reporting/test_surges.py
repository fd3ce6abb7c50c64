"""The surge scan on a small built history: eight ordinary weeks, then a normal day (no alert)
and a day one street's calls about one topic jump (exactly one alert, and one notice, however
often the scan runs); an hour of urgent calls from a quiet street is seen within the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import delete, func, select

from classifier.surges import DAY, HOUR
from hotline import admin
from hotline.admin.surges import surge_rule_dict
from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import (
    AuditEntry,
    Channel,
    Line,
    Notification,
    Place,
    RequestType,
    Status,
    SurgeAlert,
    SurgeRuleRow,
    Ticket,
    Topic,
    Urgency,
    User,
)
from hotline.reporting import surges
from workers.hotspots import scan_surges

NOW = datetime.now(UTC).replace(microsecond=0)  # the job reads the clock: the history ends now
_numbers = count(1)


def _calls(street: str, topic: Topic, n: int, at: datetime, text: str = "小区门口道路破损，车辆难行",
           urgent: bool = False) -> None:
    for i in range(n):
        db.session.add(Ticket(
            number=f"T{next(_numbers):09d}", line=Line("12345"), channel=Channel.WEB,
            request_type=RequestType("complaint"), content=text, street=street, topic=topic,
            status=Status.CLOSED, urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
            created_at=at - timedelta(minutes=5 + 10 * i)))


@pytest.fixture
def history(reference: None) -> tuple[str, str, Topic]:
    """Two streets, one topic: the quiet street has 1 call a Monday, the busy one 6."""
    quiet, busy = db.session.scalars(select(Place.code).where(Place.kind == "street")
                                     .order_by(Place.code).limit(2)).all()
    topic = db.session.scalars(select(Topic).order_by(Topic.code)).first()
    assert topic is not None
    for week in range(1, 10):  # the ninth week back only starts the history
        _calls(quiet, topic, 1, NOW - timedelta(weeks=week))
        _calls(busy, topic, 6, NOW - timedelta(weeks=week))
    unit_of_work.commit(db.session)
    return quiet, busy, topic


def test_a_normal_day_raises_no_alert(history: tuple[str, str, Topic]) -> None:
    quiet, busy, topic = history
    _calls(quiet, topic, 2, NOW)
    _calls(busy, topic, 8, NOW)  # many calls, but as many as on the Mondays before
    assert surges.scan(db.session, NOW) == []


def test_a_jump_raises_exactly_one_alert_with_its_phrases(history: tuple[str, str, Topic]) -> None:
    quiet, busy, topic = history
    _calls(quiet, topic, 12, NOW, text="咨询一下，今年小区停水三天了不能做饭，自来水管爆裂")
    _calls(busy, topic, 6, NOW)
    unit_of_work.commit(db.session)

    assert scan_surges() == {"alerts": 1}  # the scheduled job, committed through the unit of work
    assert scan_surges() == {"alerts": 0}  # the next run a quarter of an hour later: no repeat
    assert surges.scan(db.session, NOW + timedelta(hours=2)) == []
    alert = db.session.scalars(select(SurgeAlert)).one()
    assert (alert.window, alert.street, alert.topic_id, alert.observed, alert.expected) == \
        ("day", quiet, topic.id, 12, 1.0)
    assert alert.surprise >= 4 and alert.detail["baseline"] == [1] * 8
    assert alert.detail["method"] == "poisson"  # a steady baseline: NB falls back to Poisson
    assert "停水" in " ".join(alert.detail["phrases"])
    assert not any(w in p for p in alert.detail["phrases"] for w in ("咨询", "今年", "不能"))
    notice = db.session.scalars(select(Notification).where(Notification.kind == "surge_alert")).one()
    assert notice.role == "supervisor" and "12 件" in notice.body and "停水" in notice.body


def test_urgent_calls_from_a_quiet_street_alert_within_the_hour(
        history: tuple[str, str, Topic]) -> None:
    quiet, _busy, topic = history
    _calls(quiet, topic, 3, NOW, text="燃气泄漏，闻到很大煤气味", urgent=True)
    raised = surges.scan(db.session, NOW)
    assert [(a.window, a.observed) for a in raised] == [("hour", 3)]  # the day: 3 calls, too few


def test_weeks_before_the_first_ticket_are_not_counted_as_empty(reference: None) -> None:
    street, other = db.session.scalars(select(Place.code).where(Place.kind == "street")
                                       .limit(2)).all()
    topic = db.session.scalars(select(Topic)).first()
    assert topic is not None
    _calls(other, topic, 1, NOW - timedelta(weeks=2))  # the database begins two weeks ago
    _calls(street, topic, 5, NOW - timedelta(weeks=1))  # one full week of history: 5 a day
    _calls(street, topic, 6, NOW)
    # Against [5] six calls are ordinary; against [5, 0, 0, 0, 0, 0, 0, 0] they would alarm.
    assert surges.scan(db.session, NOW) == []
    assert db.session.scalar(select(func.count()).select_from(SurgeAlert)) == 0


NOISY = [1, 6, 0, 5, 2, 7, 1, 4]  # a street whose Mondays vary far more than Poisson allows


def test_the_rules_are_the_administrators_and_a_noisy_street_alerts_only_under_poisson(
        history: tuple[str, str, Topic]) -> None:
    """The seeded day rule is negative-binomial (pooled): 13 calls where the weeks ran 0–7 are
    such a street's busy day. An administrator switching the day to Poisson (audited) makes it
    a surge."""
    topic = history[2]
    noisy = db.session.scalars(select(Place.code).where(Place.kind == "street")
                               .order_by(Place.code).offset(2).limit(1)).one()
    for week, n in enumerate(NOISY, start=1):
        _calls(noisy, topic, n, NOW - timedelta(weeks=week))
    _calls(noisy, topic, 13, NOW)
    unit_of_work.commit(db.session)
    assert surges.rules(db.session)["day"].method == "nb_pool"
    assert surges.scan(db.session, NOW) == []

    row = db.session.scalars(select(SurgeRuleRow).where(SurgeRuleRow.window == "day")).one()
    admin_user = db.session.scalars(select(User).where(User.username == "admin")).one()
    admin.save(db.session, admin_user, "surges", surge_rule_dict(row) | {"method": "poisson"},
               key=row.id)
    unit_of_work.commit(db.session)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "surges")).one()
    assert (entry.before["method"], entry.after["method"]) == ("nb_pool", "poisson")
    (alert,) = surges.scan(db.session, NOW)
    assert (alert.street, alert.observed, alert.detail["method"]) == (noisy, 13, "poisson")


def test_a_window_without_a_rule_row_uses_the_shipped_rule(reference: None) -> None:
    db.session.execute(delete(SurgeRuleRow))
    assert surges.rules(db.session) == {"day": DAY, "hour": HOUR}



SWINGING = [[0, 8, 1, 9, 0, 7, 2, 9], [9, 0, 7, 1, 8, 2, 0, 9], [2, 9, 0, 8, 1, 9, 0, 7],
            [7, 1, 9, 0, 8, 0, 9, 2], [1, 7, 2, 9, 0, 9, 1, 7], [8, 0, 9, 2, 7, 1, 8, 0]]


def test_the_scan_pools_a_topics_streets_and_the_rule_can_turn_it_off(reference: None) -> None:
    """Six streets whose Mondays swing 0-9 about one topic, and one with 4 calls every Monday:
    alone, that street looks Poisson and its 14 calls today a surge; pooled with its topic's
    streets (the shipped nb_pool) they are such a topic's busy day. The administrators' plain
    nb (audited) alerts; a real jump alerts under both, its detail naming the tail used."""
    streets = db.session.scalars(select(Place.code).where(Place.kind == "street")
                                 .order_by(Place.code).limit(8)).all()
    topic = db.session.scalars(select(Topic).order_by(Topic.code)).first()
    assert topic is not None and len(streets) == 8
    for street, weeks in zip(streets, [*SWINGING, [4] * 8], strict=False):
        for week, n in enumerate(weeks, start=1):
            _calls(street, topic, n, NOW - timedelta(weeks=week))
        _calls(street, topic, 1, NOW - timedelta(weeks=9))  # the history starts before
    steady, jumping = streets[6], streets[7]
    _calls(steady, topic, 14, NOW)
    _calls(jumping, topic, 30, NOW)  # no calls in eight weeks, 30 today
    unit_of_work.commit(db.session)
    assert surges.rules(db.session)["day"].method == "nb_pool"
    (alert,) = surges.scan(db.session, NOW)
    # A street of zeros has no dispersion of its own: it takes its topic's.
    assert (alert.street, alert.detail["method"]) == (jumping, "nb_pool")
    assert alert.detail["size"] == pytest.approx(2.03, abs=0.01)  # 1 / the topic's alpha

    db.session.execute(delete(SurgeAlert))
    row = db.session.scalars(select(SurgeRuleRow).where(SurgeRuleRow.window == "day")).one()
    admin_user = db.session.scalars(select(User).where(User.username == "admin")).one()
    admin.save(db.session, admin_user, "surges", surge_rule_dict(row) | {"method": "nb"}, key=row.id)
    unit_of_work.commit(db.session)
    assert {a.street for a in surges.scan(db.session, NOW)} == {steady, jumping}

