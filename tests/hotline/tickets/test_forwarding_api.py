"""转派/下派 over HTTP: the lead unit's lead forwards a signed ticket to a street below it, the
street signs and answers its task, the district adopts the answer (the centre then reviews it as
any reply) or sends it back, the street may hand it back; refusals answer 400/403/404/409 with
the reason; the street sees the ticket, a sibling street does not."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Department, ForwardTask, Notification, Status, Ticket
from tests.conftest import login
from tests.hotline.tickets.helpers import act, get, new_ticket

# a1-gov (A1区人民政府) leads; a1-s1 and a1-s2 are two of its streets; zjj is a city bureau.
LEAD, CHILD, CHILD_LEAD, SIBLING = "a1-gov-lead", "a1-s1", "a1-s1-lead", "a1-s2"


def error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def signed_by_district(client: FlaskClient) -> str:
    number = new_ticket().number
    assert act(client, "agent", number, "dispatch", {"unit": "a1-gov"}).status_code == 200
    assert act(client, "a1-gov", number, "sign").status_code == 200
    return number


def forwarded(client: FlaskClient) -> str:
    number = signed_by_district(client)
    ok = act(client, LEAD, number, "forward", {"unit": CHILD, "note": "请街道现场核实"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    return number


def test_forward_answer_adopt_and_review(app: Flask, reference: None,
                                         client: FlaskClient) -> None:
    number = forwarded(client)
    body = get(client, LEAD, f"/api/v1/tickets/{number}").get_json()
    assert body["status"] == "signed" and body["department"]["code"] == "a1-gov"  # 主责
    (task,) = body["deadlines"]["forward_tasks"]
    assert (task["unit"], task["parent"], task["status"]) == ("a1-s1", "a1-gov", "pending")
    assert task["note"] == "请街道现场核实"
    reply_due = datetime.fromisoformat(body["deadlines"]["reply"])
    assert datetime.fromisoformat(task["reply_due"]) <= reply_due
    assert datetime.fromisoformat(task["sign_due"]) <= reply_due
    clocks = {c["kind"]: c for c in body["deadlines"]["clocks"]}
    assert clocks["fsign:1"]["unit"] == "a1-s1" and clocks["freply:1"]["unit"] == "a1-s1"
    assert clocks["reply"]["unit"] == "a1-gov"
    street = db.session.scalars(select(Department).where(Department.code == CHILD)).one()
    assert db.session.scalars(select(Notification.kind).where(
        Notification.department_id == street.id)).all() == ["forwarded"]  # the child is told

    assert "settle that task" in error(act(client, "a1-gov", number, "reply",
                                           {"answer": "自己答复"}), 409)
    assert "only the unit the ticket was forwarded to" in error(
        act(client, "a1-gov", number, "forward-sign"), 403)  # the parent does not sign for it
    assert act(client, CHILD, number, "forward-sign").status_code == 200
    assert error(act(client, CHILD, number, "forward-reply", {}), 422)  # the schema's 4xx
    assert error(act(client, CHILD, number, "forward-reply", {"answer": "  "}), 400)
    ok = act(client, CHILD, number, "forward-reply", {"answer": "路灯已修复"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "signed"  # not to the centre
    assert "(review_forward)" in error(act(client, "a1-gov", number, "forward-review",
                                          {"accept": True}), 403)
    assert error(act(client, LEAD, number, "forward-review", {"accept": False}), 400)
    sent_back = act(client, LEAD, number, "forward-review",
                    {"accept": False, "note": "请附照片"})
    assert sent_back.get_json()["deadlines"]["forward_tasks"][0]["status"] == "signed"
    assert act(client, CHILD, number, "forward-reply",
               {"answer": "路灯已修复，附照片"}).status_code == 200
    adopted = act(client, LEAD, number, "forward-review", {"accept": True}).get_json()
    assert adopted["status"] == "replied"
    kinds = [e["kind"] for e in adopted["events"]]
    assert kinds[-2:] == ["forward_accepted", "replied"]
    assert adopted["events"][-1]["note"] == "路灯已修复，附照片"
    assert adopted["events"][-1]["actor"] == LEAD
    assert act(client, "agent", number, "review-reply", {"accept": True}).status_code == 200
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.status == Status.REPLIED and ticket.events[-1].kind == "reply_approved"
    assert ticket.department.code == "a1-gov"


def test_refusals_carry_their_reason(app: Flask, reference: None, client: FlaskClient) -> None:
    number = new_ticket().number
    act(client, "agent", number, "dispatch", {"unit": "a1-gov"})
    assert "cannot forward" in error(act(client, LEAD, number, "forward", {"unit": CHILD}), 409)
    act(client, "a1-gov", number, "sign")
    assert "(forward)" in error(act(client, "a1-gov", number, "forward", {"unit": CHILD}), 403)
    assert "descendant" in error(act(client, LEAD, number, "forward", {"unit": "zjj"}), 403)
    assert "descendant" in error(act(client, LEAD, number, "forward", {"unit": "a2-s1"}), 403)
    assert "unknown unit" in error(act(client, LEAD, number, "forward", {"unit": "nope"}), 400)
    assert error(act(client, LEAD, number, "forward", {}), 422)  # the unit is required
    assert error(act(client, LEAD, number, "forward", {"unit": CHILD, "note": "x" * 501}), 422)
    assert error(act(client, LEAD, number, "forward", {"unit": " "}), 400)
    assert error(act(client, "zjj-lead", number, "forward", {"unit": CHILD}), 404)  # not theirs
    assert act(client, LEAD, number, "forward", {"unit": CHILD}).status_code == 200
    assert "a1-s1" in error(act(client, LEAD, number, "forward", {"unit": SIBLING}), 409)
    # The child sees the ticket but does not hold it: it may not forward it on, nor reply.
    assert "only the assigned unit" in error(
        act(client, CHILD_LEAD, number, "forward", {"unit": CHILD}), 403)
    assert error(act(client, CHILD, number, "reply", {"answer": "x"}), 403)
    assert "no forwarded answer" in error(act(client, LEAD, number, "forward-review",
                                              {"accept": True}), 409)
    assert db.session.scalar(select(ForwardTask.status)) == "pending"


def test_child_returns_the_task_to_its_parent(app: Flask, reference: None,
                                              client: FlaskClient) -> None:
    number = forwarded(client)
    assert "(return)" in error(act(client, CHILD, number, "forward-return", {"reason": "非本街道"}),
                               403)
    assert error(act(client, CHILD_LEAD, number, "forward-return", {}), 422)
    assert error(act(client, CHILD_LEAD, number, "forward-return", {"reason": " "}), 400)
    back = act(client, CHILD_LEAD, number, "forward-return", {"reason": "不在本街道辖区"})
    body = back.get_json()
    assert back.status_code == 200 and body["status"] == "signed"  # with the parent, not the centre
    assert body["department"]["code"] == "a1-gov"
    assert body["deadlines"]["forward_tasks"][0]["status"] == "returned"
    assert {c["kind"]: c["state"] for c in body["deadlines"]["clocks"]}["freply:1"] in ("met", "late")
    # The parent may forward again, to the other street, or answer itself.
    assert act(client, LEAD, number, "forward", {"unit": SIBLING}).status_code == 200


def test_child_sees_the_ticket_and_a_sibling_does_not(app: Flask, reference: None,
                                                      client: FlaskClient) -> None:
    login(client, CHILD)
    before = client.get("/live").get_json()["inbox"]
    number = forwarded(client)
    assert client.get("/live").get_json()["inbox"] != before  # the child's open inbox refreshes
    assert get(client, CHILD, f"/api/v1/tickets/{number}").status_code == 200
    assert get(client, SIBLING, f"/api/v1/tickets/{number}").status_code == 404
    listed = get(client, CHILD, "/api/v1/tickets").get_json()["items"]
    assert [t["number"] for t in listed] == [number]
    assert get(client, SIBLING, "/api/v1/tickets").get_json()["items"] == []
    assert error(act(client, SIBLING, number, "forward-sign"), 404)

    login(client, CHILD)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert number in inbox and "转派承办" in inbox
    assert number in client.get("/inbox?tab=forwarded").get_data(as_text=True)
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert 'id="form-forward-sign"' in page and 'id="form-reply"' not in page
    assert 'id="upload-file"' in page  # photos of its work on the ticket
    login(client, SIBLING)
    assert number not in client.get("/inbox").get_data(as_text=True)
    assert client.get(f"/tickets/{number}").status_code == 404


def test_the_parent_page_offers_only_its_descendants_and_shows_the_childs_work(
        app: Flask, reference: None, client: FlaskClient) -> None:
    number = signed_by_district(client)
    login(client, LEAD)
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    form = page[page.index('id="form-forward"'):]
    form = form[:form.index("</form>")]
    assert 'value="a1-s1"' in form and 'value="a1-s2"' in form
    assert 'value="zjj"' not in form and 'value="a2-s1"' not in form and 'value="a1-gov"' not in form
    act(client, LEAD, number, "forward", {"unit": CHILD})
    act(client, CHILD, number, "forward-sign")
    act(client, CHILD, number, "forward-reply", {"answer": "已到现场处理完毕"})
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "已到现场处理完毕" in page and 'id="form-accept-forward"' in page
    assert 'id="form-reply"' not in page and 'id="form-forward"' not in page
    assert 'id="upload-file"' in page  # without the reply form, files go up on their own


def test_child_clock_is_watched_by_the_deadline_scan(app: Flask, reference: None,
                                                     client: FlaskClient) -> None:
    from hotline.app import unit_of_work
    from hotline.tickets import escalation

    number = forwarded(client)
    task = db.session.scalars(select(ForwardTask)).one()
    later = task.reply_due + timedelta(days=3)  # type: ignore[operator]
    escalation.scan(db.session, later, commit=unit_of_work.commit)
    db.session.expire_all()  # the scan writes its events with Core statements
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    steps = [(e.kind, e.data["deadline"], e.data["unit"]) for e in ticket.events
             if e.kind.startswith("deadline_") and e.data["deadline"].startswith("f")]
    assert ("deadline_overdue", "freply:1", "a1-s1") in steps
    assert ("deadline_escalated", "fsign:1", "a1-s1") in steps
    district = db.session.scalars(select(Department).where(Department.code == "a1-gov")).one()
    escalated = db.session.scalars(select(Notification.body).where(
        Notification.kind == "deadline_escalated", Notification.department_id == district.id)).all()
    assert any("转派签收#1" in body for body in escalated)  # up to the level above the street


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_forwarding_pages_speak_one_language(app: Flask, reference: None, client: FlaskClient,
                                             locale: str) -> None:
    from tests.hotline.app.test_page_languages import (
        data_strings,
        leaks,
        visible_text,
        without_data,
    )

    pending = forwarded(client)  # the child still to sign: its sign and return forms
    answered = forwarded(client)  # the child has answered: the parent's adopt / send back
    act(client, CHILD, answered, "forward-sign")
    act(client, CHILD, answered, "forward-reply", {"answer": "已到现场处理"})
    fresh = signed_by_district(client)  # the parent's forward form
    data = data_strings()
    problems = {}
    for user, paths in {LEAD: [pending, answered, fresh], CHILD_LEAD: [pending, answered]}.items():
        reader = app.test_client()
        g.pop("csrf_token", None)
        login(reader, user)
        reader.get(f"/lang/{locale}")
        for path in [*(f"/tickets/{n}" for n in paths), "/inbox", "/inbox?tab=forwarded",
                     "/notifications"]:
            response = reader.get(path)
            assert response.status_code == 200, (user, path)
            found = leaks(without_data(visible_text(response.get_data(as_text=True)), data),
                          locale)
            if found:
                problems[f"{user} {path}"] = sorted(set(found))[:8]
    assert not problems, problems


def test_concurrent_forwards_hand_the_ticket_down_once(app: Flask, reference: None,
                                                       client: FlaskClient) -> None:
    """Two leads' tabs forwarding at once (PostgreSQL): one task, the others told 409."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers for the whole database; the race needs PostgreSQL")
    from tests.hotline.tickets.helpers import token

    number = signed_by_district(client)
    header = {"Authorization": f"Bearer {token(LEAD)}"}
    results: list[int] = []
    barrier = threading.Barrier(4, timeout=30)

    def forward(unit: str) -> None:
        with app.app_context():  # each thread: its own session and connection
            reader = app.test_client()
            barrier.wait()
            results.append(reader.post(f"/api/v1/tickets/{number}/forward", json={"unit": unit},
                                       headers=header).status_code)
            db.session.remove()

    threads = [threading.Thread(target=forward, args=(unit,))
               for unit in (CHILD, SIBLING, CHILD, SIBLING)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409, 409, 409]
    db.session.expire_all()
    assert len(db.session.scalars(select(ForwardTask)).all()) == 1


def test_while_suspended_the_forwarded_task_waits_too(app: Flask, reference: None,
                                                      client: FlaskClient) -> None:
    """挂起 over the API: the child's sign-for is 409 with the reason in both languages, like
    the parent's reply; once resumed it goes ahead, its deadlines moved with the parent's."""
    number = forwarded(client)
    assert act(client, LEAD, number, "suspend", {"reason": "等待市民补充材料"}).status_code == 200
    assert act(client, "supervisor", number, "decide-suspension",
               {"approve": True}).status_code == 200
    message = error(act(client, CHILD, number, "forward-sign"), 409)
    assert message.startswith("工单已挂起，请先恢复办理 / the ticket is suspended")
    assert "sign the forwarded task" in message
    assert act(client, LEAD, number, "resume", {}).status_code == 200
    body = act(client, CHILD, number, "forward-sign").get_json()
    (task,) = body["deadlines"]["forward_tasks"]
    clocks = {c["kind"]: c for c in body["deadlines"]["clocks"]}
    assert task["status"] == "signed" and task["reply_due"] == clocks["freply:1"]["due"]


def test_forwarding_down_to_a_community_places_the_ticket_there(app: Flask, reference: None,
                                                                 client: FlaskClient) -> None:
    """下派社区: 东湖街道 sends its ticket to 湖滨社区; the ticket's community (and its map point)
    follows, said by the forwarded event; a later 下派 to another community moves it again."""
    number = new_ticket("东湖街道楼道灯坏了", address="东湖街道").number
    before = get(client, "agent", f"/api/v1/tickets/{number}").get_json()
    assert (before["street"], before["community"]) == ("a1-s1", None)
    assert act(client, "agent", number, "dispatch", {"unit": "a1-s1"}).status_code == 200
    assert act(client, "a1-s1", number, "sign").status_code == 200
    ok = act(client, "a1-s1-lead", number, "forward", {"unit": "a1-s1-c1", "note": "请社区处理"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    body = get(client, "agent", f"/api/v1/tickets/{number}").get_json()
    assert (body["district"], body["street"], body["community"]) == ("a1", "a1-s1", "a1-s1-c1")
    assert body["location"]["source"] == "community" and body["location"]["approximate"]
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    (forwarded_event,) = [e for e in ticket.events if e.kind == "forwarded"]
    assert forwarded_event.data["set"] == {"community": "a1-s1-c1"}

    # The community hands it back; the street sends it to 东湖新村社区 instead.
    assert act(client, "a1-s1-c1-lead", number, "forward-return",
               {"reason": "不在本社区"}).status_code == 200
    again = act(client, "a1-s1-lead", number, "forward", {"unit": "a1-s1-c2"})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert get(client, "agent", f"/api/v1/tickets/{number}").get_json()["community"] == "a1-s1-c2"
