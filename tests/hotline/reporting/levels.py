"""A small built hierarchy and its tickets, for the figures by level and the dashboard's
drill-down (test_level_figures, test_pages).

The hierarchy: city government → 区政府 (district a1) → 区城管局 (its bureau, same level) and two
streets 东街 / 西街, with 东街's community 东一社区. Every ticket is in district a1:

| ticket | accountable unit | forward tasks | street that did the work |
|---|---|---|---|
| T1 | 区城管局 | 区城管局 → 东街 (accepted) | 东街 |
| T2 | 西街 (dispatched straight) | — | 西街 |
| T3 | 区城管局 | 区城管局 → 西街 (returned) | none: the bureau kept it |
| T4 | 区城管局 | → 东街 (signed), 东街 → 东一社区 (replied) | 东街 (the community's street) |
| T5 | 市局 (city level) | — | none |
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.app.extensions import db
from hotline.models import Department, ForwardTask, Level, Status, Ticket
from hotline.reporting.figures import Period

SH = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 8))
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=SH)
AT = datetime(2026, 3, 3, 9, 0, tzinfo=SH)


def build_hierarchy() -> dict[str, Department]:
    """The units above, added to the session (the dashboard page test reuses them)."""
    city = Department(code="lf-gov", name="市政府", level=Level.CITY)
    bureau_c = Department(code="lf-cj", name="市局", level=Level.CITY, parent=city)
    gov = Department(code="lf-a1", name="区政府", level=Level.DISTRICT, parent=city, district="a1")
    bureau = Department(code="lf-a1-cg", name="区城管局", level=Level.DISTRICT, parent=gov,
                        district="a1")
    east = Department(code="lf-a1-s1", name="东街", level=Level.STREET, parent=gov, district="a1")
    west = Department(code="lf-a1-s2", name="西街", level=Level.STREET, parent=gov, district="a1")
    east1 = Department(code="lf-a1-s1-c1", name="东一社区", level=Level.COMMUNITY, parent=east,
                       district="a1")
    units = {"city": city, "bureau_c": bureau_c, "gov": gov, "bureau": bureau, "east": east,
             "west": west, "east1": east1}
    db.session.add_all(units.values())
    return units


def _ticket(n: int, unit: Department, street: str | None = None) -> Ticket:
    t = Ticket(number=f"20260303-{n:06d}", line="12345", channel="phone",
               request_type="complaint", content=f"第{n}号诉求：井盖破损", status=Status.SIGNED,
               created_at=AT, updated_at=AT, department=unit, district="a1", street=street)
    db.session.add(t)
    return t


def _task(t: Ticket, seq: int, parent: Department, child: Department, status: str) -> None:
    db.session.add(ForwardTask(ticket=t, seq=seq, parent=parent, department=child,
                               status=status, forwarded_by="lead"))


def build_tickets(u: dict[str, Department]) -> None:
    t1 = _ticket(1, u["bureau"], street="a1-s1")
    _task(t1, 1, u["bureau"], u["east"], "accepted")
    _ticket(2, u["west"], street="a1-s2")
    t3 = _ticket(3, u["bureau"])
    _task(t3, 1, u["bureau"], u["west"], "returned")
    t4 = _ticket(4, u["bureau"])
    _task(t4, 1, u["bureau"], u["east"], "signed")
    _task(t4, 2, u["east"], u["east1"], "replied")
    _ticket(5, u["bureau_c"])
