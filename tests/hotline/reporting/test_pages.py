"""The dashboard page and its exports over HTTP: content, headers, permissions, bad input, and
deciding an extension from the page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.models import ExtensionRequest, Ticket
from hotline.reporting import figures
from tests.conftest import csrf_token, login
from tests.hotline.reporting.levels import NOW, build_hierarchy, build_tickets
from tests.hotline.tickets.helpers import act, new_ticket


@pytest.fixture
def waiting(app: Flask, reference: None) -> str:
    """A ticket dispatched to zjj, signed, with an extension request pending."""
    n = new_ticket().number
    with app.test_client() as api:
        assert act(api, "agent", n, "dispatch", {"unit": "zjj"}).status_code == 200
        assert act(api, "zjj", n, "sign").status_code == 200
        assert act(api, "zjj-lead", n, "extend", {"days": 3, "reason": "需现场勘查"}) \
            .status_code == 200
    figures.refresh(db.session)  # what the scheduler's job does every minute
    unit_of_work.commit(db.session)
    return n


def test_supervisor_sees_waiting_work_and_the_figures(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    page = client.get("/supervise").get_data(as_text=True)
    for heading in ("督办工作台", "超期与临期", "待审批延期", "待仲裁退单", "待审核答复", "督办单",
                    "单位排名", "每日受理量", "各区县在办与超期", "按区县统计", "本周热点",
                    "待审批挂起", "待审核申诉"):
        assert heading in page, heading
    assert waiting in page and "需现场勘查" in page
    ranking = page.split('id="t-ranking"')[1].split("</table>")[0]
    assert "A市住房和城乡建设局" in ranking and "100.0%" in ranking  # signed in time: 1 of 1
    assert 'id="chart-trend"' in page and "vendor/echarts/echarts.min.js" in page
    assert page.count("/supervise/export/") == 2 * 18  # every table (casework 2 more, levels 2 more, the map 1), both formats
    assert "统计数据更新于" in page


def test_csv_export_is_utf8_with_bom_for_excel(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    response = client.get("/supervise/export/extensions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("工单号,单位,延期工作日,理由")
    assert waiting in lines[1] and "需现场勘查" in lines[1]


def test_xlsx_export_holds_the_same_table(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    response = client.get("/supervise/export/ranking.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "单位", "受理量")
    zjj = next(r for r in rows[1:] if "A市住房和城乡建设局" in r[1])
    headers = list(rows[0])
    assert zjj[headers.index("响应率")] == 1.0  # a number, formatted as a percentage
    assert sheet.cell(row=2 + rows[1:].index(zjj), column=headers.index("响应率") + 1) \
        .number_format == "0.0%"


@pytest.mark.parametrize("user", ["zjj", "zjj-lead", "agent"])
def test_page_and_exports_are_refused_to_other_posts(client: FlaskClient, reference: None,
                                                     user: str) -> None:
    login(client, user)
    assert client.get("/supervise").status_code == 403
    assert client.get("/supervise/export/ranking.xlsx").status_code == 403
    assert client.get("/supervise/export/by_unit.csv").status_code == 403


def test_anonymous_is_sent_to_sign_in(client: FlaskClient, reference: None) -> None:
    assert client.get("/supervise/export/ranking.csv").status_code in (302, 401)


@pytest.mark.parametrize(("query", "status", "message"), [
    ("/supervise?start=2026-13-01", 400, "YYYY-MM-DD"),
    ("/supervise?start=2026-03-09&end=2026-03-01", 400, "晚于"),
    ("/supervise/export/ranking.csv?start=2020-01-01&end=2026-01-01", 400, "最长"),
    ("/supervise/export/nothing.csv", 404, "没有这个表格"),
    ("/supervise/export/ranking.pdf", 404, "没有这个表格"),
])
def test_bad_requests_get_a_clear_4xx(client: FlaskClient, reference: None, query: str,
                                      status: int, message: str) -> None:
    login(client, "supervisor")
    response = client.get(query)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_period_picker_selects_the_days(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    old = client.get("/supervise/export/by_line.csv?start=2020-01-01&end=2020-01-31")
    rows = old.data.decode("utf-8-sig").splitlines()
    assert rows[-1].startswith("合计,0,")  # nothing was accepted in January 2020
    now = client.get("/supervise/export/by_line.csv").data.decode("utf-8-sig").splitlines()
    assert now[-1].startswith("合计,1,")


def test_extension_approved_from_the_dashboard(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    page = client.get("/supervise").get_data(as_text=True)
    form = re.search(rf'action="/tickets/{waiting}/act/decide-extension".*?'
                     r'name="csrf_token" value="([^"]+)"', page, re.S)
    assert form, "no approval form on the dashboard"
    response = client.post(f"/tickets/{waiting}/act/decide-extension",
                           data={"approve": "1", "note": "同意", "next": "/supervise",
                                 "csrf_token": form.group(1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise")
    db.session.expire_all()
    request = db.session.scalars(select(ExtensionRequest)).one()
    assert (request.status, request.decision_note) == ("approved", "同意")
    after = client.get("/supervise").get_data(as_text=True)
    assert "没有待审批的延期" in after


def test_next_only_returns_to_the_dashboard(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    response = client.post(f"/tickets/{waiting}/act/decide-extension",
                           data={"approve": "0", "next": "https://evil.example/",
                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{waiting}")


def test_the_dashboard_reads_in_english(client: FlaskClient, waiting: str) -> None:
    login(client, "supervisor")
    page = client.get("/supervise?lang=en").get_data(as_text=True)
    for text in ("Supervision dashboard", "Extensions awaiting approval", "Response rate",
                 "Units ranked (mean of the three rates)", "By District"):
        assert text in page, text
    assert "督办工作台" not in page


FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1")


@pytest.fixture
def hostile(app: Flask, reference: None) -> dict[str, str]:
    """Replies awaiting review (the table shows the citizen's words) on tickets whose text is a
    formula; intake tidies the leading TAB and CR away, so those two arrive as '=1'."""
    contents: dict[str, str] = {}
    with app.test_client() as api:
        for text in FORMULAS:
            n = new_ticket(text).number
            assert act(api, "agent", n, "dispatch", {"unit": "zjj"}).status_code == 200
            assert act(api, "zjj", n, "sign").status_code == 200
            assert act(api, "zjj", n, "reply", {"answer": "已处理"}).status_code == 200
            contents[n] = db.session.scalars(select(Ticket.content).where(Ticket.number == n)).one()
    return contents


def test_xlsx_export_holds_no_formula(client: FlaskClient, hostile: dict[str, str]) -> None:
    login(client, "supervisor")
    sheet = load_workbook(io.BytesIO(client.get("/supervise/export/review.xlsx").data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells), [c.value for c in cells if c.data_type == "f"]
    shown = {row[0].value: row[3] for row in sheet.iter_rows(min_row=2)}
    assert set(shown) == set(hostile)
    for number, content in hostile.items():
        assert (shown[number].value, shown[number].data_type) == ("'" + content, "s")


def test_csv_export_quotes_every_formula(client: FlaskClient, hostile: dict[str, str]) -> None:
    login(client, "supervisor")
    body = client.get("/supervise/export/review.csv").data.decode("utf-8-sig")
    rows = {row[0]: row[3] for row in list(csv.reader(io.StringIO(body)))[1:]}
    assert rows == {number: "'" + content for number, content in hostile.items()}


@pytest.fixture
def levels(app: Flask, reference: None) -> None:
    """The small hierarchy of `levels` (district a1, streets 东街 and 西街) and its tickets, in
    the demo city's district a1, 2026-03-03."""
    build_tickets(build_hierarchy())
    db.session.commit()
    figures.refresh(db.session, NOW)
    unit_of_work.commit(db.session)


PERIOD_ARGS = "start=2026-03-02&end=2026-03-08"


def _rows(page: str, key: str) -> list[list[str]]:
    """The table's body rows, each as its cells' text."""
    body = page.split(f'id="t-{key}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                          row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.mark.parametrize(("lang", "texts"), [
    ("zh", ("按层级统计（区县、街道）", "区县排名（三率均值）", "A1区各街道", "未到街道（区县、市级部门自办）",
            "合计", "街道排名（三率均值）")),
    ("en", ("By level (districts, streets)", "Districts ranked (mean of the three rates)",
            "Streets of A1区", "Not at a street (handled by district or city units)", "Total",
            "Streets ranked (mean of the three rates)")),
])
def test_the_dashboard_drills_down_from_a_district_to_its_streets(
        client: FlaskClient, levels: None, lang: str, texts: tuple[str, ...]) -> None:
    login(client, "supervisor")
    top = client.get(f"/supervise?{PERIOD_ARGS}&lang={lang}").get_data(as_text=True)
    assert 'id="t-by_street"' not in top  # no district chosen yet
    link = re.search(r'href="(/supervise\?[^"]*district=a1[^"]*)#t-by_street"', top)
    assert link, "no drill-down link on the district ranking"
    page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    for text in texts:
        assert text in page, text
    rows = {r[0]: r[1] for r in _rows(page, "by_street")}  # name → 受理量
    assert rows["东街（lf-a1-s1）"] == "2" and rows["西街（lf-a1-s2）"] == "1"
    assert rows["A1区东湖街道办事处（a1-s1）"] == "0"  # the demo's street of a1: listed, no ticket
    assert list(rows.values())[-2:] == ["2", "5"]  # not at a street, then the district's total
    assert "lf-a1-s1" not in "".join(r[0] for r in _rows(page, "rank_district"))
    ranked = _rows(page, "rank_street")
    assert [r[1] for r in ranked] == ["东街（lf-a1-s1）", "西街（lf-a1-s2）"]
    # The unit ranking still counts the forwarded tickets for the accountable bureau.
    assert ["区城管局（lf-a1-cg）", "3"] in [r[1:3] for r in _rows(page, "ranking")]


def test_the_drill_down_exports_the_district_s_streets(client: FlaskClient,
                                                      levels: None) -> None:
    login(client, "supervisor")
    page = client.get(f"/supervise?{PERIOD_ARGS}&district=a1").get_data(as_text=True)
    href = re.search(r'href="(/supervise/export/by_street\.csv\?[^"]+)"', page)
    assert href and "district=a1" in href.group(1)
    rows = list(csv.reader(io.StringIO(
        client.get(href.group(1).replace("&amp;", "&")).data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["街道/乡镇", "受理量"]
    found = {r[0]: r[1] for r in rows[1:]}
    assert found["东街（lf-a1-s1）"] == "2" and found["合计"] == "5"
    every = client.get(f"/supervise/export/by_street.csv?{PERIOD_ARGS}").data.decode("utf-8-sig")
    assert "A1区 · 东街（lf-a1-s1）,2," in every and "合计" not in every
    assert '<input type="hidden" name="district" value="a1">' in page  # a new period keeps it
    assert client.get(f"/supervise?{PERIOD_ARGS}&district=zz").status_code == 400
