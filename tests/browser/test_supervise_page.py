"""A supervisor finds a unit's ticket in the dashboard's figures and approves its extension."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import ExtensionRequest
from hotline.reporting import figures
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket

UNIT = "A市住房和城乡建设局"


def test_supervisor_sees_the_ticket_in_the_figures_and_approves_an_extension(
        app: Flask, reference: None, live_server: str, page, browser) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket("幸福小区路灯坏了一个多月没人修", address="A1区东湖街道").number
    with app.test_client() as api:
        assert act(api, "agent", number, "dispatch", {"unit": "zjj"}).status_code == 200
        assert act(api, "zjj", number, "sign").status_code == 200
        assert act(api, "zjj-lead", number, "extend",
                   {"days": 3, "reason": "需协调供电公司现场勘查"}).status_code == 200
    figures.refresh(db.session)  # the scheduler's minute job
    unit_of_work.commit(db.session)

    sign_in(page, live_server, "supervisor")
    page.get_by_role("link", name="督办").first.click()
    expect(page.get_by_role("heading", name="督办工作台")).to_be_visible()

    ranking = page.get_by_role("region", name="单位排名（三率均值）")
    row = ranking.get_by_role("row").filter(has_text=UNIT)
    assert row.get_by_role("cell").nth(2).inner_text() == "1"  # 受理量: this ticket
    assert "100.0%" in row.inner_text()  # signed for within the limit
    page.locator("#chart-trend svg").first.wait_for()  # ECharts drew the trend from the vendor copy
    expect(page.locator("#chart-districts svg")).to_have_count(1)
    shot(page, "supervise-1366")

    extensions = page.get_by_role("region", name="待审批延期")
    request_row = extensions.get_by_role("row").filter(has_text=number)
    assert "需协调供电公司现场勘查" in request_row.inner_text()
    request_row.get_by_placeholder("意见（可选）").first.fill("同意延期，请按期办结")
    request_row.get_by_role("button", name="批准").click()
    page.wait_for_url(f"{live_server}/supervise")
    expect(page.get_by_text("没有待审批的延期")).to_be_visible()

    db.session.expire_all()
    decided = db.session.scalars(select(ExtensionRequest)).one()
    assert (decided.status, decided.decision_note) == ("approved", "同意延期，请按期办结")
    assert decided.new_due > decided.old_due

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                storage_state=page.context.storage_state())
    small = phone.new_page()
    small.goto(f"{live_server}/supervise")
    expect(small.get_by_role("heading", name="督办工作台")).to_be_visible()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shot(small, "supervise-phone")
    phone.close()



def _overlap(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_district_chart_legend_hides_no_district_name(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    """未知区县 and the other x-axis labels (rotated: eight districts) stand inside the chart
    and clear of the colour legend's bar, at desktop and phone widths."""
    # 未知区县 fifth of eight (A1-A4 have more open tickets): mid-axis, where the legend was
    for text in ("小区门口的路灯坏了好几天", *(f"A{n}区小区门口路灯坏了" for n in range(1, 8)),
                 *(f"A{n}区街边垃圾桶满了" for n in range(1, 5))):
        new_ticket(text)
    sign_in(page, live_server, "supervisor")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/supervise")
        chart = page.locator("#chart-districts")
        expect(chart.locator("svg text", has_text="未知区县")).to_have_count(1)
        frame = chart.bounding_box()
        names = [t.bounding_box() for t in chart.locator("svg text").all()
                 if (t.text_content() or "").strip().endswith(("区", "县"))]
        legend = [e.bounding_box() for e in chart.locator("svg [fill^='url(']").all()]
        assert frame and len(names) == 8 and legend, width
        for name in names:
            assert name and name["y"] + name["height"] <= frame["y"] + frame["height"] + 1, width
            assert not any(b and _overlap(name, b) for b in legend), width
