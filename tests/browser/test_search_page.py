"""An agent finds a caller's ticket by two words, then by the last four digits of the phone,
keeps the search as a view and pages through the rest."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in
from tests.hotline.search.test_search import make


def test_agent_searches_saves_a_view_and_pages(
        app: Flask, reference: None, live_server: str, page, browser) -> None:  # type: ignore[no-untyped-def]
    noise = make("楼道里每天晚上有人装修，噪音扰民严重", address="A1区东湖路126号东湖花园",
                 name="张三", phone="13955556666")
    for i in range(3):
        make(f"第{i}栋电梯故障困人", phone="13800001234")

    sign_in(page, live_server, "agent")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工单", exact=True).click()
    expect(page.get_by_role("heading", name="工单查询")).to_be_visible()
    expect(page.locator("p.total")).to_contain_text("共 4 件", use_inner_text=True)

    page.get_by_label("搜索").fill("噪音")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1 and noise.number in rows.first.inner_text()
    assert "139****6666" in rows.first.inner_text()  # the list shows numbers masked

    page.get_by_label("搜索").fill("1234")
    page.get_by_label("渠道").select_option("web")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    expect(page.locator("p.total")).to_contain_text("共 3 件", use_inner_text=True)
    page.get_by_label("保存为视图").fill("电梯来电")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("navigation", name="我的视图").get_by_role("link", name="电梯来电")).to_be_visible()
    shot(page, "search-1366")

    page.goto(f"{live_server}/tickets?q=1234&per_page=2")
    expect(page.locator("p.total")).to_contain_text("第 1 / 2 页", use_inner_text=True)
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state()
    expect(page.locator("table.grid tbody tr")).to_have_count(1)
