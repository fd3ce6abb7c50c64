"""The ticket page's casework forms (issue 17) as people use them: notes with the public box,
first contact, 挂起 asked and decided, 申诉 asked and decided; a refused value comes back beside
its field."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from hotline.app.extensions import db
from hotline.models import utcnow
from routing.calendar import SHANGHAI
from tests.conftest import login
from tests.hotline.tickets.helpers import act
from tests.hotline.tickets.test_ticket_forms import error_beside, page_of, post, signed


def test_the_unit_works_the_ticket_on_its_page(app: Flask, reference: None,
                                               client: FlaskClient) -> None:
    t = signed(client)
    login(client, "zjj-lead")
    page = page_of(client.get(f"/tickets/{t.number}"))
    for form in ("note", "contact", "suspend", "appeal"):
        assert f'id="form-{form}"' in page, form
    assert 'name="public"' in page  # the lead unit may write to the citizen
    assert post(client, t.number, "note", {"text": "已约市民周三见面", "public": "1"}).status_code == 302
    assert post(client, t.number, "note", {"text": "内部：业主有纠纷"}).status_code == 302
    assert post(client, t.number, "contact", {"method": "visit", "note": ""}).status_code == 302
    refused = post(client, t.number, "suspend", {"reason": "等待", "until": "下周"})
    assert refused.status_code == 400
    assert "YYYY-MM-DD" in error_beside(page_of(refused), "suspend", "until")
    until = (utcnow().astimezone(SHANGHAI) + timedelta(days=5)).date().isoformat()
    assert post(client, t.number, "suspend", {"reason": "等待产权证明",
                                              "until": until}).status_code == 302
    db.session.expire_all()
    kinds = [e.kind for e in t.events]
    assert kinds[-4:] == ["progress_note", "internal_note", "contacted", "suspension_requested"]
    assert [e.public for e in t.events[-4:-2]] == [True, False]

    login(client, "supervisor")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert 'id="form-approve-suspension"' in page and 'id="form-refuse-suspension"' in page
    assert post(client, t.number, "decide-suspension", {"approve": "1", "note": ""}).status_code == 302
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert 'id="suspended"' in page and 'id="form-resume"' in page
    assert post(client, t.number, "resume", {"note": "材料已到"}).status_code == 302

    login(client, "zjj-lead")
    assert post(client, t.number, "appeal", {"kind": "concluded",
                                             "reason": "已依法终结"}).status_code == 302
    login(client, "supervisor")
    refused = post(client, t.number, "decide-appeal",
                   {"form": "refuse-appeal", "approve": "0", "note": ""})
    assert refused.status_code == 400
    assert error_beside(page_of(refused), "refuse-appeal", "note")  # a refusal says why
    assert post(client, t.number, "decide-appeal", {"approve": "1", "note": "属实"}).status_code == 302
    assert 'id="appeal-excluded"' in page_of(client.get(f"/tickets/{t.number}"))


def test_staff_of_another_post_see_no_unit_forms(app: Flask, reference: None,
                                                 client: FlaskClient) -> None:
    t = signed(client)
    login(client, "zjj")  # unit staff: notes and contact, not 挂起 or 申诉
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert 'id="form-note"' in page and 'id="form-contact"' in page
    assert 'id="form-suspend"' not in page and 'id="form-appeal"' not in page
    login(client, "agent")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert 'id="form-note"' in page and 'id="form-contact"' not in page


def test_the_supervisors_decide_from_the_dashboard(app: Flask, reference: None,
                                                   client: FlaskClient) -> None:
    suspending, appealing = signed(client), signed(client)
    with client.application.test_client() as api:
        assert act(api, "zjj-lead", suspending.number, "suspend",
                   {"reason": "等待司法鉴定结果"}).status_code == 200
        assert act(api, "zjj-lead", appealing.number, "appeal",
                   {"kind": "outside_duty", "reason": "属供电公司产权"}).status_code == 200
    login(client, "supervisor")
    page = page_of(client.get("/supervise"))
    assert "等待司法鉴定结果" in page and "属供电公司产权" in page
    for number, action in ((suspending.number, "decide-suspension"),
                           (appealing.number, "decide-appeal")):
        done = post(client, number, action, {"approve": "1", "note": "", "next": "/supervise"})
        assert done.status_code == 302 and done.headers["Location"].endswith("/supervise")
    page = page_of(client.get("/supervise"))
    assert "没有待审批的挂起" in page and "没有待审核的申诉" in page
    db.session.expire_all()
    assert suspending.suspensions[0].status == "active"
    assert appealing.appeals[0].status == "approved"
