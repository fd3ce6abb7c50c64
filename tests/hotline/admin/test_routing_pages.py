"""The routing table, topics, SLA policies, the calendar and hotline numbers through the admin
pages: invalid input answered with the form and a message, each change audited, and the next
ticket (or call) following the edit."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.models import CalendarDay, DispatchRule, Line, LineNumber, SlaPolicyRow, Topic
from hotline.twilio.voice import greeting
from hotline.twilio.webhook import dialled_line
from tests.conftest import ChangeSettings
from tests.hotline.admin.helpers import entries, field_error, last, post, sign_in
from tests.hotline.tickets.helpers import new_ticket

RULE = {"keywords": "渣土车", "department": "cgj", "priority": "950", "active": "1"}


def test_dispatch_rule_edits_route_the_next_ticket(app: Flask, reference: None,
                                                   client: FlaskClient) -> None:
    sign_in(client, "admin")
    form = client.get("/admin/rules/new").get_data(as_text=True)
    assert 'name="department"' in form and "A市城市管理局（cgj）" in form  # units by name

    unknown = post(client, "/admin/rules/new", {**RULE, "department": "nope"})
    assert unknown.status_code == 400 and "未知单位" in field_error(unknown, "department")
    assert 'value="渣土车"' in unknown.get_data(as_text=True)  # what was typed stays
    not_number = post(client, "/admin/rules/new", {**RULE, "priority": "high"})
    assert not_number.status_code == 400 and "整数" in field_error(not_number, "priority")
    matches_all = post(client, "/admin/rules/new", {"department": "cgj"})
    assert matches_all.status_code == 400 and field_error(matches_all, "topic")
    assert entries("rules") == []

    assert post(client, "/admin/rules/new", {**RULE, "keywords": "渣土车，抛洒"}).status_code == 302
    rule = db.session.scalars(select(DispatchRule).where(DispatchRule.keywords == "渣土车,抛洒")).one()
    assert rule.keywords == "渣土车,抛洒"
    entry = last("rules")
    assert (entry.username, entry.action, entry.before, entry.after["keywords"]) == \
        ("admin", "create", None, "渣土车,抛洒")
    assert new_ticket("渣土车半夜抛洒泥土").department.code == "cgj"
    found = client.get("/admin/rules?q=渣土车 城市管理").get_data(as_text=True)
    assert "渣土车,抛洒" in found and 'class="count">1<' in found
    first_page = client.get("/admin/rules").get_data(as_text=True)
    assert "下一页" in first_page  # the seed catalogue has more rules than one page
    assert client.get("/admin/rules?page=2").status_code == 200

    assert post(client, f"/admin/rules/{rule.id}", {**RULE, "department": "sthjj"}).status_code == 302
    entry = last("rules")
    assert (entry.action, entry.before["department"], entry.after["department"]) == \
        ("update", "cgj", "sthjj")
    assert new_ticket("渣土车又来抛洒了").department.code == "sthjj"

    assert post(client, f"/admin/rules/{rule.id}", {"_action": "deactivate"}).status_code == 302
    assert last("rules").action == "deactivate"
    third = new_ticket("渣土车第三次抛洒")  # no rule now: classifier or the manual queue
    assert third.department is None or third.department.code != "sthjj"
    assert post(client, f"/admin/rules/{rule.id}", {"_action": "delete"}).status_code == 302
    assert db.session.get(DispatchRule, rule.id) is None
    assert last("rules").action == "delete" and last("rules").after is None


def test_topics_tree(app: Flask, reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    root = db.session.scalars(select(Topic).where(Topic.parent_id.is_(None))).first()
    assert root is not None
    taken = post(client, "/admin/topics/new", {"code": root.code, "name": "重复"})
    assert taken.status_code == 400 and field_error(taken, "code")
    ok = post(client, "/admin/topics/new", {"code": "zt-test", "name": "渣土运输", "name_en": "Muck",
                                            "parent": root.code, "active": "1"})
    assert ok.status_code == 302
    child = db.session.scalars(select(Topic).where(Topic.code == "zt-test")).one()
    assert child.parent_id == root.id and last("topics").after["parent"] == root.code
    cycle = post(client, f"/admin/topics/{root.id}", {"code": root.code, "name": root.name,
                                                      "parent": "zt-test", "active": "1"})
    assert cycle.status_code == 400 and field_error(cycle, "parent")
    snapshot.forget()
    assert snapshot.current(db.session).chains[child.id] == ("zt-test", root.code)


def test_sla_policies(app: Flask, reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    form = {"name": "渣土两小时", "urgency": "urgent", "dispatch_amount": "1",
            "dispatch_unit": "calendar_hours", "sign_amount": "1", "sign_unit": "calendar_hours",
            "reply_amount": "2", "reply_unit": "calendar_hours", "active": "1"}
    bad_unit = post(client, "/admin/sla/new", {**form, "reply_unit": "fortnights"})
    assert bad_unit.status_code == 400 and field_error(bad_unit, "reply_unit")
    negative = post(client, "/admin/sla/new", {**form, "sign_amount": "-3"})
    assert negative.status_code == 400 and field_error(negative, "sign_amount")
    no_name = post(client, "/admin/sla/new", {**form, "name": " "})
    assert field_error(no_name, "name") == "必填"
    assert post(client, "/admin/sla/new", form).status_code == 302
    row = db.session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.name == "渣土两小时")).one()
    assert post(client, f"/admin/sla/{row.id}", {**form, "reply_amount": "3"}).status_code == 302
    entry = last("sla")
    assert (entry.before["reply_amount"], entry.after["reply_amount"]) == (2.0, 3.0)
    unchanged = len(entries("sla"))
    post(client, f"/admin/sla/{row.id}", {**form, "reply_amount": "3"})
    assert len(entries("sla")) == unchanged  # saving without a change writes no entry


def test_calendar_overrides_and_years(app: Flask, reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    bad_day = post(client, "/admin/days/new", {"day": "2026-13-01"})
    assert bad_day.status_code == 400 and "YYYY-MM-DD" in field_error(bad_day, "day")
    ok = post(client, "/admin/days/new", {"day": "2026-12-12", "name": "台风停工"})
    assert ok.status_code == 302
    assert not snapshot.current(db.session).planner.calendar.is_workday(date(2026, 12, 12))
    again = post(client, "/admin/days/new", {"day": "2026-12-12", "workday": "1"})
    assert again.status_code == 400 and field_error(again, "day")
    row = db.session.scalars(select(CalendarDay)).one()
    made_up = post(client, f"/admin/days/{row.id}", {"day": "2026-12-12", "workday": "1",
                                                    "name": "调休上班"})
    assert made_up.status_code == 302 and last("days").after["workday"] is True
    assert snapshot.current(db.session).planner.calendar.is_workday(date(2026, 12, 12))
    assert post(client, "/admin/years/new", {"year": "1999"}).status_code == 400
    assert post(client, "/admin/years/new", {"year": "2027"}).status_code == 302
    assert last("years").after == {"id": 2027, "year": 2027, "note": ""}


def test_line_numbers_decide_the_line_and_greeting(app: Flask, reference: None,
                                                   client: FlaskClient,
                                                   settings: ChangeSettings) -> None:
    sign_in(client, "admin")
    seed = settings(twilio={"line_numbers": {"+8657112345": "12345"}}).twilio.line_numbers
    assert dialled_line("+8657112345", seed) == Line.L12345  # config seeds a number without a row
    listing = client.get("/admin/lines").get_data(as_text=True)
    assert "+8657112345" in listing and "/admin/lines/new?number=%2B8657112345&amp;line=12345" \
        in listing  # offered for taking over, the form filled in
    bad = post(client, "/admin/lines/new", {"number": "abc", "line": "12319"})
    assert bad.status_code == 400 and field_error(bad, "number")
    no_line = post(client, "/admin/lines/new", {"number": "057112319"})
    assert no_line.status_code == 400 and field_error(no_line, "line")
    ok = post(client, "/admin/lines/new", {"number": "0571 12319", "line": "12319", "active": "1",
                                           "greeting": "您好，这里是城建服务热线，请留言。"})
    assert ok.status_code == 302
    row = db.session.scalars(select(LineNumber)).one()
    assert row.number == "+8657112319" and last("lines").after["line"] == "12319"
    assert dialled_line("+8657112319", seed) == Line.L12319
    assert greeting(Line.L12319, "+8657112319") == "您好，这里是城建服务热线，请留言。"
    assert greeting(Line.L12319).startswith("您好")  # another number: the line's default

    # the row overrides the config, and a deactivated number is no longer answered as a line
    taken_over = post(client, "/admin/lines/new", {"number": "+8657112345", "line": "12315",
                                                   "active": "1"})
    assert taken_over.status_code == 302 and dialled_line("+8657112345", seed) == Line.L12315
    assert post(client, f"/admin/lines/{row.id}", {"_action": "deactivate"}).status_code == 302
    db.session.expire_all()
    assert dialled_line("+8657112319", seed) is None


def test_the_first_contact_limit_is_policy_data(app: Flask, reference: None,
                                                client: FlaskClient) -> None:
    """先行联系 (issue 17): each policy's contact limit is edited with its other limits, audited,
    and left empty it stays at the default of two working hours."""
    sign_in(client, "admin")
    form = {"name": "联系一小时", "dispatch_amount": "24", "dispatch_unit": "calendar_hours",
            "sign_amount": "2", "sign_unit": "working_hours", "reply_amount": "7",
            "reply_unit": "working_days", "active": "1"}
    assert post(client, "/admin/sla/new", form).status_code == 302
    row = db.session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.name == "联系一小时")).one()
    assert (row.contact_amount, row.contact_unit) == (2, "working_hours")
    bad = post(client, f"/admin/sla/{row.id}", {**form, "contact_amount": "1",
                                                "contact_unit": "fortnights"})
    assert bad.status_code == 400 and field_error(bad, "contact_unit")
    assert post(client, f"/admin/sla/{row.id}", {**form, "contact_amount": "1",
                                                 "contact_unit": "calendar_hours"}).status_code == 302
    assert (last("sla").before["contact_amount"], last("sla").after["contact_amount"]) == (2.0, 1.0)
    snapshot.forget()
    policy = next(c.policy for c in snapshot.current(db.session).planner.policies
                  if c.name == "联系一小时")
    assert policy.contact.amount == 1 and policy.contact.unit.value == "calendar_hours"
def test_a_rule_on_a_street_routes_its_tickets_to_the_street(app: Flask, reference: None,
                                                           client: FlaskClient) -> None:
    sign_in(client, "admin")
    form = client.get("/admin/rules/new").get_data(as_text=True)
    assert 'name="street"' in form and "A2区 金沙街道（a2-s3）" in form
    street_rule = {"street": "a2-s3", "line": "12345", "department": "a2-s3", "priority": "260",
                   "active": "1", "note": "直派街乡：金沙街道"}
    unknown = post(client, "/admin/rules/new", {**street_rule, "street": "a2-s9"})
    assert unknown.status_code == 400 and "未知街道" in field_error(unknown, "street")
    elsewhere = post(client, "/admin/rules/new", {**street_rule, "district": "a1"})
    assert elsewhere.status_code == 400 and "a1" in field_error(elsewhere, "street")
    assert new_ticket("金沙湾小区门口路灯不亮").status.value == "pending_dispatch"  # before

    assert post(client, "/admin/rules/new", street_rule).status_code == 302
    assert last("rules").after["street"] == "a2-s3"
    t = new_ticket("金沙湾小区门口路灯不亮")
    assert t.department.code == "a2-s3" and t.street == "a2-s3"
    listing = client.get("/admin/rules?q=金沙街道").get_data(as_text=True)
    assert "A2区 金沙街道（a2-s3）" in listing and 'class="count">1<' in listing
