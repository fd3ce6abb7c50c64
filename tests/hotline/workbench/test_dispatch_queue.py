"""The manual dispatch queue (待分拨) over HTTP: oldest first with its columns and pages, bulk
dispatch through the life cycle with a result that names what failed, and the unit type-ahead."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.domain.events import EventKind
from hotline.models import Status, Ticket, TicketEvent, utcnow
from hotline.workbench import queues
from tests.conftest import ChangeSettings, csrf_token, login
from tests.hotline.intake.test_incidents import PLACE, SAME
from tests.hotline.intake.test_street_routing import PROPERTY, routed_confidently
from tests.hotline.tickets.helpers import act, new_ticket


def waiting(content: str, hours_ago: int) -> Ticket:
    """A ticket left at the centre (no model is active in tests, so nothing routes it)."""
    t = new_ticket(content, received_at=utcnow() - timedelta(hours=hours_ago))
    assert t.status == Status.PENDING_DISPATCH
    return t


def listed(page: str) -> list[str]:
    return re.findall(r'name="numbers" value="([\d-]+)"', page)


@pytest.fixture
def three(app: Flask, reference: None) -> list[Ticket]:
    return [waiting("请问办事大厅几点下班", 5), waiting("有个事情想反映一下情况", 50),
            waiting("我想问一下这个政策怎么理解", 1)]


def _dispatch(client: FlaskClient, numbers: list[str], **fields: object) -> object:
    return client.post("/dispatch", data={"csrf_token": csrf_token(client), "numbers": numbers,
                                          **fields})


def test_queue_is_oldest_first_with_age_deadline_district_and_total(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "agent")
    page = client.get("/dispatch").get_data(as_text=True)
    assert listed(page) == [three[1].number, three[0].number, three[2].number]
    assert "共 3 件，第 1 / 1 页" in page
    assert "2 天 2 小时" in page  # three[1] has waited 50 hours, counted in calendar time
    assert "已等待" in page and "派单时限" in page and "建议单位" in page and "区" in page
    assert 'list="bulk-units"' in page and page.count("<option value=") >= 80  # every unit


def test_queue_pages_with_its_total(app: Flask, three: list[Ticket], client: FlaskClient,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queues, "PER_PAGE", 2)
    login(client, "agent")
    first = client.get("/dispatch").get_data(as_text=True)
    second = client.get("/dispatch?page=2").get_data(as_text=True)
    assert listed(first) == [three[1].number, three[0].number] and "共 3 件，第 1 / 2 页" in first
    assert listed(second) == [three[2].number] and 'rel="prev"' in second
    assert client.get("/dispatch?page=x").status_code == 400


def test_bulk_dispatch_goes_through_the_life_cycle_and_names_what_failed(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    with app.test_client() as api:  # someone else dispatched this one while the page was open
        assert act(api, "agent", three[2].number, "dispatch", {"unit": "cgj"}).status_code == 200
    login(client, "agent")
    response = _dispatch(client, [t.number for t in three], unit="A市住房和城乡建设局（zjj）",
                         assisting=["cgj"], note="批量")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已派单 2 件至 A市住房和城乡建设局（zjj）：{three[0].number}、{three[1].number}" in page
    assert f"未派单 1 件：{three[2].number}（工单状态为「已派单」，不能派单" in page
    db.session.expire_all()
    for t in three[:2]:
        assert (t.status, t.department.code) == (Status.DISPATCHED, "zjj")
        assert [a.department.code for a in t.assist_tasks] == ["cgj"]
        events = db.session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == t.id, TicketEvent.kind == EventKind.DISPATCHED)).all()
        assert len(events) == 1 and events[0].actor == "agent"
        assert events[0].data["reason"]["note"] == "批量"
    assert three[2].department.code == "cgj"  # untouched by the batch
    assert listed(page) == []


def test_a_wrong_unit_dispatches_nothing_and_keeps_the_ticks(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "agent")
    response = _dispatch(client, [three[0].number, three[1].number], unit="没有这个单位")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未知单位" in page
    assert page.count("checked") == 2 and 'value="没有这个单位"' in page
    db.session.expire_all()
    assert {t.status for t in three} == {Status.PENDING_DISPATCH}
    nothing = _dispatch(client, [], unit="zjj")
    assert nothing.status_code == 400 and "请至少选择一件工单" in nothing.get_data(as_text=True)


def test_assisting_unit_typed_without_javascript_is_read_by_its_label(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "agent")
    response = _dispatch(client, [three[0].number], unit="zjj",
                         assisting="A市城市管理局（cgj）")
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.department.code for a in three[0].assist_tasks] == ["cgj"]


def test_only_the_centre_sees_the_queue(app: Flask, three: list[Ticket],
                                        client: FlaskClient) -> None:
    login(client, "zjj")
    assert client.get("/dispatch").status_code == 403
    assert _dispatch(client, [three[0].number], unit="zjj").status_code == 403
    db.session.expire_all()
    assert three[0].status == Status.PENDING_DISPATCH


def test_the_ticket_page_picks_assisting_units_by_type_ahead(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "agent")
    page = client.get(f"/tickets/{three[0].number}").get_data(as_text=True)
    assert "data-unit-multi" in page and 'name="assisting" list="dispatch-units"' in page
    assert "multiple size" not in page  # no more Ctrl+click multi-select
    assert "js/unit_picker.js" in page


def test_a_member_of_an_incident_group_is_not_offered_for_dispatch(
        app: Flask, reference: None, client: FlaskClient, settings: ChangeSettings) -> None:
    """合并办理: the member follows its master; the queue would offer a dispatch it refuses."""
    settings(intake={"incident_proposals": True})
    routed_confidently(new_ticket(PROPERTY, address=PLACE))
    member = routed_confidently(new_ticket(SAME, address=PLACE))
    alone = waiting("有个事情想反映一下情况", 1)
    assert member.incident_master is not None and member.status == Status.PENDING_DISPATCH
    login(client, "agent")
    assert listed(client.get("/dispatch").get_data(as_text=True)) == [alone.number]
    assert client.get("/live").get_json()["dispatch"].startswith("1:")
