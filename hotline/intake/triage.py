"""The routing step: place, topic and catalogue -> the responsible unit, with the reason why.

Works from the per-process `Snapshot` (hotline.catalogue.snapshot), so routing a ticket costs no queries
beyond loading the chosen unit (usually from the session's identity map): the worker reaches
thousands of tickets per second excluding the classifier (bench/deadlines).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifier import risk_model
from hotline.catalogue.snapshot import Snapshot, current
from hotline.classifier_models import registry as model_registry
from hotline.domain import lifecycle
from hotline.domain.events import EventKind
from hotline.domain.lifecycle import SYSTEM
from hotline.intake import incidents
from hotline.models import Department, Ticket, Topic, Urgency
from routing.dispatch import Case, Decision, decide

URGENT_RULES = frozenset({"emergency"})


def locate(snapshot: Snapshot, ticket: Ticket) -> dict[str, Any]:
    """District, street and community from the address and the text (route keeps an explicit
    district)."""
    match = snapshot.gazetteer.find(ticket.content, ticket.address)
    return {"district": match.district_code, "street": match.street_code,
            "community": match.community_code, "matched": match.matched, "field": match.field}


def street_found(snapshot: Snapshot, place: dict[str, Any]) -> dict[str, Any]:
    """What found the street, as the ticket keeps it: the gazetteer entry, the word matched
    (its name or one of its aliases) and where it was written."""
    street = place["street"]
    return {"by": "gazetteer", "entry": street, "word": place["matched"],
            "alias": place["matched"] != snapshot.place_names.get(street),
            "field": place["field"]}


def decide_unit(snap: Snapshot, *, text: str, line: str, district: str | None,
                topic_id: int | None, confident: bool, street: str | None = None) -> Decision:
    """The catalogue's answer for a case: for a ticket being routed, or a call being typed."""
    chain = snap.chains.get(topic_id, ()) if topic_id is not None else ()
    case = Case(text=text, line=line, district=district, topics=chain, confident=confident,
                street=street)
    return decide(snap.rules, case, line_defaults=snap.line_defaults,
                  district_governments=snap.district_governments)


def keyword_rule(decision: Decision) -> int | None:
    """The id of the keyword rule that decided, if one did (it may set urgency and topic)."""
    rule_id = decision.reason.get("rule")
    return rule_id if decision.reason.get("by") == "keyword_rule" else None


def route(session: Session, ticket: Ticket, *, confident: bool, urgent: bool = False,
          snapshot: Snapshot | None = None, hold: bool = False,
          at: datetime | None = None) -> Decision:
    """Decide, set the deadlines, and dispatch when a unit is found; else the manual queue.

    A keyword rule overrides the classifier and may make the ticket urgent (gas leak: 1 h
    dispatch), and so does a risk rule (self-harm, violence: `flag_risk`), so urgency is
    settled before the deadlines are planned. `urgent`: the
    classifier found the text urgent. What they set goes through `lifecycle.triage`. `hold`: an
    agent on the line chooses the outcome, so the deadlines are planned but nothing is
    dispatched here.
    """
    snap = snapshot or current(session)
    place = locate(snap, ticket)
    district = place["district"] if ticket.district is None else None
    # The street is kept when it lies in the ticket's district (an explicit district wins).
    street = place["street"] if place["street"] and (ticket.district or district) == \
        place["district"] else None
    decision = decide_unit(snap, text=ticket.content, line=ticket.line.value,
                           district=ticket.district or district, topic_id=ticket.topic_id,
                           confident=confident, street=street or ticket.street)
    set_by: dict[str, Any] = {"district": "place"} if district else {}
    found = street_found(snap, place) if street else None
    if found:
        set_by["street"] = found
    flag_risk(snap, ticket, at=at)
    urgency = Urgency.URGENT if urgent else None
    if urgent:
        set_by["urgency"] = "classifier"
    topic_id = None
    rule_id = keyword_rule(decision)
    if rule_id is not None:
        if snap.rule_urgency.get(rule_id) in URGENT_RULES:
            urgency, set_by["urgency"] = Urgency.URGENT, {"keyword_rule": rule_id}
        if ticket.topic_id is None and snap.rule_topic.get(rule_id) is not None:
            topic_id, set_by["topic_id"] = snap.rule_topic[rule_id], {"keyword_rule": rule_id}
    community = place["community"] if street else None
    lifecycle.triage(ticket, reason=set_by, urgency=urgency, district=district, street=street,
                     street_found=found, community=community, topic_id=topic_id, at=at)
    if not hold and incidents.propose(session, ticket, at=at):
        return decision  # 合并办理: it follows its master, with no dispatch or clocks of its own
    planned = lifecycle.plan_intake(ticket, snap.planner, at=at)
    if hold:
        return decision
    reason = dict(decision.reason) | {"sla": planned}
    if ticket.model_version:
        reason |= {"model": ticket.model_version, "confidence": ticket.classifier_confidence}
    if place["district"]:
        reason["place"] = place
    if decision.department is None:
        lifecycle.routed_to_people(ticket, reason, at=at)
        return decision
    unit = session.get_one(Department, snap.units[decision.department].id)
    lifecycle.dispatch(ticket, SYSTEM, unit, reason=reason, planner=snap.planner, at=at)
    return decision


_risk_model_file: Path | None = None  # set by the app (keep_risk_model_in); None: fit, keep nothing


def keep_risk_model_in(models: Path) -> None:
    """The models folder this process loads its risk model from (the app sets it at start)."""
    global _risk_model_file
    _risk_model_file = model_registry.risk_model_file(models)


@lru_cache(maxsize=1)
def intake_risk_model() -> risk_model.RiskModel:
    """The risk model (可能有风险), once per process: loaded from the models folder (tens of
    milliseconds), or fitted (one to four seconds) and stored there when the file is missing
    or was fitted on other texts."""
    return risk_model.load_or_fit(_risk_model_file, model_registry.risk_ordinary_texts())


def flag_risk(snap: Snapshot, ticket: Ticket, *, text: str | None = None,
              at: datetime | None = None) -> bool:
    """Risk triage: the snapshot's risk rules on the citizen's words (the ticket's text, or
    `text` they added later) mark the ticket and make it 紧急, at intake before the deadlines
    are planned; an extreme mark alerts the duty supervisor when the caller commits
    (hotline.domain.effects). Where no rule matches, the risk model may still suggest a risk
    (可能有风险, `lifecycle.suggest_risk`: an event with its reason, no mark). Returns whether
    a mark was set or raised."""
    words = ticket.content if text is None else text
    finding = snap.risk.assess(words)
    if finding is None:
        suggestion = intake_risk_model().suggest(words)
        if suggestion is not None:
            lifecycle.suggest_risk(ticket, reason=suggestion.as_dict(), at=at)
        return False
    return lifecycle.mark_risk(ticket, SYSTEM, category=finding.category, level=finding.level,
                               reason={"by": "risk_rule", "rule": finding.rule,
                                       "phrase": finding.phrase}, at=at)


def suggested_unit(session: Session, ticket: Ticket) -> str | None:
    """The unit the manual dispatch form offers first: the catalogue's answer for the topic a
    person set or, failing that, the classifier's topic at whatever confidence it had (a person
    confirms it). A unit that already returned the ticket is not suggested again."""
    snap = current(session)
    topic_id = ticket.topic_id or snap.root_topics.get(ticket.classifier_label or "")
    decision = decide_unit(snap, text=ticket.content, line=ticket.line.value,
                           district=ticket.district, topic_id=topic_id,
                           confident=topic_id is not None, street=ticket.street)
    returned_by = {e.data.get("department") for e in ticket.events if e.kind == EventKind.RETURNED}
    return decision.department if decision.department not in returned_by else None


def suggested_topic(session: Session, ticket: Ticket) -> Topic | None:
    """The topic a ticket takes when it is dispatched on the classifier's suggestion (the unit
    the catalogue chose for the classifier's topic, below the auto-dispatch threshold, accepted
    by a person): the classifier's first-level topic, if the ticket has none yet."""
    if ticket.topic_id is not None or not ticket.classifier_label:
        return None
    topic_id = current(session).root_topics.get(ticket.classifier_label)
    return session.get(Topic, topic_id) if topic_id is not None else None
