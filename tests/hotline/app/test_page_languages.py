"""Every page in both languages: a Chinese page shows no English and no internal keys, an English
page no Chinese but the citizens' and officials' own words (ticket text, unit and place names).

The pages are rendered for each post on a small living centre (tickets in every common state,
deadline notices, a failed SMS, an audit trail), so the texts that only appear with data are
checked too. What counts as data is read from the database itself: every string a row holds is
removed from the page before the check, so a unit's Chinese name on an English page passes and a
label the templates print does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask, current_app, g
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.messaging import texts
from hotline.models import Base, Ticket, User
from tests.conftest import drain, login
from tests.hotline.tickets.helpers import act, new_ticket

# Ideographs only: full-width punctuation around an English phrase is a typographic slip, not a
# page in the wrong language.
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A code that escaped its label: deadline_warning, reply_approved, unit_lead …
KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
PLACEHOLDER = re.compile(r"\{\w+\}")  # {number} in the SMS wording administrators edit
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]+")
# Names of things that are the same in both languages (products, formats, standards).
NAMES = {"API", "Open311", "Twilio", "SMS", "CSV", "XLSX", "JSON", "PDF", "DOC", "DOCX", "JPG",
         "JPEG", "PNG", "URL", "ID", "E.164", "IP", "RQ", "Redis", "OpenAPI", "Bearer", "English",
         "jieba", "scikit-learn", "TipDM", "HTTP", "HTTPS", "GPS", "KB", "MB", "Word", "Excel",
         "Alt", "Ctrl", "Shift", "Enter", "Esc", "Tab", "Asia", "Shanghai", "ECE", "F1",
         "GeoJSON", "WGS"}
VOID = {"input", "br", "img", "meta", "link", "hr"}
# Attributes a reader sees or hears.
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Visible(HTMLParser):
    """The text a reader sees: text nodes outside script/style, labelled attributes, button
    values and the page title; words marked as another language on purpose (the language
    switch's 中文 / English) are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Script, commands and codes (<code>), and words marked as another language on purpose.
        hidden = (tag in ("script", "style", "template", "code")
                  or (tag != "html" and bool(values.get("lang"))))
        if tag not in VOID:
            self._open.append((tag, hidden))
        if hidden or self._hidden():
            return
        self.parts += [v for k, v in attrs if k in SHOWN_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return "\n".join(parser.parts)


def data_strings() -> list[str]:
    """Every string the database holds (longest first, so a name goes before its parts)."""
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            found.update(v.strip() for v in row if isinstance(v, str) and len(v.strip()) >= 2)
    found.update(texts.DEFAULTS.values())  # the SMS wording, shown to administrators to edit
    return sorted(found, key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return PLACEHOLDER.sub(" ", text)


def leaks(text: str, locale: str) -> list[str]:
    """What a page in `locale` should not show."""
    found = [f"key {k}" for k in KEY.findall(text)]
    if locale == "zh_CN":
        found += [f"English {w}" for w in WORD.findall(text) if w not in NAMES]
    else:
        found += [f"Chinese {line.strip()[:40]}" for line in text.splitlines() if CJK.search(line)]
    return found


@dataclass(frozen=True)
class Visit:
    user: str | None
    path: str


def _living_centre(client: FlaskClient) -> dict[str, str]:
    """Tickets in the states each desk shows, a deadline notice, an audit trail."""
    old = datetime.now(UTC) - timedelta(days=20)
    waiting = new_ticket("路口红绿灯不亮，晚上很危险", received_at=old).number
    signed = new_ticket("楼下餐馆油烟太大，影响居民休息").number
    answered = new_ticket("小区垃圾几天没人清运，气味很大").number
    closed = new_ticket("公交站台的顶棚破了，下雨没法等车").number
    returned = new_ticket("隔壁工地夜间施工噪音扰民").number
    risky = new_ticket("我想自杀，活不下去了").number  # the risk banner and the dashboard's list
    act(client, "agent", risky, "hand-off", {"to": "120", "note": "已转接急救"})
    for number in (waiting, signed, answered, closed, returned):
        act(client, "agent", number, "dispatch", {"unit": "zjj"})
    for number in (signed, answered, closed):
        act(client, "zjj", number, "sign")
    act(client, "zjj", signed, "extend", {"days": 3, "reason": "需要现场勘查"})
    for number in (answered, closed):
        act(client, "zjj", number, "reply", {"answer": "已安排人员处理，感谢您的反映。"})
    act(client, "supervisor", closed, "review-reply", {"accept": True})
    act(client, "agent", closed, "close", {})
    act(client, "zjj", returned, "return", {"reason_code": "not_ours", "reason": "不属于本单位职责"})
    from hotline.admin import ENTITIES
    from hotline.tickets.escalation import scan

    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    with current_app.test_request_context():  # the audit trail records who asked from where
        ENTITIES.save(db.session, admin, "users", {
            "username": "wang", "display_name": "王芳", "role": "unit_staff", "department": "zjj",
            "password": "a-long-password-1", "active": "y"})

    scan(db.session, datetime.now(UTC) + timedelta(days=30), commit=unit_of_work.commit)
    unit_of_work.commit(db.session)
    drain(current_app)  # the SMS go out, and fail: no provider is configured here
    return {"waiting": waiting, "signed": signed, "answered": answered, "closed": closed,
            "returned": returned, "risky": risky}


def _visits(numbers: dict[str, str]) -> Iterator[Visit]:
    from hotline.admin import ENTITIES as entities

    for path in ("/", "/login", "/submit", "/track", f"/track/{numbers['closed']}",
                 "/no-such-page"):
        yield Visit(None, path)
    for user, paths in {
        "agent": ["/home", "/agent/calls/new", "/agent/callers?phone=13812348000",
                  "/agent/knowledge", "/tickets", "/tickets?q=噪音&overdue=1", "/dispatch",
                  "/intakes/failed", "/callbacks",
                  "/notifications", *(f"/tickets/{n}" for n in numbers.values())],
        "zjj": ["/home", "/inbox", "/reply-templates", "/notifications",
                *(f"/tickets/{n}" for n in numbers.values()), "/admin/"],
        "zjj-lead": ["/inbox", "/notifications", f"/tickets/{numbers['signed']}"],
        "supervisor": ["/supervise", "/supervise/overdue", "/supervise/surges", "/notifications", "/tickets",
                       f"/tickets/{numbers['answered']}", f"/tickets/{numbers['signed']}"],
        "admin": ["/admin/", "/admin/audit", "/admin/models", "/admin/knowledge/",
                  "/admin/message-templates",
                  *(f"/admin/{name}" for name in entities),
                  *(f"/admin/{name}/new" for name in entities),
                  *(f"/admin/{name}/{rows[0].id}" for name in entities
                    if (rows := entities.rows(db.session, name)))],
    }.items():
        for path in paths:
            yield Visit(user, path)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_page_speaks_one_language(app: Flask, reference: None, client: FlaskClient,
                                        locale: str) -> None:
    numbers = _living_centre(client)
    assert db.session.scalar(select(Ticket.status).where(Ticket.number == numbers["closed"]))
    data = data_strings()
    problems: dict[str, list[str]] = {}
    signed_in: str | None = ""
    reader = client
    for visit in _visits(numbers):
        if visit.user != signed_in:
            reader = app.test_client()
            # The test's app context outlives requests, and Flask-WTF caches the last
            # session's CSRF token in `g`: a new reader must not inherit the previous one's.
            g.pop("csrf_token", None)
            if visit.user:
                login(reader, visit.user)
            reader.get(f"/lang/{locale}")
            signed_in = visit.user
        response = reader.get(visit.path)
        assert response.status_code < 500, (visit, response.status_code)
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
            continue
        found = leaks(without_data(visible_text(response.get_data(as_text=True)), data), locale)
        if found:
            problems[f"{visit.user or 'citizen'} {visit.path}"] = sorted(set(found))[:8]
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())
