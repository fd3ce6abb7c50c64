"""Open311 GeoReport v2 end to end: HTTP -> intake -> RQ worker -> ticket -> public record."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from hotline.app.extensions import db
from hotline.domain.lifecycle import Actor, close, dispatch, reply, review_reply, sign
from hotline.models import Department, Intake, Ticket, User, utcnow
from tests.conftest import ChangeSettings, drain

KEY = "open311-test-key"
BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _keys(settings: ChangeSettings) -> None:
    settings(open311_api_keys=frozenset({KEY, "another-client"}))


def post(client: FlaskClient, fmt: str = "json", headers: dict[str, str] | None = None,
         **fields: str) -> TestResponse:
    data = {"api_key": KEY, "service_code": "cxjs", "description": "小区门口路灯坏了一个月了",
            "address_string": "A1区东湖街道幸福小区", "phone": "13812348000",
            "first_name": "三", "last_name": "张", **fields}
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None},
                       headers=headers)


def submitted(client: FlaskClient, **fields: str) -> str:
    response = post(client, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def one(client: FlaskClient, number: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/requests/{number}.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1
    return body[0]


def ticket(number: str) -> Ticket:
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def actor(username: str) -> Actor:
    return Actor.of(db.session.scalars(select(User).where(User.username == username)).one())


def assert_error(response: TestResponse, status: int, words: str = "") -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and body[0]["code"] == status, body
    assert words in body[0]["description"], body


def test_services_in_json_and_xml(client: FlaskClient, reference: None) -> None:
    services = client.get(f"{BASE}/services.json").get_json()
    codes = [s["service_code"] for s in services]
    assert "cxjs" in codes and "cxjs-wygl" not in codes  # first-level topics only
    cxjs = next(s for s in services if s["service_code"] == "cxjs")
    assert cxjs["service_name"] == "城乡建设" and cxjs["metadata"] is False
    assert cxjs["type"] == "realtime" and "物业管理" in cxjs["keywords"] and cxjs["group"]
    response = client.get(f"{BASE}/services.xml")
    assert response.content_type.startswith("application/xml")
    root = ET.fromstring(response.data)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "false"


def test_request_life_as_an_open311_client_sees_it(app: Flask, client: FlaskClient,
                                                   reference: None) -> None:
    response = post(client, lat="30.25", long="120.16")
    assert response.status_code == 201
    [accepted] = response.get_json()
    number = accepted["service_request_id"]
    assert accepted["account_id"] is None and number in accepted["service_notice"]
    intake = db.session.scalars(select(Intake)).one()
    assert intake.channel.value == "open311" and intake.payload["service_code"] == "cxjs"
    assert (intake.payload["lat"], intake.payload["long"]) == (30.25, 120.16)

    pending = one(client, number)  # accepted, not processed yet: shown as open with what we know
    assert pending["status"] == "open" and pending["service_code"] == "cxjs"
    assert pending["agency_responsible"] is None and pending["expected_datetime"] is None
    assert pending["description"] == "小区门口路灯坏了一个月了" and pending["lat"] == 30.25

    drain(app)
    t = ticket(number)
    assert t.citizen_name == "张三" and t.address == "A1区东湖街道幸福小区"
    assert (t.latitude, t.longitude) == (30.25, 120.16)  # the position staff see on the ticket
    zjj = db.session.scalars(select(Department).where(Department.code == "zjj")).one()
    dispatch(t, actor("admin"), zjj, reason={"by": "test"})
    t.reply_due = utcnow() + timedelta(days=5)
    db.session.commit()
    record = one(client, number)
    assert record["agency_responsible"] == "A市住房和城乡建设局（zjj）"
    assert record["expected_datetime"].endswith("+08:00")
    assert record["service_name"] == "城乡建设" and record["status"] == "open"

    sign(t, actor("zjj"))
    reply(t, actor("zjj"), "已安排维修人员更换灯泡")
    review_reply(t, actor("admin"), accept=True, note="答复规范")  # a remark to the unit
    close(t, actor("admin"))
    db.session.commit()
    record = one(client, number)
    assert record["status"] == "closed" and record["status_notes"] == "已安排维修人员更换灯泡"


def test_api_key_is_required_to_post(client: FlaskClient, reference: None,
                                     settings: ChangeSettings) -> None:
    assert_error(post(client, api_key=None), 403, "api_key")
    assert_error(post(client, api_key="wrong"), 403, "api_key")
    xml = post(client, fmt="xml", api_key="wrong")
    assert xml.status_code == 403
    root = ET.fromstring(xml.data)
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    settings(open311_api_keys=frozenset())
    assert_error(post(client), 403)
    assert db.session.scalar(select(func.count(Intake.id))) == 0


@pytest.mark.parametrize(("fields", "words"), [
    ({"service_code": "nope"}, "service_code"),
    ({"service_code": ""}, "service_code"),
    ({"service_code": "cxjs-wygl"}, "service_code"),
    ({"service_code": "cxjs,hjbh"}, "service_code"),
    ({"description": "  "}, "description"),
    ({"address_string": None}, "location"),
    ({"address_string": None, "lat": "30.2"}, "lat and long"),
    ({"lat": "north", "long": "120"}, "lat"),
    ({"lat": "91", "long": "120"}, "lat"),
    ({"lat": "nan", "long": "120"}, "lat"),
    ({"phone": "12"}, "phone"),
    ({"line": "99999"}, "line"),
    ({"request_type": "rant"}, "request type"),
    ({"description": "长" * 4001}, "4000"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
])
def test_bad_fields_are_refused(client: FlaskClient, reference: None, fields: dict[str, str],
                                words: str) -> None:
    assert_error(post(client, **fields), 400, words)
    assert db.session.scalar(select(func.count(Intake.id))) == 0


def test_idempotency_key_returns_the_same_request(client: FlaskClient, reference: None) -> None:
    first = post(client, headers={"Idempotency-Key": "app-42"})
    again = post(client, headers={"Idempotency-Key": "app-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    other = post(client, api_key="another-client", headers={"Idempotency-Key": "app-42"})
    assert other.status_code == 201  # keys are scoped to the client that sent them
    assert_error(post(client, headers={"Idempotency-Key": "é" * 3}), 400, "Idempotency-Key")


def test_list_filters(app: Flask, client: FlaskClient, reference: None) -> None:
    old, open_, closed = (submitted(client, description=f"第{i}号诉求") for i in range(3))
    hjbh = submitted(client, service_code="hjbh", description="河道有异味")
    drain(app)
    ticket(old).created_at = utcnow() - timedelta(days=200)
    t = ticket(closed)
    close(t, actor("admin"), direct=True, note="已电话解答")
    db.session.commit()

    def ids(query: str = "") -> list[str]:
        response = client.get(f"{BASE}/requests.json{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["service_request_id"] for r in response.get_json()]

    assert ids() == [hjbh, closed, open_]  # last 90 days by default, newest first
    assert ids("?status=closed") == [closed]
    assert ids("?status=open") == [hjbh, open_]
    assert ids("?status=open,closed&service_code=hjbh") == [hjbh]
    start = (utcnow() - timedelta(days=250)).isoformat()
    end = (utcnow() - timedelta(days=180)).isoformat()
    assert ids(f"?start_date={start}&end_date={end}".replace("+", "%2B")) == [old]
    assert ids(f"?service_request_id={old},{closed.replace('-', '')},nonsense") == [closed, old]
    assert ids("?service_request_id=20000101-000001") == []
    for query, words in [("?start_date=yesterday", "start_date"), ("?end_date=2024-13-01", "end_date"),
                         ("?start_date=2024-01-01&end_date=2024-12-31", "90 days"),
                         ("?start_date=2024-02-01&end_date=2024-01-01", "before"),
                         ("?status=pending", "status"), ("?service_code=nope", "service_code")]:
        assert_error(client.get(f"{BASE}/requests.json{query}"), 400, words)
    assert one(client, closed)["status_notes"] == "已电话解答"


def test_unknown_ids_formats_paths_and_methods(client: FlaskClient, reference: None) -> None:
    assert_error(client.get(f"{BASE}/requests/20260101-000001.json"), 404, "not found")
    assert_error(client.get(f"{BASE}/requests/{'9' * 400}.json"), 404)
    assert_error(client.get(f"{BASE}/requests.yaml"), 404, "format")
    assert_error(client.get(f"{BASE}/services/cxjs.json"), 404)
    assert_error(client.get(f"{BASE}/"), 404)
    response = client.delete(f"{BASE}/requests.json")
    assert_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}
    xml = client.get(f"{BASE}/requests/nope.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.data).findtext("error/code") == "404"


def test_xml_is_well_formed_and_escaped(app: Flask, client: FlaskClient, reference: None) -> None:
    text = "<script>alert('x')</script> & ]]> 路灯"
    response = post(client, fmt="xml", description=text)
    assert response.status_code == 201
    number = ET.fromstring(response.data).findtext("request/service_request_id")
    drain(app)
    body = client.get(f"{BASE}/requests/{number}.xml").data
    assert b"<script>" not in body
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    assert root.findtext("request/description") == text
    assert root.find("request/agency_responsible").text is None


def test_no_personal_data_in_any_output(app: Flask, client: FlaskClient, reference: None) -> None:
    number = submitted(client, description="我是张三 电话13812348000 身份证110101199003071234",
                       email="zhang@example.com")
    report = submitted(client, request_type="report", description="某饭店使用地沟油，举报人李四")
    pending = client.get(f"{BASE}/requests.json").get_data(as_text=True)
    drain(app)
    outputs = [pending] + [client.get(f"{BASE}/{path}").get_data(as_text=True) for path in (
        "requests.json", "requests.xml", f"requests/{number}.json", f"requests/{report}.xml")]
    for out in outputs:
        for secret in ("13812348000", "8613812348000", "张三", "zhang@example.com",
                       "110101199003071234", "地沟油", "李四"):
            assert secret not in out
    assert one(client, number)["description"] == "我是*** 电话*** 身份证***"
    hidden = one(client, report)  # 举报: only the processing facts are public
    assert hidden["description"] is None and hidden["status"] == "open"


@pytest.mark.parametrize("query", [
    "?service_request_id=1'; DROP TABLE tickets;--", "?service_request_id=%00%ff",
    "?service_request_id=" + ",".join(["x"] * 1001), "?start_date=0001-01-01T00:00:00%2B14:00",
    "?end_date=9999-12-31T23:59:59-12:00", "?start_date=9999-12-31", "?service_code=%00",
    "?status=%E2%80%AE", "?start_date=2024-01-01T25:00:00",
    "?start_date=0001-01-01T05:00:00%2B08:00", "?start_date=0001-01-01",
])
def test_hostile_queries_get_4xx_or_results(client: FlaskClient, reference: None,
                                            query: str) -> None:
    response = client.get(f"{BASE}/requests.json{query}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert isinstance(response.get_json(), list)


def test_hostile_posts_never_fail_the_server(client: FlaskClient, reference: None) -> None:
    form = "application/x-www-form-urlencoded"
    bodies: list[tuple[bytes, str]] = [
        (f"api_key={KEY}&service_code=cxjs&address_string=x&description=%ff%fe%00bad".encode(), form),
        (f"api_key={KEY}&service_code=cxjs%00&description=x".encode(), form),
        (f"api_key={KEY}&service_code=cxjs&description=x&lat=1e999&long=1".encode(), form),
        (f"api_key={KEY}&service_code=cxjs&description=x&address_id=%00".encode(), form),
        (b'{"api_key": "' + KEY.encode() + b'"}', "application/json"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b"\xff\xfe\x00", "text/plain"),
    ]
    for body, content_type in bodies:
        response = client.post(f"{BASE}/requests.json", data=body, content_type=content_type)
        assert response.status_code in (201, 400, 403), (body, response.get_data(as_text=True))
        assert isinstance(response.get_json(), list)
    response = client.post(f"{BASE}/requests.json", headers={"Idempotency-Key": "a\x00b"},
                           data={"api_key": KEY, "service_code": "cxjs", "description": "x",
                                 "address_string": "y"})
    assert_error(response, 400)


WRITTEN_PHONES = ("Tel13912345678", "139.1234.5678", "1391 234 5678", "座机057188886666",
                  "(0571)88886666", "+86 139 1234 5678")
KEPT = ("20261206-000123", "2026-12-06", "1280.50元", "310000")


def test_phones_and_e_mail_in_free_text_never_reach_the_feed(app: Flask, client: FlaskClient,
                                                            reference: None) -> None:
    """However a citizen or a unit writes a number into the text, every public output masks it;
    ticket numbers, dates, prices and postcodes stay readable."""
    text = ("路灯坏了，" + "，".join(WRITTEN_PHONES) + "，邮箱li.si@example.com，上次工单20261206-000123，"
            "2026-12-06报修，花了1280.50元，邮编310000")
    number = submitted(client, description=text, address_string="幸福小区 13912345678")
    outputs = [client.get(f"{BASE}/requests.json").get_data(as_text=True)]  # still an intake
    drain(app)
    t = ticket(number)
    dispatch(t, actor("admin"), db.session.scalars(select(Department).where(
        Department.code == "zjj")).one(), reason={"by": "test"})
    sign(t, actor("zjj"))
    reply(t, actor("zjj"), "已修复，如有问题请联系王师傅139-1234-5678或wang@example.com")
    review_reply(t, actor("admin"), accept=True)
    db.session.commit()
    outputs += [client.get(f"{BASE}/{path}").get_data(as_text=True) for path in (
        "requests.json", "requests.xml", f"requests/{number}.json", f"requests/{number}.xml",
        f"requests.json?service_request_id={number}")]
    for out in outputs:
        assert "@example.com" not in out, out
        digits = re.sub(r"\D", "", out)  # 139.1234.5678 unmasked would show here
        assert "13912345678" not in digits and "057188886666" not in digits, out
    record = one(client, number)
    for kept in KEPT:
        assert kept in record["description"], kept
    assert record["status_notes"] == "已修复，如有问题请联系王师傅***或***"
    assert record["address"] == "幸福小区 ***"
