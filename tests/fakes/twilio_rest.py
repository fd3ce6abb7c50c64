"""A local fake of Twilio's Messages REST API: a real HTTP server the real SDK talks to.

It checks basic auth as Twilio does (account SID and auth token), records every request, and
can be told to fail: `fail_next(n, status=500)` answers the next n creates with a server error,
`reject(number, 21211)` answers creates to that number with Twilio's 400 error body. Bodies are
shaped like Twilio's so the SDK parses them exactly as it would parse production answers.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

ERROR_MESSAGES = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


@dataclass
class Recorded:
    """One create request as the fake received it, and what it answered."""

    account_sid: str
    form: dict[str, str]
    status: int
    sid: str | None = None

    @property
    def to(self) -> str:
        return self.form.get("To", "")

    @property
    def body(self) -> str:
        return self.form.get("Body", "")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _rejections: dict[str, int] = field(default_factory=dict)
    _stall: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: BaseWSGIServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def fail_next(self, times: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def stall_next(self, seconds: float) -> None:
        """Accept the next create but answer only after `seconds` (a client read timeout)."""
        with self._lock:
            self._stall = seconds

    def reject(self, number: str, code: int) -> None:
        with self._lock:
            self._rejections[number] = code

    @property
    def sent(self) -> list[Recorded]:
        """Creates that Twilio accepted (it would deliver these)."""
        return [r for r in self.requests if r.status == 201]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._rejections.clear()
            self._stall = 0.0

    # --- WSGI --------------------------------------------------------------------------------

    _urls = Map([Rule("/2010-04-01/Accounts/<sid>/Messages.json", endpoint="messages",
                      methods=["POST", "GET"])])

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        try:
            _endpoint, args = self._urls.bind_to_environ(environ).match()
        except HTTPException:  # a routing miss is Twilio's 404
            return self._json({"code": 20404, "message": "The requested resource was not found",
                               "status": 404}, 404)(environ, start_response)
        response = self._handle(request, args["sid"])
        return response(environ, start_response)

    def _json(self, data: dict[str, Any], status: int) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _authorised(self, request: Request, sid: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == self.account_sid == sid and password == self.auth_token

    def _handle(self, request: Request, sid: str) -> Response:
        if not self._authorised(request, sid):
            return self._json({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        if request.method == "GET":
            return self._json({"messages": [self._resource(r) for r in self.sent]}, 200)
        form = {k: v for k, v in request.form.items()}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            code = self._rejections.get(form.get("To", ""))
            record = Recorded(sid, form, 201)
            self.requests.append(record)
            if failure is not None:
                record.status = failure
                return self._json({"code": 20500, "message": "Internal Server Error",
                                   "status": failure}, failure)
            if code is not None:
                record.status = 400
                message = ERROR_MESSAGES.get(code, "Error").format(to=form.get("To"))
                return self._json({"code": code, "message": message, "status": 400,
                                   "more_info": f"https://www.twilio.com/docs/errors/{code}"}, 400)
            record.sid = "SM" + uuid.uuid4().hex
            stall, self._stall = self._stall, 0.0
        if stall:
            time.sleep(stall)
        return self._json(self._resource(record), 201)

    def _resource(self, record: Recorded) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        body = record.body
        segments = 1 if len(body) <= 70 else -(-len(body) // 67)
        return {
            "sid": record.sid, "account_sid": record.account_sid, "to": record.to,
            "from": record.form.get("From"), "body": body, "status": "queued",
            "num_segments": str(segments), "num_media": "0", "direction": "outbound-api",
            "api_version": "2010-04-01", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None, "date_created": now,
            "date_updated": now, "date_sent": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{record.account_sid}/Messages/{record.sid}.json",
            "subresource_uris": {},
        }

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
