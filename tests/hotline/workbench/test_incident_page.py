"""合并办理 for supervisors on a page (issue 18): the open groups with master, members, size,
street, topic and since; confirm, split and add post with CSRF and call the same service as
the API; other posts are refused; bad input is a 4xx with its reason; the ticket page links."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Notification, Role, Status, Ticket, User
from tests.conftest import ChangeSettings, csrf_token, login
from tests.hotline.intake.test_incidents import PLACE, SAME, proposals_on  # noqa: F401
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.tickets.helpers import answered_by_its_unit, new_ticket


def _post(client: FlaskClient, master: str, action: str, **form: str) -> object:
    return client.post(f"/supervise/incidents/{master}/{action}",
                       data={"csrf_token": csrf_token(client), **form})


def test_supervisors_confirm_split_and_add_on_the_groups_page(
        app: Flask, client: FlaskClient, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    login(client, "supervisor")
    page = client.get("/supervise/incidents").get_data(as_text=True)
    assert f'id="group-{master.number}"' in page and f'id="member-{member.number}"' in page
    assert "待确认" in page and "确认合并" in page and "解放路街道" in page and "物业" in page
    assert '<td class="num size">2</td>' in page
    assert 'href="/supervise/incidents"' in page  # the supervisors' navigation
    board = client.get("/supervise").get_data(as_text=True)
    assert re.search(r'id="kpi-incidents"><b>1</b><span>待确认合并组', board)

    english = client.get("/supervise/incidents?lang=en").get_data(as_text=True)
    assert "Incident groups" in english and "Confirm group" in english and "Callers" in english
    assert "确认合并" not in english
    client.get("/supervise/incidents?lang=zh_CN")

    shown = client.get(f"/tickets/{member.number}").get_data(as_text=True)
    assert 'id="ticket-incident"' in shown and master.number in shown and "查看合并组" in shown
    # the member has no unit of its own: the page names the master's, not 待分拨
    assert re.search(r'id="ticket-unit">' + re.escape(master.department.label)
                     + r' <span class="hint">合并件，随主件 ' + master.number, shown)

    done = _post(client, master.number, "confirm")
    assert done.status_code == 303 and done.location.endswith(f"#group-{master.number}")
    db.session.expire_all()
    assert member.incident_confirmed
    assert 'id="kpi-incidents"><b>0</b>' in client.get("/supervise").get_data(as_text=True)
    assert "action=\"/supervise/incidents/" + master.number + "/confirm" not in client.get(
        "/supervise/incidents").get_data(as_text=True)

    assert _post(client, master.number, "add", ticket="").status_code == 400
    assert _post(client, master.number, "add", ticket="20990101-000001").status_code == 404
    assert _post(client, master.number, "merge", ticket=member.number).status_code == 400
    assert client.post(f"/supervise/incidents/{master.number}/confirm").status_code == 400  # CSRF

    waiting = new_ticket("工人新村楼道垃圾没人清理", address=PLACE)
    assert _post(client, master.number, "add", ticket=waiting.number).status_code == 303
    assert _post(client, master.number, "split", ticket=member.number).status_code == 303
    db.session.expire_all()
    assert waiting.incident_master_id == master.id and waiting.incident_confirmed
    assert member.incident_master is None and member.status == Status.DISPATCHED


def test_other_posts_may_not_manage_groups(app: Flask, client: FlaskClient, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    routed_confidently(new_ticket(SAME, address=PLACE))
    login(client, "agent")
    assert client.get("/supervise/incidents").status_code == 403
    assert _post(client, master.number, "confirm").status_code == 403
    assert 'href="/supervise/incidents"' not in client.get("/tickets").get_data(as_text=True)


def test_a_refused_add_keeps_the_groups_page_with_the_reason_and_the_number(
        app: Flask, client: FlaskClient, reference: None) -> None:
    """A wrong or refused number brings back the groups page (4xx), the reason above the
    table and the number in the group's field, not a bare error page the supervisor must
    navigate back from."""
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    routed_confidently(new_ticket(SAME, address=PLACE))
    answered = answered_by_its_unit(client, routed_confidently(
        new_ticket("工人新村停车位被占用", address=PLACE)))
    login(client, "supervisor")

    refused = _post(client, master.number, "add", ticket=answered.number)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'id="t-incidents"' in page and f'id="group-{master.number}"' in page
    assert re.search(r'id="incident-refused">[^<]*' + answered.number + "[^<]*不能并入", page)
    assert f'value="{answered.number}" aria-invalid="true"' in page

    missing = _post(client, master.number, "add", ticket="20990101-000001")
    assert missing.status_code == 404
    assert 'id="t-incidents"' in missing.get_data(as_text=True)
    assert "工单不存在" in missing.get_data(as_text=True)


def test_a_dispatched_caller_is_gathered_into_the_group_on_the_page(
        app: Flask, client: FlaskClient, reference: None) -> None:
    """Issue 18's browser review: a later caller already dispatched on its own (proposals off)
    is added by the supervisor; it leaves its unit, which is told, and follows the master."""
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    routed_confidently(new_ticket(SAME, address=PLACE))
    late = routed_confidently(new_ticket("工人新村停车位被占用", address=PLACE))
    unit = late.department_id
    assert late.status == Status.DISPATCHED and unit is not None
    staff = db.session.scalars(select(User).where(User.department_id == unit,
                                                  User.role == Role.UNIT_STAFF)).first()
    assert staff is not None
    login(client, staff.username)
    assert late.number in client.get("/inbox").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "supervisor")
    assert _post(client, master.number, "add", ticket=late.number).status_code == 303
    db.session.expire_all()
    late = db.session.get(Ticket, late.id)
    assert late.incident_master_id == master.id and late.status == Status.PENDING_DISPATCH
    assert late.department_id is None
    assert late.events[-1].data["department"] is not None and late.events[-1].data["status"] == "dispatched"
    told = db.session.scalars(select(Notification).where(Notification.kind == "incident_added")).one()
    assert told.department_id == unit and late.number in told.body and master.number in told.body
    page = client.get("/supervise/incidents").get_data(as_text=True)
    assert f'id="member-{late.number}"' in page
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, staff.username)  # the unit's inbox no longer lists it: the task has ended
    assert late.number not in client.get("/inbox").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "supervisor")
    # 移出: back to be dispatched, routed as a new ticket would be.
    assert _post(client, master.number, "split", ticket=late.number).status_code == 303
    db.session.expire_all()
    late = db.session.get(Ticket, late.id)
    assert late.incident_master_id is None and late.status in (Status.DISPATCHED,
                                                                 Status.PENDING_DISPATCH)


def test_the_page_suggests_look_alike_tickets_beside_their_group(
        app: Flask, client: FlaskClient, reference: None, settings: ChangeSettings) -> None:
    """Beside each group, the open tickets of its street and topic that the incident index
    scores at the console's hint threshold, each with a one-click 并入; an unrelated complaint
    of the same street and topic is not offered."""
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    routed_confidently(new_ticket(SAME, address=PLACE))
    settings(intake={"incident_proposals": False})  # as in production: later callers dispatched
    alike = routed_confidently(new_ticket("工人新村楼道里的垃圾堆了好几天，物业一直不来打扫", address=PLACE))
    other = routed_confidently(new_ticket("工人新村停车位被外来车辆占用", address=PLACE))
    assert alike.incident_master_id is None and alike.status == Status.DISPATCHED
    login(client, "supervisor")
    page = client.get("/supervise/incidents").get_data(as_text=True)
    assert f'id="suggest-{master.number}-{alike.number}"' in page
    assert f'id="suggest-{master.number}-{other.number}"' not in page
    assert "可能相关" in page
    english = client.get("/supervise/incidents?lang=en").get_data(as_text=True)
    assert "Likely the same incident" in english and "可能相关" not in english
    client.get("/supervise/incidents?lang=zh_CN")
    assert _post(client, master.number, "add", ticket=alike.number).status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, alike.id).incident_master_id == master.id
    page = client.get("/supervise/incidents").get_data(as_text=True)
    assert f'id="member-{alike.number}"' in page and f'id="suggest-{master.number}-{alike.number}"' not in page


def test_the_suggestions_of_every_group_come_from_one_query(
        app: Flask, reference: None, settings: ChangeSettings) -> None:
    from sqlalchemy import event

    from hotline.tickets import incidents
    routed_confidently(new_ticket(PROPERTY, address=PLACE))
    routed_confidently(new_ticket(SAME, address=PLACE))
    elsewhere = "A1区迎春街道春晖苑2栋"
    routed_confidently(new_ticket("春晖苑物业不打扫楼道，垃圾没人清", address=elsewhere))
    routed_confidently(new_ticket("春晖苑楼道垃圾堆着，物业不管", address=elsewhere))
    settings(intake={"incident_proposals": False})
    routed_confidently(new_ticket("工人新村楼道里的垃圾堆了好几天，物业一直不来打扫", address=PLACE))
    groups = incidents.open_groups(db.session)
    assert len(groups) == 2  # two streets, two groups: still one query
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        found = incidents.suggestions(db.session, groups)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert found and len(statements) == 1
