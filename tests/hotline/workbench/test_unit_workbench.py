"""The unit workbench over HTTP: inbox tabs, filters, search and pages; attachments with their
checks; reply templates and who may keep them."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.app import settings as app_settings
from hotline.app.extensions import db
from hotline.models import Attachment, ReplyTemplate, Status, Ticket, Topic
from hotline.workbench import inbox
from tests.conftest import ChangeSettings, csrf_token, login
from tests.hotline.tickets.helpers import act, new_ticket

SH = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def dispatched(content: str, day: int, *, line: str = "12345", unit: str = "zjj",
               client: FlaskClient) -> Ticket:
    t = new_ticket(content, received_at=datetime(2026, 9, day, 10, 0, tzinfo=SH), line=line)
    if t.status == Status.PENDING_DISPATCH:  # the catalogue may already have routed it
        assert act(client, "agent", t.number, "dispatch", {"unit": unit}).status_code == 200
        db.session.expire_all()
    assert t.status == Status.DISPATCHED and t.department.code == unit
    return t


def numbers(page: str) -> list[str]:
    return re.findall(r'class="ticket-link" href="/tickets/([\d-]+)"', page)


def tab_count(page: str, label: str) -> int:
    match = re.search(label + r' <span class="count">(\d+)</span>', page)
    assert match, label
    return int(match.group(1))


@pytest.fixture
def three(app: Flask, reference: None) -> list[Ticket]:
    with app.test_client() as api:
        tickets = [dispatched("小区门口路灯坏了很久没人修", 21, client=api),
                   dispatched("楼下的路灯一直闪烁影响休息", 22, client=api),
                   dispatched("新房交付后墙体开裂，开发商不处理", 23, client=api)]
        act(api, "zjj", tickets[2].number, "sign")
        dispatched("路边的垃圾桶满了没人清运", 24, line="12319", unit="cgj", client=api)
    return tickets


def test_inbox_tabs_count_and_list_nearest_deadline_first(app: Flask, three: list[Ticket],
                                                          client: FlaskClient) -> None:
    login(client, "zjj")
    page = client.get("/inbox").get_data(as_text=True)
    assert numbers(page) == [t.number for t in three]  # received earlier → due earlier
    assert tab_count(page, "全部待办") == 3
    assert tab_count(page, "待签收") == 2 and tab_count(page, "办理中") == 1
    assert "超期 3 件" in page  # September's deadlines have passed
    signed = client.get("/inbox?tab=signed").get_data(as_text=True)
    assert numbers(signed) == [three[2].number]


def test_inbox_filters_and_search(app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "zjj")
    assert numbers(client.get("/inbox?q=闪烁").get_data(as_text=True)) == [three[1].number]
    by_number = client.get(f"/inbox?q={three[0].number[:8]}").get_data(as_text=True)
    assert numbers(by_number) == [three[0].number]
    assert numbers(client.get("/inbox?q=100%25").get_data(as_text=True)) == []  # % is literal
    assert len(numbers(client.get("/inbox?line=12345").get_data(as_text=True))) == 3
    assert numbers(client.get("/inbox?line=12319").get_data(as_text=True)) == []
    dated = client.get("/inbox?since=2026-09-22&until=2026-09-22").get_data(as_text=True)
    assert numbers(dated) == [three[1].number]
    assert len(numbers(client.get("/inbox?overdue=1").get_data(as_text=True))) == 3
    assert "垃圾桶" not in client.get("/inbox").get_data(as_text=True)  # another unit's


@pytest.mark.parametrize("query", ["since=2026-13-01", "tab=nope", "page=0", "page=x",
                                   "line=110", "topic=nope", "since=2026-09-23&until=2026-09-01"])
def test_inbox_bad_filters_are_400(app: Flask, reference: None, client: FlaskClient,
                                   query: str) -> None:
    login(client, "zjj")
    response = client.get(f"/inbox?{query}")
    assert response.status_code == 400 and "/" in response.get_data(as_text=True)


def test_inbox_pages(app: Flask, three: list[Ticket], client: FlaskClient,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox, "PER_PAGE", 2)
    login(client, "zjj")
    first = client.get("/inbox").get_data(as_text=True)
    assert numbers(first) == [three[0].number, three[1].number] and 'rel="next"' in first
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert numbers(second) == [three[2].number] and 'rel="prev"' in second
    assert numbers(client.get("/inbox?page=9").get_data(as_text=True)) == [three[2].number]


def upload(client: FlaskClient, number: str, name: str, data: bytes) -> object:
    return client.post(f"/tickets/{number}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client),
                             "attachment": (io.BytesIO(data), name)})


def test_attachment_is_stored_and_served_only_as_a_download(app: Flask, three: list[Ticket],
                                                             client: FlaskClient) -> None:
    login(client, "zjj")
    number = three[0].number
    first = upload(client, number, "现场照片.png", PNG)
    assert first.status_code == 302, first.get_data(as_text=True)[-1500:]
    row = db.session.scalars(select(Attachment)).one()
    assert row.content_type == "image/png" and row.filename == "现场照片.png"
    assert (app_settings.current(app).attachment_dir / row.storage_key).read_bytes() == PNG
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "现场照片.png" in page and "上传附件" in page  # listed, and in the timeline
    got = client.get(f"/tickets/{number}/attachments/{row.id}")
    assert got.status_code == 200 and got.data == PNG
    assert got.mimetype == "image/png"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/tickets/{three[1].number}/attachments/{row.id}").status_code == 404


@pytest.mark.parametrize(("name", "data", "status"), [
    ("page.html", b"<script>alert(1)</script>", 415),
    ("fake.png", b"<script>alert(1)</script>", 415),  # content does not match the extension
    ("letter.pdf", PNG, 415),
    ("empty.pdf", b"", 400),
    ("../../etc/passwd", b"root:x:0:0", 415),
])
def test_bad_files_are_refused(app: Flask, three: list[Ticket], client: FlaskClient,
                               name: str, data: bytes, status: int) -> None:
    login(client, "zjj")
    response = upload(client, three[0].number, name, data)
    assert response.status_code == status, response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []


def test_too_big_file_is_413(three: list[Ticket], client: FlaskClient,
                             settings: ChangeSettings) -> None:
    settings(attachment_max_bytes=1024)
    login(client, "zjj")
    response = upload(client, three[0].number, "big.pdf", PDF + b"x" * 2048)
    assert response.status_code == 413 and "文件超过 1 KB 上限" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []


def test_file_over_the_form_limit_but_within_the_attachment_limit_is_stored(
        app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    # MAX_CONTENT_LENGTH (forms) is 2 MB; CSRF protection read the body before the upload
    # route raised its limit, so any file over 2 MB was refused with 413.
    login(client, "zjj")
    response = upload(client, three[0].number, "big.pdf", PDF + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 302, response.status_code
    assert db.session.scalars(select(Attachment)).one().size > 3 * 1024 * 1024


def test_other_unit_can_neither_upload_nor_download(app: Flask, three: list[Ticket],
                                                    client: FlaskClient) -> None:
    login(client, "zjj")
    upload(client, three[0].number, "a.pdf", PDF)
    key = db.session.scalars(select(Attachment.id)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "cgj")
    assert client.get(f"/tickets/{three[0].number}/attachments/{key}").status_code == 404
    assert upload(client, three[0].number, "b.pdf", PDF).status_code == 404
    assert len(db.session.scalars(select(Attachment)).all()) == 1


def test_reply_with_attachment(app: Flask, three: list[Ticket], client: FlaskClient) -> None:
    login(client, "zjj")
    number = three[2].number  # signed
    response = client.post(f"/tickets/{number}/act/reply", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client), "answer": "已安排维修，墙体已修补。",
                                 "attachment": (io.BytesIO(PDF), "整改报告.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, three[2].id)
    assert ticket.status == Status.REPLIED
    assert [a.filename for a in db.session.scalars(select(Attachment))] == ["整改报告.pdf"]


def test_reply_with_a_bad_file_changes_nothing(app: Flask, three: list[Ticket],
                                               client: FlaskClient) -> None:
    login(client, "zjj")
    response = client.post(f"/tickets/{three[2].number}/act/reply",
                           content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client), "answer": "已处理",
                                 "attachment": (io.BytesIO(b"MZ\x90"), "tool.exe")})
    assert response.status_code == 415
    db.session.expire_all()
    assert db.session.get(Ticket, three[2].id).status == Status.SIGNED


def test_lead_keeps_reply_templates_staff_use_them(app: Flask, three: list[Ticket],
                                                   client: FlaskClient) -> None:
    login(client, "zjj")
    assert client.get("/reply-templates").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "zjj-lead")
    assert client.get("/reply-templates").status_code == 200
    bad = client.post("/reply-templates", data={"title": "", "body": "x", "active": "1",
                                                "csrf_token": csrf_token(client)})
    assert bad.status_code == 400 and "title" in bad.get_data(as_text=True)
    topic = db.session.scalars(select(Topic).where(Topic.parent_id.is_(None))).first()
    created = client.post("/reply-templates", data={
        "title": "已修复", "body": "您反映的问题已安排人员现场处理完毕。", "active": "1",
        "csrf_token": csrf_token(client)})
    assert created.status_code == 302
    client.post("/reply-templates", data={"title": "别的分类", "body": "不该出现", "active": "1",
                                          "topic": topic.code, "csrf_token": csrf_token(client)})
    row = db.session.scalars(select(ReplyTemplate).where(ReplyTemplate.title == "已修复")).one()
    assert row.department.code == "zjj" and row.updated_by == "zjj-lead"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "zjj")
    page = client.get(f"/tickets/{three[2].number}").get_data(as_text=True)
    assert "您反映的问题已安排人员现场处理完毕。" in page and "插入模板" in page
    if three[2].topic_id != topic.id:
        assert "不该出现" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "cgj-lead")
    assert client.post(f"/reply-templates/{row.id}", data={
        "title": "改", "body": "改", "csrf_token": csrf_token(client)}).status_code == 404
    assert client.post(f"/reply-templates/{row.id}", data={
        "_delete": "1", "csrf_token": csrf_token(client)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "zjj-lead")
    assert client.post(f"/reply-templates/{row.id}", data={
        "_delete": "1", "csrf_token": csrf_token(client)}).status_code == 302
    assert db.session.get(ReplyTemplate, row.id) is None
