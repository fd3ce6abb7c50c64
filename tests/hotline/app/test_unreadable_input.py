"""Input no parser or database can take is refused at the door, on every channel, with a 4xx.

A lone surrogate ("\\ud800") reaches Python only through a JSON escape; form decoders turn the
bytes that would encode one into an empty form or into escapes kept as text, so the form
channels are tried with those bytes. Nothing refused may leave an intake behind: an intake that
cannot be stored as a ticket would fail in the worker on every attempt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from hotline.app.extensions import db
from hotline.domain.content import InvalidCharacter
from hotline.imports.cases import import_rows
from hotline.imports.files import Table
from hotline.models import Intake, Line
from hotline.twilio import sms as twilio_sms
from tests.conftest import ChangeSettings, csrf_token, login
from tests.hotline.api.test_api import token
from tests.hotline.channels.test_open311 import KEY
from tests.hotline.imports.test_import import run
from tests.hotline.twilio.test_twilio_sms import configure_twilio, sms_params

POISON = '"\\ud800x"'  # JSON text: an escape Python decodes to a lone surrogate
FORM_POISON = ("%ED%A0%80x", b"\xed\xa0\x80x")  # the surrogate's bytes, escaped and raw
FORM = "application/x-www-form-urlencoded"


def intakes() -> int:
    return db.session.scalar(select(func.count(Intake.id)))


@pytest.mark.parametrize("field", ["content", "name", "address", "phone"])
def test_the_api_refuses_a_lone_surrogate_in_any_field(client: FlaskClient, reference: None,
                                                       field: str) -> None:
    fields = {"content": '"路灯坏了"', "phone": '"13812348000"', field: POISON}
    body = "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}"
    response = client.post("/api/v1/intakes", data=body, content_type="application/json",
                           headers=token("agent"))
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field and "surrogate" in error["message"]
    assert intakes() == 0


def test_the_api_still_takes_escaped_pairs(client: FlaskClient, reference: None) -> None:
    """An emoji escaped as a surrogate pair, as json.dumps writes it, is one valid character."""
    response = client.post("/api/v1/intakes", content_type="application/json",
                           data='{"content": "路灯坏了\\ud83d\\udca1", "phone": "13812348000"}',
                           headers=token("agent"))
    assert response.status_code == 202
    assert db.session.scalars(select(Intake)).one().payload["content"] == "路灯坏了\U0001f4a1"


def _form_post(client: FlaskClient, path: str, fields: dict[str, str], poison: str | bytes) -> object:
    """A form whose content field carries `poison` exactly as given (escaped or raw bytes)."""
    from urllib.parse import urlencode

    body = urlencode(fields).encode() + b"&content=" + (
        poison if isinstance(poison, bytes) else poison.encode())
    return client.post(path, data=body, content_type=FORM)


@pytest.mark.parametrize("poison", FORM_POISON)
def test_the_web_form_refuses_bytes_that_are_not_utf8(client: FlaskClient, poison: str | bytes) -> None:
    fields = {"line": "12345", "request_type": "complaint", "phone": "13812348000",
              "csrf_token": csrf_token(client)}
    response = _form_post(client, "/submit", fields, poison)
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
    assert intakes() == 0


@pytest.mark.parametrize("poison", FORM_POISON)
def test_the_agent_console_refuses_bytes_that_are_not_utf8(client: FlaskClient, reference: None,
                                                           poison: str | bytes) -> None:
    login(client, "agent")
    fields = {"phone": "13912345678", "line": "12345", "request_type": "complaint",
              "outcome": "manual", "csrf_token": csrf_token(client)}
    response = _form_post(client, "/agent/calls/new", fields, poison)
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
    assert intakes() == 0


@pytest.mark.parametrize("poison", FORM_POISON)
def test_open311_refuses_bytes_that_are_not_utf8_in_its_own_format(
        client: FlaskClient, reference: None, settings: ChangeSettings,
        poison: str | bytes) -> None:
    settings(open311_api_keys=frozenset({KEY}))
    body = f"api_key={KEY}&service_code=cxjs&address_string=x&description=".encode() + (
        poison if isinstance(poison, bytes) else poison.encode())
    response = client.post("/open311/v2/requests.json", data=body, content_type=FORM)
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and "UTF-8" in error["description"]
    assert intakes() == 0


@pytest.mark.parametrize("poison", FORM_POISON)
def test_twilio_sms_with_bytes_that_are_not_utf8_is_refused_and_stores_nothing(
        client: FlaskClient, settings: ChangeSettings, poison: str | bytes) -> None:
    configure_twilio(settings)
    response = _form_post(client, "/twilio/sms", sms_params("x"), poison)
    assert response.status_code == 400
    assert intakes() == 0


def test_twilio_sms_with_a_lone_surrogate_is_answered_in_chinese(
        client: FlaskClient, settings: ChangeSettings) -> None:
    """Should a gateway hand one over, the citizen hears why (Twilio only relays a 2xx)."""
    configure_twilio(settings)
    with pytest.raises(InvalidCharacter) as refused:
        twilio_sms.receive(db.session, sid="SM" + "0" * 32, sender="+8613812348000",
                           dialled="+8657112345", line=Line.L12345, body="\ud800路灯", region="CN")
    reply = twilio_sms.refusal(refused.value, Line.L12345, "\ud800路灯")
    assert reply == twilio_sms.REPLY_BAD_CHARACTER.format(line="12345")
    assert intakes() == 0


def test_an_import_row_with_a_lone_surrogate_is_reported_and_the_others_kept(app: Flask) -> None:
    table = Table(headers=["案件编号", "诉求内容"],
                  rows=[(2, ["SC-1", "路灯\ud800坏了"]), (3, ["SC-\udc00", "路灯坏了"]),
                        (4, ["SC-3", "井盖丢了"])])
    stored: list[str | None] = []
    outcomes = list(import_rows(table, {"case_id": 0, "content": 1}, Line.L12315, "CN",
                                lambda req: stored.append(req.source_ref) or True))
    assert [(o.row, o.created) for o in outcomes] == [(2, None), (3, None), (4, True)]
    assert all("surrogate" in o.reason for o in outcomes[:2])
    assert stored == ["12315:SC-3"]


def test_an_xlsx_carrying_a_lone_surrogate_is_refused_with_one_line(app: Flask,
                                                                   tmp_path: Path) -> None:
    """openpyxl writes the surrogate as &#55296;, which no XML reader accepts."""
    book = Workbook()
    book.active.append(["案件编号", "诉求内容"])
    book.active.append(["SC-1", "路灯\ud800坏了"])
    path = tmp_path / "12315.xlsx"
    book.save(path)
    result = run(app, str(path), "--line", "12315")
    assert result.exit_code == 2
    assert "invalid character" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert intakes() == 0


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/intakes", "/agent/suggest",
                                  "/api/v1/tickets/20260101-000001/sign"])
def test_json_nested_too_deep_gets_a_400_on_every_endpoint(client: FlaskClient, reference: None,
                                                           depth: int, path: str) -> None:
    login(client, "agent")
    body = '{"content": ' + "[" * depth + "]" * depth + "}"
    response = client.post(path, data=body, content_type="application/json",
                           headers={**token("agent"), "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "nested deeper than 32" in response.get_json()["error"]["message"]
    assert intakes() == 0


def test_brackets_inside_strings_and_shallow_json_pass(client: FlaskClient, reference: None) -> None:
    content = '"' + "[" * 2000 + '{\\"' + '"'
    response = client.post("/api/v1/intakes", data=f'{{"content": {content}, "phone": "13812348000"}}',
                           content_type="application/json", headers=token("agent"))
    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    body = '{"content": ' + "[" * 31 + "]" * 31 + "}"  # 32 deep with the object: allowed
    response = client.post("/api/v1/intakes", data=body, content_type="application/json",
                           headers=token("agent"))
    assert response.status_code == 422
