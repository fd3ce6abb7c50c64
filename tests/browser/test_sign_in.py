"""Staff sign in, get locked out after wrong passwords, switch language, and reveal a number, in
a real browser at 1366×768 and at phone width."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in
from tests.conftest import PASSWORD
from tests.hotline.tickets.helpers import act, new_ticket

PHONE = {"width": 390, "height": 844}



def test_wrong_password_then_lock_out(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "zjj", "not-the-password")
    alert = page.locator("#login-error")
    assert alert.get_attribute("role") == "alert" and "用户名或密码错误" in alert.inner_text()
    shot(page, "sign-in-wrong-password")
    for _ in range(4):
        sign_in(page, live_server, "zjj", "not-the-password")
    expect(page.locator("#login-error")).to_contain_text("账号已锁定 15 分钟", use_inner_text=True)
    sign_in(page, live_server, "zjj", PASSWORD)  # locked: even the right password waits
    expect(page.locator("#login-error")).to_contain_text("账号已锁定", use_inner_text=True)
    shot(page, "sign-in-locked")
    page.set_viewport_size(PHONE)
    shot(page, "sign-in-locked-phone")


def test_language_switch_and_back(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("User name").fill("agent")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("Wrong user name or password", use_inner_text=True)
    shot(page, "sign-in-english")
    page.goto(f"{live_server}/track")  # remembered on the next page too (cookie)
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_label("Phone number used")).to_be_visible()  # the citizen pages too
    shot(page, "track-english")
    page.get_by_role("link", name="中文").first.click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.set_viewport_size(PHONE)
    shot(page, "sign-in-phone")


def test_show_number_reveals_in_place(app: Flask, reference: None, live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket().number
    act(app.test_client(), "agent", number, "dispatch", {"unit": "zjj"})
    sign_in(page, live_server, "agent", PASSWORD)
    page.goto(f"{live_server}/tickets/{number}")
    phone = page.locator(f"#phone-{number}")
    assert phone.inner_text() == "138****8000"
    page.get_by_role("button", name="显示号码").click()
    page.get_by_role("link", name="+8613812348000").wait_for()
    expect(page.get_by_role("button", name="显示号码")).to_have_count(0)
    shot(page, "ticket-number-revealed")
    page.set_viewport_size(PHONE)
    shot(page, "ticket-number-revealed-phone")


def test_unit_staff_see_only_the_masked_number(app: Flask, reference: None, live_server: str,
                                               page) -> None:  # type: ignore[no-untyped-def]
    number = new_ticket().number
    act(app.test_client(), "agent", number, "dispatch", {"unit": "zjj"})
    sign_in(page, live_server, "zjj", PASSWORD)
    page.goto(f"{live_server}/tickets/{number}")
    expect(page.locator(f"#phone-{number}")).to_have_text("138****8000", use_inner_text=True)
    expect(page.get_by_role("button", name="显示号码")).to_have_count(0)
