"""The English catalogue is complete and compiled, and the language switch works and is remembered."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES"


def _po() -> dict[str, str]:
    with (CATALOGUE / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and isinstance(m.id, str)}


def _source_msgids() -> set[str]:
    """Every msgid `make translations` would extract (same babel.cfg, same keywords)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_extracted_string_has_an_english_translation() -> None:
    po = _po()
    missing = sorted(m for m in _source_msgids() if not po.get(m))
    assert not missing, f"run `make translations` and translate in messages.po: {missing}"


def test_compiled_catalogue_matches_the_po_file() -> None:
    with (CATALOGUE / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id and isinstance(m.id, str)}
    expected = {k: v for k, v in _po().items() if v}
    assert compiled == expected, "messages.mo is stale: run `make translations`"


def test_pages_are_chinese_unless_english_is_chosen(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "工作人员登录" in page

    switched = client.get("/lang/en?next=/login")
    assert switched.status_code == 302 and switched.headers["Location"] == "/login"
    cookie = switched.headers["Set-Cookie"]
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    english = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in english and "Staff sign-in" in english
    assert "工作人员登录" not in english
    assert 'href="/lang/zh_CN?next=/login"' in english  # the way back, in the header

    client.get("/lang/zh_CN?next=/login")
    assert "工作人员登录" in client.get("/login").get_data(as_text=True)


def test_query_parameter_switches_and_is_remembered(app: Flask, client: FlaskClient) -> None:
    response = client.get("/login?lang=en")
    assert "Staff sign-in" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Staff sign-in" in client.get("/login").get_data(as_text=True)


def test_switch_only_returns_to_this_site(app: Flask, client: FlaskClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.get("/lang/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.get("/lang/fr?next=/login")
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    assert '<html lang="zh-CN">' in client.get("/login?lang=fr").get_data(as_text=True)


def test_coded_values_are_shown_in_the_readers_language(app: Flask, reference: None,
                                                        client: FlaskClient) -> None:
    from tests.conftest import login
    from tests.hotline.tickets.helpers import act, new_ticket

    number = new_ticket().number
    act(client, "agent", number, "dispatch", {"unit": "zjj"})
    login(client, "agent")
    assert "已派单" in client.get(f"/tickets/{number}").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "Dispatched" in page and "已派单" not in page and "Complaint" in page


def test_a_page_shows_the_readers_half_of_a_bilingual_message(app: Flask) -> None:
    from flask_babel import refresh

    from hotline.app.i18n import one_language

    for lang, expected in (("zh_CN", "工单不存在"), ("en", "ticket not found: 20261207-000001")):
        with app.test_request_context(f"/?lang={lang}"):
            refresh()
            assert one_language("工单不存在 / ticket not found: 20261207-000001") == expected
    with app.test_request_context("/?lang=en"):
        refresh()
        assert one_language("A市住建局") == "A市住建局"  # not a pair: as it is
        assert one_language("12345 / 12315") == "12345 / 12315"


def test_error_pages_speak_one_language_and_the_api_both(app: Flask, client: FlaskClient) -> None:
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Not found" in english and "未找到" not in english and "Back to the home page" in english
    chinese = client.get("/no-such-page?lang=zh_CN").get_data(as_text=True)
    assert "未找到" in chinese and "Not found" not in chinese
    # Machines get both halves: an API client has no reader's language.
    assert client.get("/api/v1/tickets/x-1?lang=en").get_json()["error"]["message"] == (
        "需要有效的令牌 / a valid bearer token is required")
