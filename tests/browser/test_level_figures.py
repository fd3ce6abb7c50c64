"""A supervisor drills the dashboard down from a district to its streets: a ticket the district
government forwarded to 东湖街道 counts for that street there, and for the district government
in the unit ranking."""

from __future__ import annotations

from flask import Flask

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.reporting import figures
from tests.browser.conftest import shot, sign_in
from tests.hotline.tickets.helpers import act, new_ticket


def test_supervisor_drills_down_from_a_district_to_its_streets(
        app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket("幸福小区路灯坏了一个多月没人修", address="A1区东湖街道").number
    with app.test_client() as api:
        assert act(api, "agent", number, "dispatch", {"unit": "a1-gov"}).status_code == 200
        assert act(api, "a1-gov", number, "sign").status_code == 200
        assert act(api, "a1-gov-lead", number, "forward",
                   {"unit": "a1-s1", "note": "请街道现场核实"}).status_code == 200
    figures.refresh(db.session)  # the scheduler's minute job
    unit_of_work.commit(db.session)

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise")
    units = page.get_by_role("region", name="单位排名（三率均值）")
    assert units.get_by_role("row").filter(has_text="A1区人民政府（a1-gov）").count() == 1
    districts = page.get_by_role("region", name="区县排名（三率均值）")
    districts.get_by_role("row").filter(has_text="A1区").get_by_role("link", name="查看街道").click()
    streets = page.get_by_role("region", name="A1区各街道")
    row = streets.get_by_role("row").filter(has_text="a1-s1")
    assert row.get_by_role("cell").nth(1).inner_text() == "1"  # 受理量: the forwarded ticket
    total = streets.get_by_role("row").filter(has_text="合计")
    assert total.get_by_role("cell").nth(1).inner_text() == "1"
    shot(page, "supervise-streets-1366")
