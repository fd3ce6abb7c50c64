"""The supervisors' surge page: an alert with its phrases and a link to its tickets, turned into a
主动治理 task (bad input answered 4xx), closed, and the calls of the weeks after it counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import AuditEntry, GovernanceTask, Notification, Place, SurgeAlert, Topic
from hotline.reporting import governance, surges
from tests.hotline.admin.helpers import post, sign_in
from tests.hotline.reporting.test_surges import _calls


def _surge() -> SurgeAlert:
    """Eight quiet weeks in one street, then twelve calls about a burst main today."""
    now = datetime.now(UTC).replace(microsecond=0)
    street = db.session.scalars(select(Place.code).where(Place.kind == "street")).first()
    topic = db.session.scalars(select(Topic).order_by(Topic.code)).first()
    assert street is not None and topic is not None
    for week in range(1, 10):
        _calls(street, topic, 1, now - timedelta(weeks=week))
    _calls(street, topic, 12, now, text="今年第三次停水了，自来水管爆裂，咨询什么时候来水")
    [alert] = surges.scan(db.session, now)
    unit_of_work.commit(db.session)
    return alert


def test_a_supervisor_turns_an_alert_into_a_task_and_sees_the_weeks_after(
        reference: None, client: FlaskClient) -> None:
    alert = _surge()
    sign_in(client, "zjj-lead")
    assert client.get("/supervise/surges").status_code == 403

    sign_in(client, "supervisor")
    assert "来电增多预警" in client.get("/supervise").get_data(as_text=True)
    notices = client.get("/notifications").get_data(as_text=True)
    assert "来电增多预警" in notices and "12 件" in notices
    page = client.get("/supervise/surges").get_data(as_text=True)
    row = page.split(f'id="alert-{alert.id}"')[1].split("</tr>")[0]
    assert ">12</a>" in row and "停水" in row and "咨询" not in row
    assert f"street={alert.street}" in row and f"topic={alert.topic.code}" in row  # its tickets

    path = f"/supervise/surges/{alert.id}"
    due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    unknown = post(client, path, {"unit": "nope", "due": due, "note": "排查管网"})
    assert unknown.status_code == 400 and "未知单位" in unknown.get_data(as_text=True)
    # the surges page again, the reason above it and what was typed kept (not a bare 400 page)
    refused = unknown.get_data(as_text=True)
    assert 'id="surge-refused"' in refused and f'id="alert-{alert.id}"' in refused
    assert 'value="nope"' in refused and f'value="{due}"' in refused and 'value="排查管网"' in refused
    past = post(client, path, {"unit": "zjj", "due": "2020-01-01"})
    assert past.status_code == 400 and "期限" in past.get_data(as_text=True)
    assert post(client, path, {"unit": "zjj", "due": "soon"}).status_code == 400
    assert db.session.scalars(select(GovernanceTask)).all() == []

    made = post(client, path, {"unit": "A市住房和城乡建设局（zjj）", "due": due, "note": "排查管网"})
    assert made.status_code == 303
    assert '<p class="flash ok" role="alert">已转为主动治理任务' in client.get(
        "/supervise/surges").get_data(as_text=True)  # a success, not in the error colour
    task = db.session.scalars(select(GovernanceTask)).one()
    assert (task.department.code, task.note, task.status, alert.status) == \
        ("zjj", "排查管网", "open", "tasked")
    told = db.session.scalars(select(Notification).where(Notification.kind == "governance_task")).one()
    assert told.department_id == task.department_id and due in told.body and "排查管网" in told.body
    assert post(client, path, {"unit": "zjj", "due": due}).status_code == 409  # handled already
    page = client.get("/supervise/surges").get_data(as_text=True)
    assert f'id="alert-{alert.id}"' not in page and f'id="task-{task.id}"' in page

    close = f"/supervise/governance/{task.id}/close"
    assert post(client, close, {"result": " "}).status_code == 400
    assert post(client, close, {"result": "更换爆裂管段"}).status_code == 303
    db.session.expire_all()
    assert (task.status, task.closed_by, task.result) == ("closed", "supervisor", "更换爆裂管段")
    audited = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == "governance_tasks")).all()
    assert audited == ["create", "update"]

    page = client.get("/supervise/surges").get_data(as_text=True)
    row = page.split(f'id="task-{task.id}"')[1].split("</tr>")[0]
    assert '<td class="num before">1 / 1 / 1 / 1' in row and "未满一周" in row

    # Two weeks and an hour after closing: two calls in the first week after, none in the second.
    closed = task.closed_at
    assert closed is not None
    _calls(alert.street, alert.topic, 2, closed + timedelta(days=2))
    _calls(alert.street, alert.topic, 1, closed + timedelta(weeks=2, minutes=30))
    later = governance.outcome(db.session, task, closed + timedelta(weeks=2, hours=1))
    assert later == governance.Outcome(before=[1, 1, 1, 1], after=[2, 0], running=1)


def test_a_dismissed_alert_leaves_the_list(reference: None, client: FlaskClient) -> None:
    alert = _surge()
    sign_in(client, "supervisor")
    assert post(client, f"/supervise/surges/{alert.id}", {"_action": "dismiss"}).status_code == 303
    db.session.expire_all()
    assert alert.status == "dismissed"
    assert "没有待处理的预警" in client.get("/supervise/surges").get_data(as_text=True)
    assert post(client, "/supervise/surges/99999", {"_action": "dismiss"}).status_code == 404
