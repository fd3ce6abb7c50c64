"""The citizen web form end to end: HTTP -> committed intake -> RQ worker -> ticket."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.catalogue import snapshot
from hotline.domain.deadlines import shown
from hotline.models import Attachment, Intake, IntakeStatus, Line, Status, Ticket, utcnow
from tests.conftest import ChangeSettings, csrf_token, drain, login
from tests.hotline.channels.photo_files import CAMERA, photo


@pytest.fixture(autouse=True)
def photo_dir(settings: ChangeSettings, tmp_path: Path) -> Path:
    """A directory of this test's own, so it sees only the files it stored."""
    return settings(attachment_dir=tmp_path / "attachments").attachment_dir


def post(client: FlaskClient, **fields: str) -> tuple[int, str]:
    data = {"line": "12345", "request_type": "complaint", "content": "小区门口路灯坏了一个月了",
            "phone": "13812348000", "csrf_token": csrf_token(client), **fields}
    response = client.post("/submit", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_submission_shows_number_and_worker_creates_ticket(app: Flask, client: FlaskClient) -> None:
    status, page = post(client, name="张三", address="A1区东湖街道")
    assert status == 201
    number = re.search(r'id="ticket-number">([\d-]+)<', page).group(1)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0  # queued, not yet processed
    drain(app)
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.phone == "+8613812348000"
    assert ticket.status == Status.PENDING_DISPATCH  # no model active: people dispatch it
    assert [e.kind for e in ticket.events] == ["intake", "routing_manual"]
    assert db.session.scalars(select(Intake)).one().status == IntakeStatus.PROCESSED


def test_html_is_stored_as_text_and_escaped(app: Flask, client: FlaskClient,
                                            reference: None) -> None:
    status, _ = post(client, content="<script>alert(1)</script>路灯不亮")
    assert status == 201
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.content == "<script>alert(1)</script>路灯不亮"
    login(client, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮" in page
    assert "<script>alert(1)" not in page


def test_bad_input_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    for fields, message in [({"content": "   "}, "内容"), ({"phone": "12"}, "电话号码"),
                            ({"line": "99999"}, "Not a valid choice"),
                            ({"content": "长" * 5000}, "5000")]:
        status, page = post(client, **fields)
        assert status == 400, fields
        assert message in page or "4000" in page, (fields, page[:500])
    assert db.session.scalar(select(func.count(Intake.id))) == 0


def test_missing_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/submit", data={"content": "x", "phone": "13812348000"})
    assert response.status_code == 400


def test_done_page_links_to_tracking_and_says_what_follows(app: Flask, client: FlaskClient,
                                                            reference: None) -> None:
    planner = snapshot.current(db.session).planner
    before = planner.expected_reply(utcnow())
    status, page = post(client)
    after = planner.expected_reply(utcnow())
    assert status == 201
    number = re.search(r'id="ticket-number">([\d-]+)<', page).group(1)
    assert f'href="/track?n={number}"' in page
    assert "受理短信马上发送到 138****8000" in page and "13812348000" not in page
    assert before is not None
    assert any(f"预计在 {shown(due)} 前答复" in page for due in (before, after))
    # The number is filled in on the tracking page the link opens.
    assert f'value="{number}"' in client.get(f"/track?n={number}").get_data(as_text=True)

    _, landline = post(client, phone="057187654321")
    assert "不会收到短信" in landline and "受理短信" not in landline


def test_line_choice_is_folded_away_and_defaults_to_12345(app: Flask, client: FlaskClient) -> None:
    form = client.get("/submit").get_data(as_text=True)
    details = form[form.index('<details class="other-lines"'):form.index("</details>")]
    assert "其他热线" in details and 'name="line"' in details and "<details" in details
    assert 'open' not in details.split(">")[0]  # folded for the citizen who does not know
    data = {"request_type": "complaint", "content": "楼下餐馆油烟太大", "phone": "13812348000",
            "csrf_token": csrf_token(client)}
    assert client.post("/submit", data=data).status_code == 201  # no line given
    assert db.session.scalars(select(Intake)).one().line == Line.L12345
    status, page = post(client, line="12315", content="")
    assert status == 400 and '<details class="other-lines" id="other-lines" open>' in page
    english = client.get("/submit?lang=en").get_data(as_text=True)
    assert "Other hotlines" in english and "Photos (optional)" in english
    assert "其他热线" not in english and "现场照片" not in english


def _photo_post(client: FlaskClient, files: list[tuple[bytes, str]], **fields: str) -> tuple[int, str]:
    data: dict[str, object] = {"line": "12345", "request_type": "complaint",
                               "content": "路边井盖破了，见照片", "phone": "13812348000",
                               "csrf_token": csrf_token(client), **fields}
    data["photos"] = [(io.BytesIO(raw), name) for raw, name in files]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def _stored(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def test_photos_are_kept_without_metadata_and_shown_to_staff(
        app: Flask, client: FlaskClient, photo_dir: Path, reference: None) -> None:
    status, _ = _photo_post(client, [(photo(gps=(30.2741, 120.1551)), "IMG_0001.JPG"),
                                     (photo("PNG"), "screenshot.png")])
    assert status == 201
    # Committed with the intake before any worker ran: a worker that is down loses nothing.
    intake = db.session.scalars(select(Intake)).one()
    assert [p["type"] for p in intake.payload["photos"]] == ["image/jpeg", "image/png"]
    files = _stored(photo_dir)
    assert len(files) == 2 and all(CAMERA.encode() not in f.read_bytes() for f in files)
    assert "lat" not in intake.payload  # the position was not shared
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.latitude is None and ticket.longitude is None
    rows = db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                              .order_by(Attachment.id)).all()
    assert [r.filename for r in rows] == ["photo-1.jpg", "photo-2.png"]
    assert {r.storage_key for r in rows} == {f.name for f in files}
    login(client, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "photo-1.jpg" in page and "市民上传" in page
    got = client.get(f"/tickets/{ticket.number}/attachments/{rows[0].id}")
    assert got.status_code == 200 and got.headers["Content-Disposition"].startswith("attachment;")
    assert Image.open(io.BytesIO(got.data)).format == "JPEG"


def test_a_shared_photo_location_becomes_the_ticket_location(app: Flask, client: FlaskClient,
                                                             reference: None) -> None:
    status, _ = _photo_post(client, [(photo(), "a.jpg"), (photo(gps=(30.2741, 120.1551)), "b.jpg")],
                            share_photo_location="y", latitude="31.0", longitude="121.0")
    assert status == 201
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.latitude, ticket.longitude) == pytest.approx((30.2741, 120.1551), abs=1e-5)
    login(client, "agent")
    assert "30.274100, 120.155100" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_the_browser_position_is_stored_on_the_ticket(app: Flask, client: FlaskClient,
                                                      reference: None) -> None:
    status, _ = post(client, address="A1区东湖街道 88 号", latitude="30.25", longitude="120.16")
    assert status == 201
    drain(app)
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.address, ticket.latitude, ticket.longitude) == ("A1区东湖街道 88 号", 30.25, 120.16)


@pytest.mark.parametrize(("fields", "message"), [
    ({"latitude": "30.25"}, "位置不完整"),
    ({"latitude": "95", "longitude": "120"}, "位置无效"),
    ({"latitude": "abc", "longitude": "120"}, "位置无效"),
])
def test_a_broken_position_is_refused_with_the_text_kept(app: Flask, client: FlaskClient,
                                                         fields: dict[str, str], message: str) -> None:
    status, page = post(client, content="井盖丢了很危险", **fields)
    assert status == 400 and message in page and "井盖丢了很危险" in page
    assert db.session.scalar(select(func.count(Intake.id))) == 0


@pytest.mark.parametrize(("files", "status", "message"), [
    ([(photo(), "ok.jpg"), (b"<script>alert(1)</script>", "photo.jpg")], 415, "第 2 张照片不是 JPG 或 PNG"),
    ([(b"GIF89a" + b"\0" * 32, "anim.gif")], 415, "不是 JPG 或 PNG"),
    ([(photo(), "a.jpg")] * 4, 400, "最多上传 3 张"),
])
def test_a_refused_photo_keeps_the_text_and_stores_nothing(
        app: Flask, client: FlaskClient, photo_dir: Path, files: list[tuple[bytes, str]],
        status: int, message: str) -> None:
    got, page = _photo_post(client, files)
    assert got == status and message in page
    assert "路边井盖破了，见照片" in page and "您填写的内容已保留" in page
    assert db.session.scalar(select(func.count(Intake.id))) == 0
    assert _stored(photo_dir) == []


def test_photos_of_a_refused_request_are_removed(app: Flask, client: FlaskClient,
                                                 photo_dir: Path) -> None:
    # The photos pass, the phone number does not: the files stored for it must go.
    status, page = _photo_post(client, [(photo(), "a.jpg")], phone="12")
    assert status == 400 and "电话号码" in page
    assert db.session.scalar(select(func.count(Intake.id))) == 0
    assert _stored(photo_dir) == []


def test_a_photo_over_the_size_limit_is_refused_on_the_form(
        app: Flask, client: FlaskClient, photo_dir: Path, settings: ChangeSettings) -> None:
    settings(web_photo_max_bytes=2048)
    status, page = _photo_post(client, [(photo(size=(400, 400)) + b"\0" * 4096, "big.jpg")])
    assert status == 413 and "第 1 张照片超过 2 KB 上限" in page
    assert "路边井盖破了，见照片" in page
    assert db.session.scalar(select(func.count(Intake.id))) == 0 and _stored(photo_dir) == []


def test_photos_over_the_form_limit_are_accepted(app: Flask, client: FlaskClient) -> None:
    # Two 1.5 MB photos: more than MAX_CONTENT_LENGTH (2 MB for forms), within the photo limits.
    noisy = Image.effect_noise((1200, 1200), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    raw = out.getvalue()
    assert len(raw) > 1024 * 1024
    status, page = _photo_post(client, [(raw, "a.png"), (raw, "b.png")])
    assert status == 201, page[:300]
