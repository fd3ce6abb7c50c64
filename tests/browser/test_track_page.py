"""A citizen follows a ticket on /track and rates the answer, in a real browser (phone width)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import FollowUp, Status
from tests.browser.conftest import shot
from tests.fakes import flow
from tests.hotline.tickets.helpers import new_ticket

PHONE = {"width": 390, "height": 844}


def test_citizen_tracks_the_answer_and_rates_it_unsolved(app: Flask, reference: None,
                                                          live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket("人行道上的井盖丢了，很危险").number  # filed from 13812348000
    flow.answer(number, "井盖已补装。")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/track")
    page.get_by_label("工单号").fill(number)
    page.get_by_label("登记的手机号").fill("13900000000")  # not the caller: told nothing
    page.get_by_role("button", name="查询").click()
    assert "井盖已补装" not in page.content()
    page.get_by_label("工单号").fill(number)
    page.get_by_label("登记的手机号").fill("138 1234 8000")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/track/{number}")
    expect(page.locator("main")).to_contain_text("井盖已补装。", use_inner_text=True)
    expect(page.locator("#track-status")).to_have_text("已答复", use_inner_text=True)
    shot(page, "track-answered-phone")

    page.get_by_label("部分解决").check()
    page.get_by_label("不满意").check()
    page.get_by_label("意见（可选）").fill("只补了一半")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/track/{number}")
    expect(page.locator("#follow-up")).to_have_count(0)  # rated once
    shot(page, "track-rated-phone")
    db.session.expire_all()
    verdict = db.session.scalars(select(FollowUp)).one()
    assert (verdict.solved, verdict.satisfied, verdict.channel) == (2, 3, "web")
    assert flow.ticket(number).status == Status.DISPATCHED  # redo: back to the unit
