"""Loading the project's seed data (hotline/seed/*.json) and the demo city into the database.

Reference data (topics, units, dispatch rules) is upserted by code, so running it twice changes
nothing; demo tickets are only added to an empty database. Nothing here commits: the caller
(`flask up`, a bench, the test fixtures) ends with the unit of work.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.risk import default_records as default_risk_records
from classifier.surges import SHIPPED as SHIPPED_SURGE_RULES
from hotline.catalogue import snapshot
from hotline.identity.auth import hash_password
from hotline.models import (
    CityMap,
    Department,
    DispatchRule,
    DutySupervisor,
    Level,
    Place,
    RiskRule,
    Role,
    SlaPolicyRow,
    SurgeRuleRow,
    Ticket,
    Topic,
    User,
)
from routing.sla import load_default_policies

SEED_DIR = Path(__file__).parent


def read_json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def corpus_rows() -> Iterator[dict[str, str]]:
    with (SEED_DIR / "corpus.csv").open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _by_code(session: Session, model: type[Any]) -> dict[str, Any]:
    return {row.code: row for row in session.scalars(select(model))}


def load_topics(session: Session) -> dict[str, Topic]:
    topics = _by_code(session, Topic)
    for first in read_json("topics.json"):
        parent = topics.get(first["code"]) or Topic(code=first["code"])
        parent.name, parent.name_en = first["name"], first.get("name_en", "")
        session.add(parent)
        topics[parent.code] = parent
        for child in first.get("children", []):
            topic = topics.get(child["code"]) or Topic(code=child["code"])
            topic.name, topic.name_en, topic.parent = child["name"], child.get("name_en", ""), parent
            session.add(topic)
            topics[topic.code] = topic
    session.flush()
    return topics


def load_departments(session: Session) -> dict[str, Department]:
    depts = _by_code(session, Department)
    for row in read_json("city.json")["departments"]:
        dept = depts.get(row["code"]) or Department(code=row["code"])
        dept.name, dept.level = row["name"], Level(row["level"])
        dept.district, dept.duty_phone = row.get("district"), row.get("duty_phone")
        depts[dept.code] = dept
        session.add(dept)
    for row in read_json("city.json")["departments"]:
        depts[row["code"]].parent = depts.get(row["parent"]) if row.get("parent") else None
    session.flush()
    return depts


def load_dispatch_rules(session: Session, topics: dict[str, Topic], depts: dict[str, Department]) -> None:
    """Replace the catalogue only when it is empty: administrators own it afterwards."""
    if session.scalar(select(func.count(DispatchRule.id))):
        return
    data = read_json("dispatch.json")
    for rule in data["rules"]:
        session.add(DispatchRule(topic=topics.get(rule.get("topic") or ""), district=rule.get("district"),
                                 line=rule.get("line"), department=depts[rule["department"]],
                                 priority=rule.get("priority", 100), note=rule.get("note")))
    for line, code in data.get("line_defaults", {}).items():
        session.add(DispatchRule(line=line, department=depts[code], priority=10, note="line default"))
    for rule in data.get("street_rules", []):
        session.add(DispatchRule(street=rule["street"], district=rule.get("district"),
                                 topic=topics.get(rule.get("topic") or ""), line=rule.get("line"),
                                 department=depts[rule["department"]],
                                 priority=rule["priority"], note=rule.get("note")))
    for rule in data.get("keyword_rules", []):
        session.add(DispatchRule(keywords=",".join(rule["keywords"]), department=depts[rule["department"]],
                                 topic=topics.get(rule.get("topic") or ""),
                                 priority=rule.get("priority", 1000), note=rule.get("note"),
                                 urgency=rule.get("urgency")))
    session.flush()


def load_places(session: Session) -> None:
    """The gazetteer (districts, streets, their communities, aliases) from city.json, upserted
    by code; a place's point only while it has none, since administrators move points (the
    city's own survey)."""
    places = _by_code(session, Place)
    for district in read_json("city.json")["districts"]:
        rows = [(district, "district", None)]
        for street in district.get("streets", []):
            rows += [(street, "street", None)] + [
                (community, "community", street["code"])
                for community in street.get("communities", [])]
        for record, kind, street_code in rows:
            place = places.get(record["code"]) or Place(code=record["code"])
            place.name, place.kind, place.district_code = record["name"], kind, district["code"]
            place.street_code = street_code
            place.aliases = ",".join(record.get("aliases", []))
            if place.point is None:
                place.lat, place.lng = record.get("lat"), record.get("lng")
            session.add(place)
    session.flush()


def load_city_map(session: Session) -> None:
    """The demo city's invented boundaries (city.geojson), only while no map was uploaded."""
    if session.scalar(select(func.count(CityMap.id))):
        return
    doc = read_json("city.geojson")
    session.add(CityMap(geojson=doc, features=len(doc["features"]), uploaded_by="system",
                        note="hotline/seed/city.geojson"))
    session.flush()


# Shipped policies and what they apply to: emergencies by urgency, utilities by their topic,
# 房屋征收 as the demo's complex topic; extreme weather is a template an admin switches on.
SLA_TARGETS = {
    "general": {},
    "emergency": {"urgency": "urgent"},
    "utilities": {"topic": "cxjs-sdq"},
    "complex": {"topic": "cxjs-fwzs"},
    "extreme_weather": {"active": False},
}


def load_sla_policies(session: Session, topics: dict[str, Topic]) -> None:
    """Seed the SLA table from routing/default_sla.json only when it is empty."""
    if session.scalar(select(func.count(SlaPolicyRow.id))):
        return
    for name, policy in load_default_policies().items():
        target = SLA_TARGETS.get(name, {"active": False})
        limits = policy.to_dict()
        session.add(SlaPolicyRow(
            name=name, topic=topics.get(target.get("topic") or ""), urgency=target.get("urgency"),
            active=target.get("active", True), note="routing/default_sla.json",
            **{f"{step}_{part}": limits[step][part] for step in limits for part in ("amount", "unit")}))
    session.flush()


def load_risk_rules(session: Session) -> None:
    """Seed the risk rules from classifier/risk_rules.json only when the table is empty: the
    administrators own them afterwards (issue 19)."""
    if session.scalar(select(func.count(RiskRule.id))):
        return
    for record in default_risk_records():
        session.add(RiskRule(name=record["name"], category=record["category"],
                             level=record["level"], kind=record.get("kind", "keyword"),
                             pattern=record["pattern"], negatable=record.get("negatable", True),
                             active=record.get("enabled", True),
                             note="classifier/risk_rules.json"))
    session.flush()


def load_surge_rules(session: Session) -> None:
    """Seed each surge window's rule with the shipped one when the table is empty: the
    administrators own them afterwards (issue 18)."""
    if session.scalar(select(func.count(SurgeRuleRow.id))):
        return
    for window, rule in SHIPPED_SURGE_RULES.items():
        session.add(SurgeRuleRow(window=window, method=rule.method, threshold=rule.threshold,
                                 min_count=rule.min_count, min_ratio=rule.min_ratio,
                                 floor=rule.floor, note="classifier/surges.py"))
    session.flush()


def load_reference(session: Session) -> None:
    """Topics, units, dispatch rules, places and the city map, SLA policies, risk and surge
    rules, then a new catalogue version."""
    topics = load_topics(session)
    depts = load_departments(session)
    load_dispatch_rules(session, topics, depts)
    load_places(session)
    load_city_map(session)
    load_sla_policies(session, topics)
    load_risk_rules(session)
    load_surge_rules(session)
    snapshot.bump(session)


STAFF = (("admin", "系统管理员", Role.ADMIN), ("agent", "坐席员", Role.AGENT),
         ("supervisor", "督办员", Role.SUPERVISOR))


def ensure_users(session: Session, password: str) -> int:
    """The demo accounts, plus per department a staff account named by its code and a lead
    account `<code>-lead` (who receives overdue notices)."""
    existing = set(session.scalars(select(User.username)))
    hashed = hash_password(password)
    wanted = [(u, n, r, None) for u, n, r in STAFF]
    for d in session.scalars(select(Department).order_by(Department.id)):
        wanted += [(d.code, d.name, Role.UNIT_STAFF, d.id),
                   (f"{d.code}-lead", f"{d.name}负责人", Role.UNIT_LEAD, d.id)]
    added = 0
    for username, name, role, dept_id in wanted:
        if username not in existing:
            session.add(User(username=username, display_name=name, role=role,
                             department_id=dept_id, password_hash=hashed))
            added += 1
    return added


# The demo's duty supervisor (值班督办): the extreme-risk SMS go to this (fictitious) mobile.
DEMO_DUTY = ("督办员（演示值班）", "+8613800000099")


def ensure_duty_roster(session: Session) -> None:
    """A duty supervisor on the demo roster when it is empty, so an extreme-risk ticket in the
    demo shows its SMS in the outbox; administrators keep the real roster (/admin/duty)."""
    if session.scalar(select(func.count(DutySupervisor.id))):
        return
    session.add(DutySupervisor(name=DEMO_DUTY[0], phone=DEMO_DUTY[1], note="demo"))
    session.flush()


def has_tickets(session: Session) -> bool:
    return session.scalar(select(func.count(Ticket.id))) != 0
