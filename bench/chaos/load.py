"""An open-loop load of intakes through the JSON API and the citizen web form.

Intake i starts at i / rate seconds whatever became of the ones before it, as citizens keep
calling while the centre is in trouble: a closed loop (wrk's) slows down exactly when the
server does and so hides a fault. One asyncio loop holds every request in flight (a thread
each would not survive a PostgreSQL restart holding a thousand); each request is one
connection, as gunicorn's sync workers close after every response.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

TEXTS = (
    "小区门口路灯坏了一个多月没人修", "楼上装修每天早上七点就开始电钻，严重扰民",
    "公司拖欠三个月工资，老板联系不上", "公交12路晚上九点以后就没车了，建议延长运营时间",
    "餐馆油烟直排，整栋楼都是油烟味", "孩子入学学位分配不合理，想咨询政策",
)
NUMBER = re.compile(rb'id="ticket-number">([^<]+)<')
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
# A refused or failed API intake is sent again with the same Idempotency-Key after the
# answer's Retry-After (at most this long), else after RETRY_SECONDS times the attempt.
RETRY_SECONDS = 5.0
MAX_RETRY_AFTER = 30.0


@dataclass
class Answer:
    """One HTTP exchange. `status` is the HTTP status, or what went wrong before one came:
    timeout, refused (nothing listening), reset, closed (no answer before the close)."""

    endpoint: str  # "api" (POST /api/v1/intakes), "form" (GET /submit), "submit" (POST /submit)
    intake: int
    attempt: int
    sent: float  # seconds since the load's start
    seconds: float
    status: str
    number: str | None = None  # the ticket number of a 2xx answer
    retry_after: float | None = None

    @property
    def answered(self) -> float:
        """When the answer (or the error) came: near when the server handled the request, which
        under a queue is seconds after it was sent."""
        return self.sent + self.seconds

    @property
    def ok(self) -> bool:
        return self.status.startswith("2")


def is_web(intake: int, api_share: float) -> bool:
    """Spread the web-form intakes evenly through the load (every fault meets both)."""
    return int((intake + 1) * (1 - api_share)) > int(intake * (1 - api_share))


class Load:
    def __init__(self, port: int, token: str, *, intakes: int, rate: float, api_share: float,
                 retries: int, timeout: float) -> None:
        self.port, self.token = port, token
        self.intakes, self.rate, self.api_share = intakes, rate, api_share
        self.retries, self.timeout = retries, timeout
        self.answers: list[Answer] = []
        self.start = 0.0
        self.latest_start = 0.0  # how late the loop started an intake, at worst

    def run(self, start: float) -> list[Answer]:
        """Send the load from `start` (time.monotonic(), the clock asyncio's loop uses)."""
        self.start = start
        asyncio.run(self._run())
        return self.answers

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        tasks = []
        for i in range(self.intakes):
            due = self.start + i / self.rate
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            self.latest_start = max(self.latest_start, loop.time() - due)
            tasks.append(asyncio.create_task(self._web(i) if is_web(i, self.api_share)
                                             else self._api(i)))
        await asyncio.gather(*tasks)

    async def _api(self, i: int) -> None:
        body = json.dumps({"content": f"{TEXTS[i % len(TEXTS)]}（{i}）", "phone": _phone(i),
                           "channel": "web"}).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"chaos-{i}",
                   "Content-Type": "application/json"}
        for attempt in range(self.retries + 1):
            answer, _, _ = await self._exchange("api", i, attempt, "POST", "/api/v1/intakes",
                                                headers, body)
            if answer.ok or answer.status.startswith("4") or attempt == self.retries:
                return
            await asyncio.sleep(min(answer.retry_after or RETRY_SECONDS * (attempt + 1),
                                    MAX_RETRY_AFTER))

    async def _web(self, i: int) -> None:
        """A citizen opens the form and sends it once: a form has no key that would make a
        second send safe, so a failed one is not repeated."""
        form, reply, page = await self._exchange("form", i, 0, "GET", "/submit", {}, b"")
        token = CSRF.search(page)
        if not form.ok or token is None:
            return
        cookies = [v.split(";", 1)[0] for k, v in reply if k == "set-cookie"]
        fields = {"csrf_token": token.group(1).decode(), "line": "12345",
                  "request_type": "complaint", "content": f"{TEXTS[i % len(TEXTS)]}（网页{i}）",
                  "phone": _phone(i)[3:], "name": "", "address": ""}
        headers = {"Cookie": "; ".join(cookies), "Content-Type": "application/x-www-form-urlencoded"}
        await self._exchange("submit", i, 0, "POST", "/submit", headers, urlencode(fields).encode())

    async def _exchange(self, endpoint: str, i: int, attempt: int, method: str, path: str,
                        headers: dict[str, str], body: bytes
                        ) -> tuple[Answer, list[tuple[str, str]], bytes]:
        """One request on a connection of its own; the answer is recorded whatever it is."""
        loop = asyncio.get_running_loop()
        sent = loop.time()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close",
                f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        answer = Answer(endpoint, i, attempt, sent - self.start, 0.0, "")
        reply: list[tuple[str, str]] = []
        page = b""
        try:
            status, reply, page = await asyncio.wait_for(self._send(raw), self.timeout)
        except (TimeoutError, OSError) as exc:
            answer.status = _failure(exc)
        else:
            answer.status = status
            answer.retry_after = next((_seconds(v) for k, v in reply if k == "retry-after"), None)
            answer.number = _number(endpoint, page) if answer.ok else None
        answer.seconds = loop.time() - sent
        self.answers.append(answer)
        return answer, reply, page

    async def _send(self, raw: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(raw)
            data = await reader.read()
        finally:
            writer.close()
        head, _, page = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2 or not parts[1].isdigit():
            return "closed", [], b""
        headers = [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
        return parts[1], headers, page


def _phone(i: int) -> str:
    return f"+86139{i % 10**8:08d}"


def _number(endpoint: str, page: bytes) -> str | None:
    if endpoint == "api":
        try:
            return str(json.loads(page)["ticket_number"])
        except (ValueError, KeyError, TypeError):
            return None
    found = NUMBER.search(page)
    return found.group(1).decode() if found else None


def _seconds(value: str) -> float | None:
    return float(value) if value.isdigit() else None


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "reset"
    return type(exc).__name__
