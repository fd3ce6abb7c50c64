"""The whole level journey of issue 17 on real pages, in one browser test: the district's lead
forwards a signed ticket to a street (转派), the street's lead names a handler (经办人), the street
records the first contact (先行联系), a public progress note (阶段性答复) and an internal note,
signs and answers the forwarded task; the district adopts the answer, the centre approves it
(审核通过) and the citizen reads the progress note and the answer on /track, never the internal
note."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import ForwardTask, Status, Ticket
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket

PUBLIC_NOTE = "已约市民明天上午到现场查看路灯"
INTERNAL_NOTE = "内部：该路段路灯产权待与供电所核实"
ANSWER = "街道已联系供电所，路灯已于今日修复，请市民留意。"
ENGLISH = ("Submit", "Forward", "Assign", "handler", "Internal note", "Sign in", "Track")


def submit(page, button: str) -> None:  # type: ignore[no-untyped-def]
    """Press a form's button and wait for the page it leads to (the POST redirects back)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def no_english(page) -> None:  # type: ignore[no-untyped-def]
    """None of the usual English button or label words leaks onto the Chinese page."""
    text = page.locator("main").inner_text()
    leaked = [w for w in ENGLISH if w in text]
    assert not leaked, f"English on a Chinese page ({page.url}): {leaked}"


def test_district_forwards_street_works_district_adopts_centre_approves_citizen_tracks(
        app: Flask, reference: None, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    t = new_ticket("小区门口路灯坏了很久没人修，晚上出行很不方便")  # filed from 13812348000
    with app.test_client() as api:
        assert act(api, "agent", t.number, "dispatch", {"unit": "a1-gov"}).status_code == 200
        assert act(api, "a1-gov-lead", t.number, "sign").status_code == 200

    def desk(username: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/tickets/{t.number}")
        return page

    # 1. The district's lead forwards the signed ticket to one of its streets.
    district = desk("a1-gov-lead")
    district.locator("summary", has_text="转派").click()
    district.get_by_label("转派给下级单位").select_option("a1-s1")
    district.get_by_label("转派说明").fill("请街道现场核实并先行联系市民")
    shot(district, "journey-1-forward-1366")
    submit(district, "确认转派")
    expect(district.locator(".flash.ok")).to_be_visible()
    expect(district.locator(".forwarded")).to_contain_text("已转派给", use_inner_text=True)
    no_english(district)

    # 2. The street's lead signs the forwarded task and looks for the 经办人 form.
    street = desk("a1-s1-lead")
    submit(street, "签收转派")
    expect(street.locator(".flash.ok")).to_be_visible()
    shot(street, "journey-2-street-signed-1366")
    no_english(street)
    street.get_by_label("经办人").select_option("a1-s1")
    submit(street, "指定经办人")
    assert "（a1-s1）" in street.locator("#ticket-handler").inner_text()

    # 3. The street records the first contact, a public progress note and an internal note.
    street.get_by_label("联系方式").select_option("phone")
    street.get_by_label("联系情况（内部）").fill("已电话联系市民，约定明天上午见面")
    submit(street, "记录联系")
    expect(street.locator(".flash.ok")).to_be_visible()
    assert "已联系" in street.locator("summary", has_text="先行联系").inner_text()

    street.locator("summary", has_text="写备注").click()
    street.get_by_label("备注内容").fill(PUBLIC_NOTE)
    street.get_by_label("阶段性答复（市民可见）").check()
    submit(street, "保存备注")
    expect(street.locator(".flash.ok")).to_be_visible()
    street.locator("summary", has_text="写备注").click()
    street.get_by_label("备注内容").fill(INTERNAL_NOTE)
    assert not street.get_by_label("阶段性答复（市民可见）").is_checked()
    submit(street, "保存备注")
    expect(street.locator(".flash.ok")).to_be_visible()

    # 4. The street answers the forwarded task.
    street.get_by_label("办理结果（反馈转派单位）").fill(ANSWER)
    shot(street, "journey-3-street-reply-1366")
    submit(street, "提交反馈")
    assert "已反馈，待转派单位采纳" in street.content()
    no_english(street)

    # 5. The district adopts the street's answer as its reply.
    district.reload()
    assert ANSWER in district.locator(".forwards").inner_text()
    shot(district, "journey-4-district-adopt-1366")
    submit(district, "采纳为本单位答复")
    expect(district.locator("h1 .status")).to_contain_text("已答复", use_inner_text=True)

    # 6. The centre approves the reply.
    centre = desk("supervisor")
    shot(centre, "journey-5-centre-review-1366")
    submit(centre, "审核通过")
    expect(centre.locator(".flash.ok")).to_be_visible()
    expect(centre.locator(".approved")).to_be_visible()
    no_english(centre)

    db.session.expire_all()
    ticket = db.session.get(Ticket, t.id)
    assert ticket.status == Status.REPLIED and ticket.department.code == "a1-gov"
    assert db.session.scalars(select(ForwardTask.status)).one() == "accepted"
    kinds = [e.kind for e in ticket.events]
    for kind in ("contacted", "progress_note", "internal_note"):
        assert kind in kinds, kind

    # 7. The citizen follows the ticket on /track (phone width).
    citizen = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True).new_page()
    citizen.goto(f"{live_server}/track")
    citizen.get_by_label("工单号").fill(t.number)
    citizen.get_by_label("登记的手机号").fill("138 1234 8000")
    submit(citizen, "查询")
    citizen.wait_for_url(f"**/track/{t.number}")
    shown = citizen.locator("main").inner_text()
    shot(citizen, "journey-6-track-phone")
    assert citizen.locator("#track-status").inner_text() == "已答复"
    assert PUBLIC_NOTE in shown
    assert ANSWER in shown
    assert INTERNAL_NOTE not in citizen.content()
    assert "供电所核实" not in citizen.content()
    no_english(citizen)
