"""The agent console (坐席): what the screen suggests while a call is typed, and how it ends.

The suggestion is the same catalogue decision the worker would take (hotline.intake.triage), run
on the text typed so far without a ticket; the call then ends the way the agent chooses — sent
to a unit, answered on the call and closed (直接办结), or left for manual dispatch — through the
life-cycle functions, as the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.request_types import RequestTypeRules
from hotline.catalogue.snapshot import Snapshot, current
from hotline.classifier_models.active import active_model
from hotline.domain import lifecycle
from hotline.domain.content import clean_content, normalise_text
from hotline.domain.errors import DomainError, InvalidInput
from hotline.domain.lifecycle import Actor
from hotline.domain.numbering import canonical
from hotline.domain.phones import normalise_phone
from hotline.intake import incidents
from hotline.intake.accept import Request, accept, parse_line, validated_payload
from hotline.intake.process import HELD_FOR, process_intake
from hotline.intake.repeats import similar_open
from hotline.intake.triage import decide_unit, intake_risk_model, keyword_rule, suggested_topic
from hotline.knowledge.service import get as get_article
from hotline.models import Channel, Department, Ticket, utcnow
from hotline.tickets.actions import guarded

OUTCOMES = ("dispatch", "direct", "manual")
HISTORY = 10
PREVIEW_MAX = 4000


def preview(session: Session, text: str, *, address: str | None = None, line: str = "12345",
            phone: str | None = None, region: str = "CN") -> dict[str, Any]:
    """Suggested topic, unit and urgency for the text typed so far, and similar open tickets."""
    content = normalise_text(text or "")
    if len(content) > PREVIEW_MAX:
        raise InvalidInput(f"内容过长（最多{PREVIEW_MAX}字）/ text longer than {PREVIEW_MAX} "
                           "characters", field="text")
    line_code = parse_line(line).value
    snap = current(session)
    place = snap.gazetteer.find(content, address)
    suggestion = active_model.suggest(session, content) if content else None
    topic_id = snap.root_topics.get(suggestion.label) if suggestion else None
    # The auto-dispatch threshold is for routing without a person; here the agent confirms, so
    # the topic's unit is suggested at whatever confidence the classifier has, and shown so.
    decision = decide_unit(snap, text=content, line=line_code, district=place.district_code,
                           topic_id=topic_id, confident=topic_id is not None,
                           street=place.street_code)
    rule = keyword_rule(decision)
    urgent_rule = rule is not None and snap.rule_urgency.get(rule) == "emergency"
    risk = _risk(snap, content)  # a risk makes the saved ticket 紧急 too (flag_risk)
    return {
        "topic": _topic(snap, suggestion, topic_id),
        "unit": _unit(snap, decision.department, decision.reason.get("by"), suggestion),
        "urgency": {
            "urgent": bool(suggestion and suggestion.urgent) or urgent_rule or risk is not None,
            "rule": (suggestion.urgency_rule if suggestion else None)
                    or (decision.reason.get("keyword") if urgent_rule else None)
                    or (risk["rule"] if risk else None),
        },
        "request_type": _request_type(content) if content else None,
        "risk": risk,
        "risk_hint": _risk_hint(content) if content and risk is None else None,
        "place": {"district": place.district_code,
                  "name": snap.place_names.get(place.street_code or place.district_code or "")},
        "similar": [_match(m) for m in similar_open(
            session, content, phone=_phone_or_none(phone, region),
            district=place.district_code)] if content else [],
        # 合并办理: the topic the saved ticket would get (the classifier's, else the rule's)
        "incident": _incident(session, content, topic_id=topic_id or (
            snap.rule_topic.get(rule) if rule is not None else None),
            street=place.street_code, district=place.district_code),
    }


def _incident(session: Session, content: str, *, topic_id: int | None, street: str | None,
              district: str | None) -> dict[str, Any] | None:
    """The open incident the call may be one more report of, as intake would find it
    (hotline.intake.incidents): its master, how many called, and whether a supervisor has
    confirmed the group, so the agent can attach the call to it."""
    found = incidents.match_open(session, content, topic_id=topic_id, street=street,
                                 district=district, at=utcnow())
    if found is None:
        return None
    ticket, score = found
    master = ticket.incident_master or ticket
    members = master.incident_members
    return {"master": master.number, "size": 1 + len(members), "score": round(score, 3),
            "confirmed": bool(members) and all(m.incident_confirmed for m in members),
            "content": master.content[:120], "status": master.status.value}


def _risk(snap: Snapshot, content: str) -> dict[str, str] | None:
    """What the risk rules see while the agent types (the saved ticket is marked by the same
    rules, hotline.intake.triage.flag_risk): the agent hears of a caller in danger at once."""
    finding = snap.risk.assess(content) if content else None
    return finding.as_dict() if finding else None


def _risk_hint(content: str) -> dict[str, Any] | None:
    """可能有风险: what the risk model suggests where no rule matched (the saved ticket records
    the same hint, hotline.intake.triage.flag_risk), for the agent to weigh; no alert."""
    hint = intake_risk_model().suggest(content)
    return hint.as_dict() if hint else None


def _request_type(content: str) -> dict[str, Any]:
    """咨询/求助/投诉/… from the cue words (classifier.request_types), with the words that
    decided, so the agent sees why (none: the fallback, 投诉), and how often a guess like it
    was right: the console preselects only a ``confident`` one and shows the others as a
    hint."""
    guess = RequestTypeRules.default().guess(content)
    return {"code": guess.code, "label": guess.label, "cues": list(guess.cues),
            "confidence": guess.confidence, "confident": guess.confident}


def _topic(snap: Snapshot, suggestion: Any, topic_id: int | None) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    return {"name": suggestion.label,
            "code": snap.chains[topic_id][0] if topic_id is not None else None,
            "confidence": round(suggestion.confidence, 3), "confident": suggestion.confident,
            # the auto-dispatch threshold, so the console says why it asks for a person
            "threshold": round(suggestion.threshold, 3),
            "alternatives": [{"name": name, "confidence": round(p, 3)}
                             for name, p in suggestion.top[1:]]}


def _unit(snap: Snapshot, code: str | None, by: str | None,
          suggestion: Any) -> dict[str, Any] | None:
    if code is None:
        return {"code": None, "name": None, "by": "manual", "confidence": None}
    # Only a topic rule inherits the classifier's doubt; the other rules are certain matches.
    confidence = round(suggestion.confidence, 3) if by == "topic_rule" and suggestion else 1.0
    return {"code": code, "name": snap.units[code].name, "by": by, "confidence": confidence}


def _match(m: Any) -> dict[str, Any]:
    return {"number": m.number, "content": m.content[:120], "status": m.status,
            "similarity": round(m.text, 3), "same_caller": m.same_caller,
            "same_place": m.same_place, "created_at": m.created_at.isoformat()}


def _phone_or_none(phone: str | None, region: str) -> str | None:
    try:
        return normalise_phone(phone, region) if phone else None
    except InvalidInput:
        return None  # a half-typed number narrows nothing; the history panel says why


def history(session: Session, phone: str, region: str = "CN") -> list[Ticket]:
    """The caller's latest tickets, newest first (indexed on phone, created_at)."""
    number = normalise_phone(phone, region)
    return list(session.scalars(select(Ticket).where(Ticket.phone == number)
                                .order_by(Ticket.created_at.desc()).limit(HISTORY)))


@dataclass(frozen=True)
class Call:
    """A call as the agent typed it, and how the agent wants it to end."""

    phone: str
    line: str
    request_type: str
    content: str
    name: str | None = None
    address: str | None = None
    outcome: str = "manual"
    unit: str | None = None
    suggested_unit: str | None = None
    answer: str | None = None
    article_id: int | None = None
    repeat_of: str | None = None
    incident_master: str | None = None  # 合并办理: the call joins this master's group


@dataclass(frozen=True)
class Plan:
    """What `Call` resolves to once checked, before anything is written."""

    unit: Department | None
    answer: str | None
    article: dict[str, Any] | None
    original: Ticket | None
    master: Ticket | None = None


def _request(call: Call) -> Request:
    return Request(channel=Channel.PHONE, line=call.line, content=call.content,
                   request_type=call.request_type, phone=call.phone, name=call.name,
                   address=call.address, extra={HELD_FOR: "agent"})


def check(session: Session, call: Call, region: str = "CN") -> Plan:
    """Refuse a call that is incomplete or whose outcome cannot be carried out, before the
    ticket exists (the caller's details first: that is where the agent's eyes are)."""
    parse_line(call.line)
    validated_payload(_request(call), region)
    if call.outcome not in OUTCOMES:
        raise InvalidInput(f"未知处理方式 / unknown outcome: {call.outcome}", field="outcome")
    unit = answer = article = original = None
    if call.outcome == "dispatch":
        unit = session.scalars(select(Department).where(Department.code == (call.unit or ""))) \
            .one_or_none()
        if unit is None or not unit.active:
            raise InvalidInput("请选择有效的承办单位 / choose an active unit", field="unit")
    if call.outcome == "direct":
        answer = clean_content(call.answer, "answer")
        if call.article_id is not None:
            found = get_article(session, call.article_id)
            article = {"article": found.id, "title": found.title}
    if call.repeat_of:
        key = canonical(call.repeat_of)
        original = session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none() \
            if key else None
        if original is None:
            raise InvalidInput(f"工单 {call.repeat_of} 不存在 / ticket not found",
                               field="repeat_of")
    return Plan(unit, answer, article, original, _master(session, call.incident_master))


def _master(session: Session, number: str | None) -> Ticket | None:
    """The master of the group the agent attached the call to (a member's number names its
    master's group), checked before the ticket exists."""
    if not number:
        return None
    key = canonical(number)
    found = session.scalars(select(Ticket).where(Ticket.number == key)).one_or_none() \
        if key else None
    if found is None:
        raise InvalidInput(f"工单 {number} 不存在 / ticket not found", field="incident_master")
    return found.incident_master or found


def log_call(session: Session, actor: Actor, call: Call, *,
             region: str = "CN") -> tuple[Ticket, DomainError | None]:
    """Create the ticket (committed first, so a failing outcome never loses the call), then
    carry out the agent's outcome. An outcome refused by the life cycle (a race, say) is
    returned rather than raised: the ticket then waits for manual dispatch and the caller shows
    the reason on the ticket's page."""
    plan = check(session, call, region)
    intake, _created = accept(session, _request(call), region=region)
    with guarded(session):
        number = process_intake(session, intake.id)
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    try:
        with guarded(session):
            finish(session, ticket, actor, call, plan)
    except DomainError as exc:
        session.rollback()
        return ticket, exc
    return ticket, None


def finish(session: Session, ticket: Ticket, actor: Actor, call: Call, plan: Plan) -> None:
    """The agent's outcome, through the life cycle. A call attached to an incident group
    follows its master instead (proposed, for a supervisor to confirm): no outcome of its own."""
    if plan.original is not None:
        lifecycle.link_repeat(ticket, plan.original, actor, reason="agent linked on the call")
    if plan.master is not None:
        lifecycle.propose_incident_member(ticket, plan.master, None, actor=actor)
        return
    if call.outcome == "dispatch" and plan.unit is not None:
        followed = call.suggested_unit == plan.unit.code
        lifecycle.dispatch(ticket, actor, plan.unit, planner=current(session).planner,
                           reason={"by": "agent", "user": actor.label,
                                   "suggested": call.suggested_unit or None,
                                   "followed_suggestion": followed},
                           topic=suggested_topic(session, ticket) if followed else None)
    elif call.outcome == "direct":
        lifecycle.close(ticket, actor, note=plan.answer, direct=True, data=plan.article)
    else:
        lifecycle.routed_to_people(ticket, {"by": "agent", "user": actor.label})
