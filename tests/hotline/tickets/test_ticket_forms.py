"""The ticket page's action forms as people use them: a refused value brings the page back (4xx)
with what was typed and the reason beside the field; 督办 deadlines typed loosely or far off;
退单 lands in the inbox; manual dispatch offers the suggested unit."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.models import Notification, Status, SupervisionOrder, Ticket, utcnow
from routing.calendar import SHANGHAI
from tests.conftest import csrf_token, login
from tests.hotline.tickets.helpers import act, new_ticket

FAR = "9999-12-31T23:59:59+14:00"


def post(client: FlaskClient, number: str, action: str, data: dict[str, Any],
         **kw: Any) -> Any:
    return client.post(f"/tickets/{number}/act/{action}",
                       data={**data, "csrf_token": csrf_token(client)}, **kw)


def page_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def error_beside(page: str, form: str, field: str) -> str:
    """The reason shown beside `field` of the form `form` (the template's error-<form>-<field>)."""
    match = re.search(rf'id="error-{form}-{field}">([^<]+)<', page)
    assert match, f"no error beside {form}/{field}"
    return match.group(1)


def dispatched(client: FlaskClient, unit: str = "zjj", **kw: Any) -> Ticket:
    t = new_ticket(**kw)
    with client.application.test_client() as api:
        assert act(api, "agent", t.number, "dispatch", {"unit": unit}).status_code == 200
    return t


def signed(client: FlaskClient, **kw: Any) -> Ticket:
    t = dispatched(client, **kw)
    with client.application.test_client() as api:
        assert act(api, "zjj", t.number, "sign").status_code == 200
    return t


# --- 11 (second half): deadlines out of range ------------------------------------------------


def test_a_far_urge_deadline_is_a_clear_400_in_the_api(app: Flask, reference: None,
                                                       client: FlaskClient) -> None:
    t = dispatched(client)
    for due, words in ((FAR, "366"), ("2020-01-01T09:00:00+08:00", "future"),
                       ("9999-12-31T23:59:59-14:00", "366")):
        response = act(client, "supervisor", t.number, "urge", {"note": "尽快", "due": due})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]["field"] == "due"
        assert words in response.get_json()["error"]["message"]
    assert db.session.scalars(select(SupervisionOrder)).all() == []


def test_a_far_urge_deadline_is_a_clear_400_on_the_page(app: Flask, reference: None,
                                                        client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "supervisor")
    response = post(client, t.number, "urge", {"note": "群众反映强烈，请加快", "due": FAR})
    assert response.status_code == 400
    page = page_of(response)
    assert "366" in error_beside(page, "urge", "due")
    assert 'value="群众反映强烈，请加快"' in page and f'value="{FAR}"' in page


def test_extension_days_out_of_range_keep_the_reason(app: Flask, reference: None,
                                                     client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "zjj-lead")
    for days in ("99999999999999999999", "0", "2.5"):
        response = post(client, t.number, "extend", {"days": days, "reason": "需协调三个部门"})
        assert response.status_code == 400, days
        page = page_of(response)
        assert error_beside(page, "extend", "days")
        assert 'value="需协调三个部门"' in page and f'value="{days}"' in page
        assert "<details open>" in page  # the refused form is not folded away


# --- 17: 督办 deadline as people type it, and every form keeps what was typed ----------------


@pytest.mark.parametrize("shape", ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
                                   "%Y-%m-%d %H:%M:%S+08:00", "%Y/%m/%d %H:%M"])
def test_urge_deadline_is_read_leniently_in_shanghai_time(app: Flask, reference: None,
                                                          client: FlaskClient, shape: str) -> None:
    t = dispatched(client)
    due = (utcnow() + timedelta(days=3)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
    login(client, "supervisor")
    response = post(client, t.number, "urge", {"note": "请加快办理", "due": due.strftime(shape)})
    assert response.status_code == 302, page_of(response)
    order = db.session.scalars(select(SupervisionOrder)).one()
    assert order.due == due


def test_urge_form_offers_presets_in_working_time(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "supervisor")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert 'type="datetime-local" name="due"' in page and "北京时间（Asia/Shanghai）" in page
    values = re.findall(r'data-value="([^"]+)"', page)
    labels = re.findall(r'data-value="[^"]+" title="[^"]+">([^<]+)<', page)
    assert labels[1:] == ["1 个工作日", "3 个工作日", "5 个工作日"]
    assert labels[0] in ("今天下班前", "下个工作日下班前")
    assert values == sorted(values) and all(v.endswith(("12:00", "17:30")) for v in values)
    assert '<script src="/static/js/urge_presets.js" defer></script>' in page
    assert "onclick" not in page


def test_bad_urge_deadline_keeps_the_note(app: Flask, reference: None,
                                          client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "supervisor")
    response = post(client, t.number, "urge", {"note": "市民第三次来电，请务必本周办结",
                                               "due": "下周三"})
    assert response.status_code == 400
    page = page_of(response)
    assert "2026-12-09 17:30" in error_beside(page, "urge", "due")
    assert 'value="市民第三次来电，请务必本周办结"' in page and 'value="下周三"' in page
    assert 'class="citizen-words"' in page  # the ticket page, not a bare error page


def test_return_form_keeps_what_was_typed(app: Flask, reference: None,
                                          client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "zjj-lead")
    response = post(client, t.number, "return", {"reason_code": "bogus",
                                                 "reason": "该路段归城管局管理"})
    assert response.status_code == 400
    page = page_of(response)
    assert "未知退单原因" in error_beside(page, "return", "reason_code")
    assert 'value="该路段归城管局管理"' in page
    response = post(client, t.number, "return", {"reason_code": "wrong_district", "reason": " "})
    page = page_of(response)
    assert response.status_code == 400 and "退单理由不能为空" in error_beside(page, "return", "reason")
    assert '<option value="wrong_district" selected>' in page


def test_reply_form_keeps_the_answer_when_the_file_is_refused(app: Flask, reference: None,
                                                              client: FlaskClient) -> None:
    from io import BytesIO

    t = signed(client)
    login(client, "zjj")
    answer = "经现场核查，路灯线路老化，已于今日更换。"
    response = client.post(f"/tickets/{t.number}/act/reply", content_type="multipart/form-data",
                           data={"answer": answer, "csrf_token": csrf_token(client),
                                 "attachment": (BytesIO(b"MZ\x90\x00"), "照片.exe")})
    assert response.status_code == 415
    page = page_of(response)
    assert error_beside(page, "reply", "attachment") and "请重新选择文件" in page
    assert f">{answer}</textarea>" in page
    response = post(client, t.number, "reply", {"answer": "   "})
    assert response.status_code == 400 and error_beside(page_of(response), "reply", "answer")
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == Status.SIGNED


def test_centre_forms_keep_what_was_typed(app: Flask, reference: None,
                                          client: FlaskClient) -> None:
    t = new_ticket()
    login(client, "supervisor")
    assert '<option value="">请选择分类</option>' in page_of(client.get(f"/tickets/{t.number}"))
    response = post(client, t.number, "set-topic", {"topic": ""})
    assert response.status_code == 400
    assert "请选择分类" in error_beside(page_of(response), "set-topic", "topic")
    response = post(client, t.number, "set-topic", {"topic": "nope"})
    assert response.status_code == 400 and error_beside(page_of(response), "set-topic", "topic")
    response = post(client, t.number, "dispatch", {"unit": "不存在的局（xyz）",
                                                   "assisting": ["a1-gov"]})
    page = page_of(response)
    assert response.status_code == 400 and "未知单位" in error_beside(page, "dispatch", "unit")
    assert 'value="不存在的局（xyz）"' in page
    assert re.search(r'<span data-initial="[^"]*（a1-gov）">', page)  # kept as a 协办 chip
    assert post(client, t.number, "dispatch", {"unit": "zjj",
                                               "assisting": ["a1-gov"]}).status_code == 302
    with app.test_client() as api:
        act(api, "zjj", t.number, "sign")
    response = post(client, t.number, "waive-assist", {"unit": "nope", "reason": "已无需协办"})
    page = page_of(response)
    assert response.status_code == 400 and error_beside(page, "waive-assist", "unit")
    assert 'value="已无需协办"' in page
    with app.test_client() as api:
        act(api, "a1-gov", t.number, "assist-reply", {"answer": "已配合"})
        act(api, "zjj", t.number, "reply", {"answer": "已修复"})
    response = post(client, t.number, "review-reply", {"accept": "0", "note": " ", "form": "reject-reply"})
    assert response.status_code == 400
    assert "退回理由不能为空" in error_beside(page_of(response), "reject-reply", "note")
    with app.test_client() as api:
        act(api, "agent", t.number, "close")
    response = post(client, t.number, "reopen", {"reason": "  "})
    assert response.status_code == 400 and error_beside(page_of(response), "reopen", "reason")


def test_assisting_unit_form_keeps_what_was_typed(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    t = new_ticket()
    with app.test_client() as api:
        act(api, "agent", t.number, "dispatch", {"unit": "zjj", "assisting": ["a1-gov"]})
    login(client, "a1-gov")
    response = post(client, t.number, "assist-reply", {"answer": "\t"})
    assert response.status_code == 400
    assert "协办意见不能为空" in error_beside(page_of(response), "assist-reply", "answer")


# --- 18: after 退单 the unit goes to its inbox ------------------------------------------------


def test_return_lands_in_the_inbox_with_the_notice(app: Flask, reference: None,
                                                   client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "zjj-lead")
    response = post(client, t.number, "return", {"reason_code": "not_our_duty",
                                                 "reason": "属城管局职责"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert f"已完成：退单。工单 {t.number} 已不在本单位办理。" in page_of(inbox)
    assert client.get(f"/tickets/{t.number}").status_code == 404  # why the inbox, not the ticket


def test_actions_that_keep_the_ticket_visible_go_back_to_it(app: Flask, reference: None,
                                                            client: FlaskClient) -> None:
    t = dispatched(client)
    login(client, "zjj")
    response = post(client, t.number, "sign", {})
    assert response.headers["Location"] == f"/tickets/{t.number}"


# --- 19: manual dispatch offers the suggestion, or nothing -----------------------------------


def unit_field(page: str) -> str:
    match = re.search(r'<input id="dispatch-unit" name="unit" list="dispatch-units" '
                      r'value="([^"]*)"', page)
    assert match, "no dispatch field"
    return match.group(1)


def test_dispatch_form_offers_the_suggested_unit(app: Flask, reference: None,
                                                 client: FlaskClient) -> None:
    t = new_ticket()
    t.classifier_label, t.classifier_confidence = "城乡建设", 0.41  # below the threshold
    db.session.commit()
    login(client, "agent")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert unit_field(page) == "A市住房和城乡建设局（zjj）"
    assert "建议：A市住房和城乡建设局（zjj）" in page
    options = re.findall(r'<datalist id="dispatch-units">(.*?)</datalist>', page)[0]
    assert options.count("<option") > 20 and '<option value="A市城市管理局（cgj）">' in options
    # One careless click dispatches to the suggestion, not to the alphabetically first unit.
    assert post(client, t.number, "dispatch", {"unit": unit_field(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).department.code == "zjj"


def test_a_unit_that_returned_the_ticket_is_not_suggested_again(app: Flask, reference: None,
                                                                client: FlaskClient) -> None:
    t = dispatched(client)
    t.classifier_label, t.classifier_confidence = "城乡建设", 0.41
    db.session.commit()
    with app.test_client() as api:
        act(api, "zjj-lead", t.number, "return", {"reason_code": "not_our_duty", "reason": "不归我们"})
    login(client, "agent")
    assert unit_field(page_of(client.get(f"/tickets/{t.number}"))) == ""


def test_without_a_suggestion_nothing_is_chosen_and_a_choice_is_required(
        app: Flask, reference: None, client: FlaskClient) -> None:
    t = new_ticket()
    login(client, "agent")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert unit_field(page) == "" and "没有建议单位，请选择承办单位" in page
    response = post(client, t.number, "dispatch", {"unit": ""})
    assert response.status_code == 400
    assert "请选择承办单位" in error_beside(page_of(response), "dispatch", "unit")
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).status == Status.PENDING_DISPATCH


@pytest.mark.parametrize("typed", ["A市城市管理局（cgj）", "cgj", " A市城市管理局（cgj） "])
def test_the_type_ahead_value_maps_to_the_unit(app: Flask, reference: None,
                                               client: FlaskClient, typed: str) -> None:
    t = new_ticket()
    login(client, "agent")
    assert post(client, t.number, "dispatch", {"unit": typed}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).department.code == "cgj"


# --- 20: an extension of an overdue ticket, previewed and worded by tense --------------------


def test_extension_of_an_overdue_ticket_is_previewed_and_told_in_the_future(
        app: Flask, reference: None, client: FlaskClient) -> None:
    t = signed(client, received_at=datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
    assert t.reply_due == datetime(2026, 10, 15, 17, 30, tzinfo=SHANGHAI)  # long overdue
    with app.test_client() as api:
        assert act(api, "zjj-lead", t.number, "extend",
                   {"days": 3, "reason": "需协调燃气公司"}).status_code == 200
    expected = snapshot.current(db.session).planner.extension(t.reply_due, 3, utcnow())
    shown = expected.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert expected > utcnow()
    login(client, "supervisor")
    page = page_of(client.get(f"/tickets/{t.number}"))
    assert f"批准后答复时限为 {shown}" in page and "原时限已超期，自批准时起算" in page
    board = page_of(client.get("/supervise"))
    assert "批准后答复时限" in board and shown in board
    response = post(client, t.number, "decide-extension",
                    {"approve": "1", "note": "同意", "form": "approve-extension"})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, t.id)
    assert ticket.reply_due == expected and ticket.reply_due > utcnow()
    notice = db.session.scalars(select(Notification).where(
        Notification.kind == "extension_approved")).one()
    assert notice.department.code == "zjj"
    assert f"延期 3 个工作日已批准，答复时限将于 {shown} 到期" in notice.body
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "zjj")
    assert f"将于 {shown} 到期" in page_of(client.get("/notifications"))
