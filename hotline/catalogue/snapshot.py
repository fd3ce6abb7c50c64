"""The routing catalogue held in memory, one copy per worker process.

Routing a ticket needs the dispatch rules, the topic tree, the units, the gazetteer, the SLA
policies and the working calendar. Reading them per ticket would cost a dozen queries; instead a
`Snapshot` is built once and reused while the stamp row in `catalogue_versions` is unchanged.
Every admin edit calls `bump()`, so the next job in every worker sees the edit after one cheap
primary-key read (`current()`).
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from dataclasses import dataclass
from time import monotonic
from typing import Any

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.risk import RiskRules
from classifier.urgency import RuleError
from config import DeadlineSettings
from hotline.app import settings as app_settings
from hotline.domain.deadlines import (
    DEFAULT_ESCALATE_AFTER,
    DEFAULT_WARN_FRACTION,
    Planner,
    PolicyChoice,
)
from hotline.models import (
    CalendarDay,
    CalendarYear,
    CatalogueVersion,
    Department,
    DispatchRule,
    Level,
    Place,
    RiskRule,
    SlaPolicyRow,
    Topic,
    utcnow,
)
from routing.calendar import DEFAULT_HOURS, DayOverride, WorkingCalendar
from routing.dispatch import Rule, topic_chain
from routing.places import Gazetteer
from routing.sla import SlaPolicy

ROUTING = "routing"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    active: bool
    level: str
    parent_id: int | None
    district: str | None
    duty_phone: str | None


@dataclass
class Snapshot:
    stamp: str | None
    rules: list[Rule]
    rule_urgency: dict[int, str | None]
    rule_topic: dict[int, int | None]
    line_defaults: dict[str, str]
    district_governments: dict[str, str]
    units: dict[str, Unit]
    units_by_id: dict[int, Unit]
    root_topics: dict[str, int]
    chains: dict[int, tuple[str, ...]]
    gazetteer: Gazetteer
    place_names: dict[str, str]
    place_points: dict[str, tuple[float, float]]  # code -> (lat, lng), places that have one
    planner: Planner
    risk: RiskRules  # the active risk rules (hotline.intake.risk), admin-edited like the rest


def deadlines() -> DeadlineSettings:
    """The app's deadline settings, parsed once at start (outside an app, the domain's
    defaults): part of the cache key, so settings changed in a test build their own snapshot."""
    if not has_app_context():
        return DEFAULT_DEADLINES
    return app_settings.current().deadlines


DEFAULT_DEADLINES = DeadlineSettings(DEFAULT_HOURS, DEFAULT_WARN_FRACTION, DEFAULT_ESCALATE_AFTER)


def bump(session: Session, name: str = ROUTING) -> str:
    """Mark the catalogue as changed; call in the same transaction as the admin edit."""
    stamp = uuid.uuid4().hex
    with _lock:  # this process sees its own edit at once; others within CHECK_SECONDS
        _checked.clear()
    row = session.get(CatalogueVersion, name)
    if row is None:
        session.add(CatalogueVersion(name=name, stamp=stamp, changed_at=utcnow()))
    else:
        row.stamp, row.changed_at = stamp, utcnow()
    session.flush()
    return stamp


_lock = threading.Lock()
_cache: dict[tuple[str, DeadlineSettings], Snapshot] = {}
_checked: dict[tuple[str, DeadlineSettings], float] = {}
# How often a process re-reads the stamp. One round trip per job caps a worker at a few hundred
# tickets per second on a busy database server; once a second keeps admin edits visible within
# a second everywhere (and at once in the process that made them, see bump()).
CHECK_SECONDS = 1.0


_databases: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _database(bind: Any) -> str:
    """The bind's URL as text, rendered once per engine (str(url) was a tenth of this call,
    which every routing job makes)."""
    name = _databases.get(bind)
    if name is None:
        name = _databases[bind] = str(bind.url)
    return name


def current(session: Session) -> Snapshot:
    """The snapshot for this database, reloaded only when the stamp changed."""
    config = deadlines()
    key = (_database(session.get_bind()), config)
    cached = _cache.get(key)
    if cached is not None and monotonic() - _checked.get(key, 0.0) < CHECK_SECONDS:
        return cached
    # No autoflush: the stamp is unrelated to the caller's pending ticket, and flushing it here
    # would cost a round trip per job for nothing.
    with session.no_autoflush:
        stamp = session.scalar(select(CatalogueVersion.stamp)
                               .where(CatalogueVersion.name == ROUTING))
    if cached is not None and stamp is not None and cached.stamp == stamp:
        _checked[key] = monotonic()
        return cached
    snapshot = load(session, stamp, config)
    with _lock:
        _cache[key] = snapshot
        _checked[key] = monotonic() if stamp is not None else 0.0
    return snapshot


def forget() -> None:
    """Drop every cached snapshot (tests that empty the tables between cases)."""
    with _lock:
        _cache.clear()
        _checked.clear()


def calendar(session: Session, hours: Any = DEFAULT_HOURS) -> WorkingCalendar:
    overrides = {row.day: DayOverride(row.workday, row.name)
                 for row in session.scalars(select(CalendarDay))}
    years = session.scalars(select(CalendarYear.year)).all()
    return WorkingCalendar(hours=hours, overrides=overrides, loaded_years=years)


def load(session: Session, stamp: str | None, config: DeadlineSettings | None = None) -> Snapshot:
    chosen = config or deadlines()
    units = {
        d.code: Unit(d.id, d.code, d.name, d.active, d.level.value, d.parent_id, d.district,
                     d.duty_phone)
        for d in session.scalars(select(Department))
    }
    by_id = {u.id: u for u in units.values()}
    topics = session.execute(select(Topic.id, Topic.code, Topic.name, Topic.parent_id,
                                    Topic.active)).all()
    code_of = {t.id: t.code for t in topics}
    parents = {t.code: code_of.get(t.parent_id) for t in topics}
    chains = {t.id: topic_chain(t.code, parents) for t in topics}
    rows = session.scalars(select(DispatchRule).where(DispatchRule.active)).all()
    rules, urgency, rule_topic = [], {}, {}
    line_defaults: dict[str, tuple[int, str]] = {}
    for row in rows:
        unit = by_id.get(row.department_id)
        if unit is None or not unit.active:
            continue
        keywords = tuple(w.strip() for w in (row.keywords or "").split(",") if w.strip())
        topic = code_of.get(row.topic_id) if row.topic_id else None
        if row.line and not topic and not keywords and not row.district and not row.street:
            best = line_defaults.get(row.line)
            if best is None or row.priority < best[0]:
                line_defaults[row.line] = (row.priority, unit.code)
            continue
        rules.append(Rule(id=row.id, department=unit.code, priority=row.priority, topic=topic,
                          district=row.district, line=row.line, keywords=keywords,
                          street=row.street))
        urgency[row.id] = row.urgency
        rule_topic[row.id] = row.topic_id
    governments = {u.district: u.code for u in units.values()
                   if u.level == Level.DISTRICT.value and u.code.endswith("-gov") and u.active
                   and u.district}
    places = session.scalars(select(Place).where(Place.active)).all()
    policies = [
        PolicyChoice(row.name, SlaPolicy.from_dict(row.limits()),
                     topic=code_of.get(row.topic_id) if row.topic_id else None,
                     urgency=row.urgency)
        for row in session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.active))
    ]
    planner = Planner(calendar(session, chosen.working_hours),
                      policies=policies or _default_choices(),
                      warn_fraction=chosen.warn_fraction,
                      escalate_after=chosen.escalate_after, topic_chains=chains)
    return Snapshot(
        stamp=stamp, rules=rules, rule_urgency=urgency, rule_topic=rule_topic,
        line_defaults={line: code for line, (_, code) in line_defaults.items()},
        district_governments=governments, units=units, units_by_id=by_id,
        root_topics={t.name: t.id for t in topics if t.parent_id is None and t.active},
        chains=chains, gazetteer=gazetteer_of(places),
        place_names={p.code: p.name for p in places},
        place_points={p.code: p.point for p in places if p.point is not None}, planner=planner,
        risk=risk_rules(session),
    )


def risk_rules(session: Session) -> RiskRules:
    """The active risk rules in their order. The admin form compiles a rule before storing it;
    one that still fails (written around it) is logged and skipped, so one bad row cannot stop
    every intake from being triaged."""
    records = []
    for row in session.scalars(select(RiskRule).where(RiskRule.active).order_by(RiskRule.id)):
        try:
            RiskRules.from_records([row.record()])
        except RuleError as exc:
            log.error("risk rule %s skipped: %s", row.id, exc)
            continue
        records.append(row.record())
    return RiskRules.from_records(records)


def _default_choices() -> list[PolicyChoice]:
    return list(Planner(WorkingCalendar()).policies)


def gazetteer_of(places: list[Place]) -> Gazetteer:
    """Build routing.places.Gazetteer from the `places` rows (districts with their streets,
    streets with their communities)."""
    districts: dict[str, dict[str, Any]] = {}
    streets: dict[str, dict[str, Any]] = {}
    for p in places:
        if p.kind == "district":
            districts[p.code] = {"code": p.code, "name": p.name, "aliases": p.alias_list,
                                 "streets": []}
    for p in places:
        if p.kind == "street" and p.district_code in districts:
            streets[p.code] = {"code": p.code, "name": p.name, "aliases": p.alias_list,
                               "communities": []}
            districts[p.district_code]["streets"].append(streets[p.code])
    for p in places:
        street = streets.get(p.street_code or "")
        if p.kind == "community" and street is not None:
            street["communities"].append({"code": p.code, "name": p.name,
                                          "aliases": p.alias_list})
    return Gazetteer.from_records(districts.values())


def place_words(session: Session) -> tuple[str, ...]:
    """Every district, street and community name and alias, for the classifier's jieba user
    dictionary."""
    return current(session).gazetteer.words()

