"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2.

Civic apps (SeeClickFix-style clients, city portals) list services, post requests with an API
key, and read requests back without one. Every answer, errors included, is in the spec's shape
and in the format the path asks for (.json or .xml), because such clients parse error bodies
too; nothing a client sends can cause a 500, since every parameter is checked here before it
reaches the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from hotline.app import settings
from hotline.app.extensions import db
from hotline.channels.open311_records import LOCAL_TZ, MAX_REQUESTS, Catalogue, Query, find_requests
from hotline.domain.content import clean_optional, idempotency_ref
from hotline.domain.errors import DomainError
from hotline.domain.numbering import canonical
from hotline.intake.accept import Request
from hotline.intake.handover import submit
from hotline.models import Channel, utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAX_RANGE = timedelta(days=90)
# XML 1.0 cannot carry these at all, escaped or not.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """An error the client caused, answered as `[{"code": ..., "description": ...}]`."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _fail(status: int, description: str) -> NoReturn:
    raise Open311Error(status, description)


def _echo(value: str) -> str:
    """A short, printable echo of client input for error descriptions."""
    text = _XML_ILLEGAL.sub("", value)
    return text if len(text) <= 40 else text[:40] + "…"


# --- rendering -------------------------------------------------------------------------------


def _format() -> str:
    """The format of the current request; JSON when the path names none we speak."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None and request.path.endswith(".xml"):
        fmt = "xml"
    return fmt if fmt in FORMATS else "json"


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _xml(root: str, item: str, rows: list[Mapping[str, Any]]) -> str:
    """`<root><item><field>value</field>...</item></root>`; ElementTree escapes the text."""
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if value is not None:
                child.text = _xml_text(value)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode")


def render(root: str, item: str, rows: list[Mapping[str, Any]], status: int = 200) -> Response:
    if _format() == "xml":
        return Response(_xml(root, item, rows), status=status,
                        content_type="application/xml; charset=utf-8")
    # Field order as in the spec and Chinese as written: easier for people reading the feed.
    body = json.dumps(rows, ensure_ascii=False).encode("utf-8", "replace")  # lone surrogates
    return Response(body, status=status,
                    content_type="application/json; charset=utf-8")


def error_response(status: int, description: str) -> Response:
    """An error in the spec's shape (`errors` of `code` and `description`), in the path's format."""
    return render("errors", "error", [{"code": status, "description": description}], status)


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error) -> Response:
    return error_response(exc.status, exc.description)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    return error_response(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    """Werkzeug's errors (413 body too large, 405, malformed bodies) in the spec's shape."""
    response = error_response(exc.code or 400, exc.description or exc.name)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _check(fmt: str, *methods: str) -> None:
    """Routes take every method so a wrong one still gets a spec-shaped 405, not the app's."""
    if fmt not in FORMATS:
        _fail(404, f"unknown format '{_echo(fmt)}': use .json or .xml")
    if ("GET" if request.method == "HEAD" else request.method) not in methods:
        raise MethodNotAllowed(valid_methods=list(methods))


# --- parameters ------------------------------------------------------------------------------


def _arg(name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


def _w3c_datetime(name: str) -> datetime | None:
    """A w3c datetime parameter, aware; a date or a time without offset is Beijing time."""
    raw = _arg(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=LOCAL_TZ)
        value.astimezone(UTC)  # the database compares in UTC; near year 1 or 9999 this fails
    except ValueError:
        _fail(400, f"{name} is not a w3c datetime such as 2024-05-01T08:00:00+08:00")
    except OverflowError:
        _fail(400, f"{name} is out of range")
    return value


def _date_range() -> tuple[datetime, datetime]:
    """start_date/end_date, at most 90 days apart; the most recent 90 days by default."""
    start, end = _w3c_datetime("start_date"), _w3c_datetime("end_date")
    try:
        if end is None:
            end = utcnow() if start is None else start + MAX_RANGE
        if start is None:
            start = end - MAX_RANGE
    except OverflowError:
        _fail(400, "start_date or end_date is out of range")
    if end < start:
        _fail(400, "end_date is before start_date")
    if end - start > MAX_RANGE:
        _fail(400, "start_date and end_date may not span more than 90 days")
    return start, end


def _service_codes(catalogue: Catalogue, raw: str | None) -> tuple[str, ...]:
    codes = _csv(raw)
    for code in codes:
        if code not in catalogue.services:
            _fail(400, f"service_code '{_echo(code)}' not found")
    return codes


def _statuses() -> frozenset[str]:
    statuses = frozenset(s.lower() for s in _csv(_arg("status")))
    if not statuses:
        return frozenset({"open", "closed"})
    if not statuses <= {"open", "closed"}:
        _fail(400, "status must be open, closed or both (comma separated)")
    return statuses


def _request_ids(raw: str | None) -> tuple[str, ...]:
    """Canonical ticket numbers; ids that cannot be ticket numbers simply match nothing."""
    ids = _csv(raw)
    if len(ids) > MAX_REQUESTS:
        _fail(400, f"at most {MAX_REQUESTS} service_request_id values at once")
    return tuple(n for n in (canonical(i) for i in ids) if n)


# --- services --------------------------------------------------------------------------------


@bp.route("/services.<fmt>", methods=ALL_METHODS)
def services(fmt: str) -> Response:
    """Every first-level topic is a service: it is what the classifier predicts."""
    _check(fmt, "GET")
    return render("services", "service", Catalogue(db.session).service_dicts())


# --- requests --------------------------------------------------------------------------------


@bp.route("/requests.<fmt>", methods=ALL_METHODS)
def requests_(fmt: str) -> Response:
    """GET: the public feed (no key, no personal data); POST: a new request (key required)."""
    _check(fmt, "GET", "POST")
    if request.method == "POST":
        return _post_request()
    catalogue = Catalogue(db.session)
    if _arg("service_request_id"):
        ids = _request_ids(_arg("service_request_id"))
        found = find_requests(db.session, Query(ids=ids), catalogue) if ids else []
    else:
        start, end = _date_range()
        found = find_requests(db.session, Query(
            codes=_service_codes(catalogue, _arg("service_code")), start=start, end=end,
            statuses=_statuses()), catalogue)
    return render("service_requests", "request", found)


@bp.route("/requests/<rid>.<fmt>", methods=ALL_METHODS)
def one_request(rid: str, fmt: str) -> Response:
    """One request as a list of one, per the spec; also while the worker has not made it yet."""
    _check(fmt, "GET")
    number = canonical(rid)
    found = find_requests(db.session, Query(ids=(number,)), Catalogue(db.session)) if number else []
    if not found:
        _fail(404, f"service_request_id '{_echo(rid)}' not found")
    return render("service_requests", "request", found)


@bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS)
@bp.route("/<path:rest>", methods=ALL_METHODS)
def unknown(rest: str) -> NoReturn:
    """Anything else under /open311/v2 (service definitions included: metadata is false)."""
    _fail(404, f"no such resource: {_echo(rest)}")


def _api_client(form: Mapping[str, str]) -> str:
    """A short fingerprint of a valid api_key, so idempotency keys of two clients never clash."""
    key = form.get("api_key", "")
    valid = settings.current().open311_api_keys
    if not key or not any(hmac.compare_digest(key.encode(), k.encode()) for k in valid):
        _fail(403, "api_key is missing or invalid")
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _coordinate(form: Mapping[str, str], name: str, limit: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        _fail(400, f"{name} is not a number")
    if not math.isfinite(value) or abs(value) > limit:
        _fail(400, f"{name} is out of range")
    return value


def _location(form: Mapping[str, str]) -> dict[str, Any]:
    """lat and long together, or address_string, or address_id: the spec requires one."""
    lat, long = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    if (lat is None) != (long is None):
        _fail(400, "lat and long must be given together")
    address_id = clean_optional(form.get("address_id"), "address_id", 100)
    if lat is None and address_id is None and not clean_optional(form.get("address_string"), "address_string"):
        _fail(400, "a location is required: lat and long, address_string or address_id")
    media_url = clean_optional(form.get("media_url"), "media_url", 300)
    if media_url and not media_url.startswith(("http://", "https://")):
        _fail(400, "media_url must be an http(s) URL")
    return {"lat": lat, "long": long, "address_id": address_id, "media_url": media_url}


def _name(form: Mapping[str, str]) -> str | None:
    """Chinese order (family name first, no space) when either part is written in Chinese."""
    first = clean_optional(form.get("first_name"), "first_name", 40) or ""
    last = clean_optional(form.get("last_name"), "last_name", 40) or ""
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return (last + first) or None
    return " ".join(p for p in (first, last) if p) or None


def _post_request() -> Response:
    """POST requests: the key first (403), then the fields (400), then one committed intake."""
    form = request.form
    client = _api_client(form)
    code = (form.get("service_code") or "").strip()
    if not code:
        _fail(400, "service_code is required")
    if code not in Catalogue(db.session).services:
        _fail(400, f"service_code '{_echo(code)}' not found")
    if not (form.get("description") or "").strip():
        _fail(400, "description is required")
    extra: dict[str, Any] = {
        "service_code": code,
        **_location(form),
        "email": clean_optional(form.get("email"), "email", 120),
        "device_id": clean_optional(form.get("device_id"), "device_id", 100),
        "account_id": clean_optional(form.get("account_id"), "account_id", 100),
    }
    intake, created = submit(Request(
        channel=Channel.OPEN311,
        line=form.get("line") or "12345",
        content=form.get("description"),
        request_type=form.get("request_type") or "complaint",
        phone=form.get("phone") or None,
        name=_name(form),
        address=form.get("address_string"),
        source_ref=idempotency_ref(client, request.headers.get("Idempotency-Key")),
        extra={k: v for k, v in extra.items() if v is not None},
    ), region=settings.current().default_region)
    notice = f"已受理，工单号 {intake.ticket_number} / accepted; track it by service_request_id"
    return render("service_requests", "request", [
        {"service_request_id": intake.ticket_number, "service_notice": notice, "account_id": None}
    ], 201 if created else 200)
