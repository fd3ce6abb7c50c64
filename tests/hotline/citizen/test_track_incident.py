"""/track for a member of an incident group (found in the browser review): the master's
approved answer was sent to the member's citizen by SMS, so their tracking page shows that
answer and the master's unit, not 答复审核中 above a rating form and 正在分派承办单位."""

from __future__ import annotations

from flask import Flask, g
from flask.testing import FlaskClient

from hotline.app.extensions import db
from hotline.models import Status
from tests.conftest import csrf_token, login
from tests.fakes import flow
from tests.hotline.intake.test_incidents import PLACE, SAME, proposals_on  # noqa: F401
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.tickets.helpers import new_ticket

ANSWER = "物业已于今日上午清理楼道垃圾，并安排每天清运两次"


def test_a_members_citizen_reads_the_masters_answer_and_unit(
        app: Flask, client: FlaskClient, reference: None) -> None:
    master = routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = new_ticket("工人新村楼道垃圾没人清理", address=PLACE)  # waits for dispatch
    login(client, "supervisor")
    added = client.post(f"/supervise/incidents/{master.number}/add",
                        data={"csrf_token": csrf_token(client), "ticket": member.number})
    assert added.status_code == 303
    flow.answer(master.number, ANSWER)
    db.session.expire_all()
    assert member.status == Status.REPLIED and member.department is None

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    g.pop("csrf_token", None)  # Flask-WTF caches the supervisor's token in the app context
    shown = client.post("/track", data={"number": member.number, "phone": "13812348000",
                                        "csrf_token": csrf_token(client)},
                        follow_redirects=True).get_data(as_text=True)
    assert f'id="track-answer">{ANSWER}<' in shown
    assert "答复审核中" not in shown and 'id="track-no-answer"' not in shown
    assert f'id="track-unit">{master.department.name}<' in shown
