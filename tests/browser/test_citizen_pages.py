"""A citizen on a phone: the web form with a photo and the phone's position, the done page,
tracking from its link; and a refused photo that keeps what was typed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.app import settings as app_settings
from hotline.app.extensions import db
from hotline.models import Attachment, Ticket
from tests.browser.conftest import shot, sign_in
from tests.conftest import drain
from tests.hotline.channels.photo_files import CAMERA, photo

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 30.2741, "longitude": 120.1551}


@pytest.fixture
def phone(browser, app: Flask, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A phone-sized page that may use its position (the browser asks; the test says yes)."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, geolocation=HERE,
                                  permissions=["geolocation"], is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_citizen_sends_a_photo_and_her_position_then_tracks_it(
        app: Flask, reference: None, live_server: str, phone, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = phone
    picture = tmp_path / "IMG_2041.jpg"
    picture.write_bytes(photo(size=(800, 600), gps=(30.3, 120.2)))
    page.goto(f"{live_server}/submit")
    expect(page.get_by_label("热线")).to_be_hidden()  # folded away under 其他热线
    page.get_by_label("诉求内容").fill("小区门口的井盖碎了，晚上看不见，很危险")
    page.get_by_label("手机号码").fill("13812348000")
    page.get_by_role("button", name="使用我当前的位置").click()
    page.wait_for_function("document.getElementById('latitude').value !== ''")
    expect(page.locator("#location-status")).to_contain_text("已获取位置 30.27410, 120.15510", use_inner_text=True)
    page.get_by_label("照片（可选）").set_input_files(str(picture))
    page.locator("#other-lines summary").click()
    assert page.get_by_label("热线").input_value() == "12345"
    shot(page, "citizen-form-phone")
    page.get_by_role("button", name="提交").click()

    number = page.locator("#ticket-number").inner_text()
    assert re.fullmatch(r"\d{8}-\d{6}", number)
    expect(page.locator("#sms-promise")).to_contain_text("138****8000", use_inner_text=True)
    assert re.search(r"预计在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前答复", page.locator("#expected-answer").inner_text())
    shot(page, "citizen-done-phone")

    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert (ticket.latitude, ticket.longitude) == (HERE["latitude"], HERE["longitude"])  # not the photo's
    row = db.session.scalars(select(Attachment)).one()
    assert CAMERA.encode() not in (app_settings.current(app).attachment_dir / row.storage_key).read_bytes()

    page.locator("#track-link").click()
    assert page.get_by_label("工单号").input_value() == number
    page.get_by_label("登记的手机号").fill("13812348000")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/track/{number}")
    expect(page.locator("#track-unit")).to_have_text("正在分派承办单位", use_inner_text=True)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} 前", page.locator("#track-expected").inner_text())
    expect(page.locator("#track-no-answer")).to_have_text("尚未答复", use_inner_text=True)
    shot(page, "track-waiting-phone")


def test_a_refused_photo_keeps_what_was_typed(app: Flask, live_server: str, phone,
                                             tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = phone
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"not a picture at all")
    page.goto(f"{live_server}/submit")
    page.get_by_label("诉求内容").fill("公园的健身器材坏了")
    page.get_by_label("手机号码").fill("13812348000")
    page.get_by_label("照片（可选）").set_input_files(str(fake))
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#photo-error")).to_contain_text("不是 JPG 或 PNG", use_inner_text=True)
    assert page.get_by_label("诉求内容").input_value() == "公园的健身器材坏了"
    assert page.get_by_label("手机号码").input_value() == "13812348000"
    shot(page, "citizen-photo-refused-phone")


def test_staff_see_the_citizens_photo_and_position(app: Flask, reference: None, live_server: str,
                                                  page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    citizen = page.context.browser.new_context(locale="zh-CN", viewport=PHONE)
    phone_page = citizen.new_page()
    picture = tmp_path / "IMG_2042.jpg"
    picture.write_bytes(photo(size=(800, 600), gps=(30.2741, 120.1551)))
    phone_page.goto(f"{live_server}/submit")
    phone_page.get_by_label("诉求内容").fill("路口的红绿灯不亮了，车很多")
    phone_page.get_by_label("手机号码").fill("13812348000")
    phone_page.get_by_label("照片（可选）").set_input_files(str(picture))
    phone_page.get_by_label("使用照片中的拍摄位置作为问题位置").check()
    phone_page.get_by_role("button", name="提交").click()
    number = phone_page.locator("#ticket-number").inner_text()
    citizen.close()
    drain(app)

    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/tickets/{number}")
    assert page.locator("#ticket-position").inner_text().startswith("30.274100, 120.155100")
    files = page.locator("ul.files")
    assert "photo-1.jpg" in files.inner_text() and "市民上传" in files.inner_text()
    with page.expect_download() as download:
        files.get_by_role("link", name="photo-1.jpg").click()
    assert download.value.suggested_filename == "photo-1.jpg"
    shot(page, "ticket-citizen-photo-1366")
