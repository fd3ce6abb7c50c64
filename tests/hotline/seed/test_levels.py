"""The demo city as loaded: four levels of units in at least two districts, each new unit with
its duty phone and its staff and lead accounts (the seed's convention)."""

from __future__ import annotations

from collections import defaultdict

from flask import Flask
from sqlalchemy import select

from hotline.app.extensions import db
from hotline.models import Department, Level, Role, User


def test_the_demo_city_has_four_levels_in_at_least_two_districts(app: Flask,
                                                                  reference: None) -> None:
    units = {d.code: d for d in db.session.scalars(select(Department))}
    levels: dict[str, set[Level]] = defaultdict(set)
    for unit in units.values():
        if unit.district is not None:
            chain, seen = unit, []
            while chain is not None:
                seen.append(chain.level)
                chain = chain.parent
            if seen == [Level.COMMUNITY, Level.STREET, Level.DISTRICT, Level.CITY]:
                levels[unit.district].add(Level.COMMUNITY)
    assert len(levels) >= 2, dict(levels)

    users = {u.username: u for u in db.session.scalars(select(User))}
    communities = [u for u in units.values() if u.level == Level.COMMUNITY]
    for unit in communities:
        assert unit.duty_phone and unit.parent is not None and unit.parent.level == Level.STREET
        lead, staff = users[f"{unit.code}-lead"], users[unit.code]
        assert (lead.role, lead.department_id) == (Role.UNIT_LEAD, unit.id)
        assert (staff.role, staff.department_id) == (Role.UNIT_STAFF, unit.id)
    streets_with_communities = {u.parent.code for u in communities if u.parent is not None}
    for district in levels:
        streets = {u.code for u in units.values()
                   if u.level == Level.STREET and u.district == district}
        assert streets <= streets_with_communities, district  # every street of the district
