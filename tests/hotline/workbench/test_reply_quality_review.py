"""The reply-quality check beside the review buttons (审核) and in the API's ticket JSON: shown
to the reviewer while the answer awaits review, in the reader's language, never to the unit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.models import Ticket
from tests.conftest import login
from tests.hotline.tickets.helpers import act, get
from tests.hotline.tickets.test_ticket_forms import page_of, post
from tests.hotline.workbench.test_unit_workbench import dispatched

EVASIVE = "您好，您反映的问题已转相关部门处理。感谢您的支持！"


@pytest.fixture
def answered(app: Flask, reference: None) -> Ticket:
    with app.test_client() as api:
        t = dispatched("小区门口路灯坏了很久没人修，晚上漆黑一片", 22, client=api)
        assert act(api, "zjj", t.number, "sign-reply", {"answer": EVASIVE}).status_code == 200
    return t


def actions_of(page: str) -> str:
    return page.split('<div class="actions">')[1]


def test_the_reasons_stand_beside_the_review_buttons(client: FlaskClient, answered: Ticket) -> None:
    login(client, "supervisor")
    page = page_of(client.get(f"/tickets/{answered.number}"))
    actions = actions_of(page)
    check = actions.split('id="reply-quality"')[1].split("</section>")[0]
    # Right before 审核通过 / 退回重办, in the same block of actions.
    assert actions.index('id="reply-quality"') < actions.index('id="form-accept-reply"') \
        < actions.index('id="form-reject-reply"')
    assert "答复质量检查" in check and "较差" in check
    assert re.search(r'class="score">(\d+)</span>/100', check).group(1) == "0"  # type: ignore[union-attr]
    assert ('<li class="problem" data-code="evasive">推诿：只有转办用语，没有办理结果 '
            '<q lang="zh-CN">已转相关部门</q></li>') in check
    assert "/ evasive" not in check  # the Chinese half only on a Chinese page
    assert "仅供参考；是否通过由审核人决定" in check


def test_an_english_page_shows_the_english_reasons(client: FlaskClient, answered: Ticket) -> None:
    login(client, "supervisor")
    page = page_of(client.get(f"/tickets/{answered.number}?lang=en"))
    check = page.split('id="reply-quality"')[1].split("</section>")[0]
    assert "Reply quality check" in check and "poor" in check
    # The unit's own words stay Chinese, marked as such for screen readers.
    assert 'evasive: only a hand-off, no outcome <q lang="zh-CN">已转相关部门</q>' in check
    assert "推诿" not in check


def test_a_good_answer_reads_good(app: Flask, client: FlaskClient, reference: None) -> None:
    with app.test_client() as api:
        t = dispatched("幸福小区门口路灯坏了很久没人修，晚上漆黑一片", 23, client=api)
        answer = ("经核实，幸福小区门口路灯因线路老化损坏。我局已于12月3日安排维修人员到现场更换线路和"
                  "灯具，路灯已恢复照明。根据《A市城市照明管理办法》第十二条，路灯由区城管局负责养护，"
                  "如再有故障请拨打0731-84561234。")
        assert act(api, "zjj", t.number, "sign-reply", {"answer": answer}).status_code == 200
    login(client, "supervisor")
    check = page_of(client.get(f"/tickets/{t.number}")).split('id="reply-quality"')[1] \
        .split("</section>")[0]
    assert 'class="reply-quality good"' in page_of(client.get(f"/tickets/{t.number}"))
    assert "较好" in check and 'class="problem"' not in check
    assert '给出依据 <q lang="zh-CN">《A市城市照明管理办法》第十二条</q>' in check


def test_the_unit_and_an_approved_reply_get_no_check(client: FlaskClient, answered: Ticket) -> None:
    login(client, "zjj")
    assert 'id="reply-quality"' not in page_of(client.get(f"/tickets/{answered.number}"))
    login(client, "supervisor")
    assert post(client, answered.number, "review-reply",
                {"accept": "1", "form": "accept-reply"}).status_code == 302
    assert 'id="reply-quality"' not in page_of(client.get(f"/tickets/{answered.number}"))


def test_the_api_ticket_carries_the_check_for_reviewers(app: Flask, answered: Ticket) -> None:
    with app.test_client() as api:
        body = get(api, "agent", f"/api/v1/tickets/{answered.number}").get_json()
        quality = body["reply_quality"]
        assert quality["evasive"] is True and quality["band"] == "poor"
        assert quality["reasons"][0] == {
            "code": "evasive", "good": False, "evidence": "已转相关部门",
            "message": "推诿：只有转办用语，没有办理结果 / evasive: only a hand-off, no outcome"}
        assert "reply_quality" not in get(api, "zjj", f"/api/v1/tickets/{answered.number}").get_json()
        assert all("reply_quality" not in t for t in get(api, "agent", "/api/v1/tickets").get_json()["items"])


def test_the_dashboard_review_list_carries_the_score(client: FlaskClient, answered: Ticket) -> None:
    """Replies can be approved from /supervise too: the check stands in that row."""
    login(client, "supervisor")
    review = page_of(client.get("/supervise")).split('id="t-review"')[1].split("</table>")[0]
    assert "质量分" in review and "质量提示" in review
    row = review.split(f"/tickets/{answered.number}", 1)[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in row and "<td>较差：推诿：只有转办用语，没有办理结果</td>" in row
    assert f"/tickets/{answered.number}/act/review-reply" in row  # the approve button, same row
    english = page_of(client.get("/supervise?lang=en")).split('id="t-review"')[1].split("</table>")[0]
    assert "<td>poor: evasive: only a hand-off, no outcome</td>" in english
    csv = client.get("/supervise/export/review.csv").get_data(as_text=True)
    # The language chosen last (English) carries over to the export, with every row.
    assert ",0,\"poor: evasive: only a hand-off, no outcome\"" in csv and "Quality score" in csv
