"""合并办理 end to end (issue 18): a burst of SMS about one water outage in one street, through
the real Twilio webhook, becomes one proposed incident group; the agent logging a fifth caller's
call sees the group while typing and attaches the call; a supervisor confirms it on the groups
page, the water company answers the master once, the centre approves, and every caller
receives the answer by SMS under their own ticket number."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in
from tests.browser.test_journey_levels import no_english, submit
from tests.conftest import ChangeSettings, drain
from tests.e2e.test_reply_loop import sms
from tests.fakes import flow
from tests.fakes.twilio_rest import FakeTwilio
from tests.hotline.twilio.test_twilio_sms import signed_post

BURST = {  # three callers and one re-send, each in their own words
    "+8613800000001": "解放路工人新村停水了，从早上到现在一滴水都没有",
    "+8613800000002": "解放路工人新村停水，家里一早上都没有水，什么时候来水",
    "+8613800000003": "工人新村解放路这边停水了，整栋楼都没有自来水",
    "+8613800000004": "解放路工人新村早上开始停水，一直没有水，请尽快处理",
}
CALLER = "+8613800000005"  # phones instead; the agent logs the call
CALL = "解放路工人新村停水了，家里没有水，打电话问问什么时候能来水"
ANSWER = "经查，解放路工人新村停水系供水管道爆裂所致，抢修队已到场，预计今晚20时前恢复供水。"


def test_a_burst_of_sms_is_one_group_answered_once_and_every_caller_told(
        app: Flask, client: FlaskClient, fake_twilio: FakeTwilio, settings: ChangeSettings,
        reference: None, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    settings(intake={"incident_proposals": True})
    numbers: dict[str, str] = {}
    for phone, text in BURST.items():  # one by one, as the worker takes them
        numbers[phone] = re.search(r"\d{8}-\d{6}", sms(client, text, sender=phone)).group(0)  # type: ignore[union-attr]
        drain(app)
    master, *members = (flow.ticket(n) for n in numbers.values())
    assert master.department is not None and master.department.code == "gsjt"
    assert [m.incident_master_id for m in members] == [master.id] * 3
    assert all(m.department is None and not m.clocks for m in members)

    def desk(username: str, path: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        sign_in(page, live_server, username)
        page.goto(f"{live_server}{path}")
        return page

    # A fifth caller phones; the agent sees the group while typing and attaches the call.
    agent = desk("agent", "/agent/calls/new")
    agent.keyboard.type(CALLER[1:].removeprefix("86"))
    agent.get_by_label("诉求内容").fill(CALL)
    expect(agent.locator("#s-incident-text")).to_have_text(
        f"可能与 {master.number} 号工单为同一事件（4 人来电）")
    agent.get_by_role("button", name="并入此合并组").click()
    expect(agent.locator("#incident-note")).to_contain_text(master.number)
    shot(agent, "incident-console-1366")
    with agent.expect_navigation():
        agent.get_by_role("button", name="保存工单").click()
    # The saved-call card is the one confirmation: the number to tell the caller, and the group.
    saved = agent.locator(".card.saved")
    expect(saved).to_contain_text(f"并入 {master.number} 的合并组")
    numbers[CALLER] = saved.locator(".saved-number").inner_text().strip()
    members.append(flow.ticket(numbers[CALLER]))

    # The supervisor finds the proposed group in the navigation and confirms it.
    boss = desk("supervisor", "/supervise")
    with boss.expect_navigation():
        boss.get_by_role("link", name="合并办理", exact=True).click()
    group = boss.locator(f"#group-{master.number}")
    expect(group.locator(".size")).to_have_text("5")
    for m in members:
        expect(group.locator(f"#member-{m.number}")).to_contain_text("待确认")
    shot(boss, "incident-groups-1366")
    no_english(boss)
    with boss.expect_navigation():
        group.get_by_role("button", name="确认合并").click()
    expect(boss.locator(".flash.ok")).to_contain_text("已确认合并办理")
    expect(boss.locator(f"#group-{master.number}")).not_to_contain_text("待确认")
    shot(boss, "incident-groups-confirmed-1366")

    # The water company answers the master once; the centre approves.
    unit = desk("gsjt", f"/tickets/{master.number}")
    expect(unit.locator("#ticket-incident")).to_contain_text("共 5 人来电")
    unit.get_by_role("button", name="签收").click()
    unit.get_by_label("办理结果（答复市民）").fill(ANSWER)
    submit(unit, "提交答复")
    expect(unit.locator("h1 .status")).to_contain_text("已答复", use_inner_text=True)
    centre = desk("agent", f"/tickets/{master.number}")
    submit(centre, "审核通过")
    expect(centre.locator(".approved")).to_be_visible()

    # Every caller gets the answer on their own phone with their own ticket number.
    drain(app)
    answers = {m.to: m.body for m in fake_twilio.sent if "抢修队已到场" in m.body}
    assert set(answers) == set(numbers)  # the four who sent SMS and the one who phoned
    for phone, number in numbers.items():
        assert number in answers[phone]
        assert all(other not in answers[phone] for other in numbers.values() if other != number)
    for m in members:
        assert flow.ticket(m.number).status.value == "replied"

    # Each caller rates on their own: one member's 11 closes that member alone, with no
    # second answer, and the master and the other members wait for their own verdicts.
    rater, number = list(numbers.items())[1]  # a member (the first is the master)
    sent = next(m for m in fake_twilio.sent if m.to == rater and "抢修队已到场" in m.body)
    assert signed_post(client, "/twilio/status", {"MessageSid": sent.sid or "",
                                                  "MessageStatus": "delivered",
                                                  "To": rater}).status_code == 204
    drain(app)
    assert any(m.to == rater and "回复两位数字" in m.body for m in fake_twilio.sent)
    assert sms(client, "11", sender=rater) == ""
    drain(app)
    assert flow.ticket(number).status.value == "closed"
    assert flow.ticket(master.number).status.value == "replied"
    drain(app)
    told = [m.body for m in fake_twilio.sent if m.to == rater]
    assert len(told) == 3 and "感谢您的评价" in told[-1]  # answer, question, thanks: no repeat
