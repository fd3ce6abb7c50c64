"""The ticket-action table (hotline.tickets.catalogue) is complete and tells the truth, without a
database: every entry has a label, a permission some post holds, a schema and a life-cycle
function; its status set is exactly where that function accepts the action; and the API routes,
the ticket page's forms and buttons and the form parsing all come from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict

from hotline.domain import lifecycle
from hotline.domain.deadlines import Planner
from hotline.domain.errors import DomainError, IllegalTransition, InvalidInput
from hotline.domain.roles import GRANTS, Permission, allows
from hotline.models import (
    Channel,
    Department,
    Level,
    Line,
    RequestType,
    Role,
    Status,
    Ticket,
    Topic,
    Urgency,
    User,
)
from hotline.tickets import catalogue
from hotline.tickets.catalogue import ACTIONS, BY_NAME, TicketAction
from hotline.workbench import workflow_views
from hotline.workbench.workflow_views import form_arguments, offers
from routing.calendar import WorkingCalendar

TEMPLATES = Path(catalogue.__file__).parent / "templates"
TICKET_PAGE = TEMPLATES / "tickets" / "_workflow.html"
# The dashboard's approval forms post to the same route.
DASHBOARD = Path(workflow_views.__file__).parent / "templates" / "work" / "supervise.html"
UNIT = Department(id=1, code="zjj", name="住建局", level=Level.CITY, active=True)
PLANNER = Planner(WorkingCalendar())
BELOW = Department(id=2, code="zjj-1", name="住建局一科", level=Level.CITY, active=True, parent=UNIT)
REFUSED_BY_STATE = "工单状态为"  # lifecycle._require's 409, as opposed to other refusals
# Arguments a life-cycle function accepts; close has two forms (直接办结 takes `direct`).
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "dispatch": [{"department": UNIT, "reason": {"by": "person"}}],
    "sign": [{}],
    "return": [{"reason_code": "not_our_duty", "reason": "非本单位职责"}],
    "extend": [{"days": 3, "reason": "需现场勘查"}],
    "decide-extension": [{"approve": True}],
    "reply": [{"answer": "已处理"}],
    "sign-reply": [{"answer": "已处理"}],
    "review-reply": [{"accept": True}],
    "urge": [{"note": "请加快", "due": datetime.now(UTC) + timedelta(days=1)}],
    "close": [{}, {"direct": True}],
    "reopen": [{"reason": "市民不满意"}],
    "assist-reply": [{"answer": "已配合"}],
    "waive-assist": [{"department_code": "zjj", "reason": "无需协办"}],
    "set-topic": [{"topic": Topic(code="0101", name="路灯", active=True)}],
    # casework (issue 17)
    "note": [{"text": "已联系物业", "public": False}],
    "contact": [{"method": "phone"}],
    "suspend": [{"reason": "等待市民补充材料"}],
    "decide-suspension": [{"approve": True}],
    "resume": [{"planner": PLANNER}],
    "appeal": [{"kind": "duplicate", "reason": "与另一件重复"}],
    "decide-appeal": [{"approve": True}],
    "forward": [{"department": BELOW}],
    "forward-sign": [{}],
    "forward-reply": [{"answer": "已处理"}],
    "forward-return": [{"reason": "不属本单位"}],
    "forward-review": [{"accept": True}],
    "assign": [{"handler": User(id=2, username="zjj-wang", role=Role.UNIT_STAFF,
                                department_id=UNIT.id, active=True)}],
    "hand-off": [{"to": "110", "note": "来电人称有人持刀"}],
    "mark-risk": [{"category": "self_harm", "level": "extreme", "note": "来电人情绪低落"}],
}


def actor_for(action: TicketAction) -> lifecycle.Actor:
    """Someone whose post may do the action (of the lead unit, for unit posts)."""
    role = next(r for r in Role if allows(r, action.permission))
    unit = UNIT.id if role in lifecycle.UNIT_ROLES else None
    return lifecycle.Actor(role.value, role, 1, unit)


def ticket(status: Status) -> Ticket:
    t = Ticket(number="20260930-000001", line=Line.L12345, channel=Channel.WEB,
               request_type=RequestType.COMPLAINT, content="路灯不亮", status=status,
               urgency=Urgency.NORMAL, phone="+8613800000000")
    t.department = UNIT
    return t


def accepts_in(action: TicketAction, status: Status) -> bool:
    """Whether the life-cycle function lets the action through its state check in `status`
    (it may still refuse the post or a value: that is not about the state)."""
    for kwargs in SAMPLES[action.name]:
        try:
            action.function(ticket(status), actor_for(action), **kwargs)
        except IllegalTransition as exc:
            if REFUSED_BY_STATE not in exc.message:
                return True
        except DomainError:
            return True
        else:
            return True
    return False


def names_in(template: Path, pattern: str) -> set[str]:
    """The names in the template and in the macros it imports (a form may live in a macro
    another page shares, as the 110/120 hand-off does with the console)."""
    text = template.read_text(encoding="utf-8")
    for imported in re.findall(r'\{%\s*from\s+"(tickets/[^"]+)"\s+import', text):
        text += (TEMPLATES / imported).read_text(encoding="utf-8")
    return set(re.findall(pattern, text))


# --- complete --------------------------------------------------------------------------------


def test_names_are_unique_url_segments() -> None:
    assert len(BY_NAME) == len(ACTIONS)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", name) for name in BY_NAME)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_every_action_is_complete(action: TicketAction) -> None:
    assert re.search(r"[\u4e00-\u9fff]", action.label)  # a Chinese msgid
    assert isinstance(action.permission, Permission)
    assert any(action.permission in granted for granted in GRANTS.values())
    assert action.states and action.states <= set(Status)
    assert issubclass(action.schema, Schema)
    assert action.summary.strip()
    assert getattr(lifecycle, action.function.__name__) is action.function


def test_every_action_has_samples_here() -> None:
    assert set(SAMPLES) == set(BY_NAME)


def test_whole_number_fields_name_themselves_for_the_form() -> None:
    for action in ACTIONS:
        for field in action.schema().fields.values():
            if isinstance(field, fields.Integer):
                assert field.metadata.get("label"), action.name


# --- truthful ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_states_are_where_the_life_cycle_accepts_the_action(action: TicketAction) -> None:
    accepted = {status for status in Status if accepts_in(action, status)}
    assert accepted == action.states


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_a_button_is_offered_where_the_action_applies_to_a_post_that_may(
        action: TicketAction) -> None:
    for status in Status:
        for role in Role:
            expected = status in action.states and allows(role, action.permission)
            assert offers(action, ticket(status), role) == expected, (status, role)


# --- everything else comes from it -------------------------------------------------------------


def test_api_routes_come_from_the_table() -> None:
    from hotline.api.actions import blp

    app = Flask(__name__)
    app.register_blueprint(blp)
    routes = {rule.rule.rsplit("/", 1)[1]: rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith(f"{blp.name}.")}
    assert set(routes) == set(BY_NAME)
    for name, rule in routes.items():
        assert rule.methods is not None and "POST" in rule.methods
        assert app.view_functions[rule.endpoint].permission == BY_NAME[name].permission


def test_ticket_page_forms_and_buttons_come_from_the_table() -> None:
    posted = (names_in(TICKET_PAGE, r"form\('([a-z-]+)'")
              | names_in(TICKET_PAGE, r"action='([a-z-]+)'"))
    gated = names_in(TICKET_PAGE, r"w\.offers\('([a-z-]+)'\)")
    asked = names_in(TICKET_PAGE, r"w\.applies\('([a-z-]+)'\)")
    assert posted == gated == set(BY_NAME)  # every action has its form, offered by the table
    assert asked <= set(BY_NAME)


def test_dashboard_forms_are_actions_of_the_table() -> None:
    posted = names_in(DASHBOARD, r"act_form\(number, '([a-z-]+)'")
    assert posted and posted <= set(BY_NAME)


def test_the_form_is_read_by_the_actions_schema() -> None:
    form = MultiDict([("unit", "zjj"), ("assisting", "a1-gov"), ("assisting", ""),
                      ("assisting", "cgj"), ("note", "请办理"), ("csrf_token", "x"),
                      ("form", "dispatch"), ("next", "/supervise")])
    assert form_arguments(BY_NAME["dispatch"], form) == {
        "unit": "zjj", "assisting": ["a1-gov", "cgj"], "note": "请办理"}
    assert form_arguments(BY_NAME["decide-extension"], MultiDict({"approve": "0"})) == {
        "approve": False}
    assert form_arguments(BY_NAME["review-reply"], MultiDict({"accept": "1"})) == {"accept": True}
    assert form_arguments(BY_NAME["extend"], MultiDict({"days": "5", "reason": "x"})) == {
        "days": 5, "reason": "x"}
    with pytest.raises(InvalidInput) as err:
        form_arguments(BY_NAME["extend"], MultiDict({"days": "三"}))
    assert err.value.field == "days"
    assert err.value.message == "延期天数须为整数 / days must be a whole number"


def test_only_actions_that_carry_files_take_uploads() -> None:
    from hotline.workbench.views import UPLOAD_PATHS

    assert {a.name for a in ACTIONS if a.files} == {"reply"}
    assert "/act/reply" in UPLOAD_PATHS
