"""The units and people the life-cycle tests act with: one city unit and its staff and lead,
a second unit (strangers to the first's tickets), a district helper, the centre's posts, and
the working-time planner of the default calendar."""

from __future__ import annotations

from hotline.domain import lifecycle as lc
from hotline.domain.deadlines import Planner
from hotline.models import Department, Level, Role
from routing.calendar import WorkingCalendar

UNIT = Department(id=1, code="zjj", name="住建局", level=Level.CITY, active=True)
OTHER = Department(id=2, code="cgj", name="城管局", level=Level.CITY, active=True)
HELPER = Department(id=3, code="a1-gov", name="A1区政府", level=Level.DISTRICT, active=True)
AGENT = lc.Actor("agent", Role.AGENT, 10)
SUPERVISOR = lc.Actor("supervisor", Role.SUPERVISOR, 11)
ADMIN = lc.Actor("admin", Role.ADMIN, 12)
STAFF = lc.Actor("zjj", Role.UNIT_STAFF, 13, UNIT.id)
LEAD = lc.Actor("zjj-lead", Role.UNIT_LEAD, 14, UNIT.id)
STRANGER = lc.Actor("cgj", Role.UNIT_STAFF, 15, OTHER.id)
STRANGER_LEAD = lc.Actor("cgj-lead", Role.UNIT_LEAD, 17, OTHER.id)
HELPER_STAFF = lc.Actor("a1-gov", Role.UNIT_STAFF, 16, HELPER.id)
PLANNER = Planner(WorkingCalendar())
