"""直派街乡 (issue 17) through the real routing step: the street found in the address or the
text is kept on the ticket with what found it, and a catalogue rule on that street sends the
ticket straight to the street's unit; a ticket of a street without such a rule is routed as
before."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient

from hotline.app import unit_of_work
from hotline.app.extensions import db
from hotline.intake.triage import route
from hotline.models import Status, Ticket
from hotline.tickets.lookups import topic_by_code
from tests.conftest import login
from tests.hotline.tickets.helpers import get, new_ticket

PROPERTY = "小区物业不打扫楼道，垃圾堆了一个星期"


def routed_confidently(ticket: Ticket, topic: str = "cxjs-wygl") -> Ticket:
    """As the worker routes a ticket whose classifier is sure of the topic (物业管理)."""
    ticket.topic = topic_by_code(db.session, topic)
    db.session.flush()  # routing reads topic_id
    route(db.session, ticket, confident=True)
    unit_of_work.commit(db.session)
    return ticket


def dispatched(ticket: Ticket) -> dict:
    return next(e for e in reversed(ticket.events) if e.kind == "dispatched").data["reason"]


def test_a_street_with_a_rule_gets_the_ticket_one_without_stays_with_the_district(
        app: Flask, reference: None) -> None:
    at_jiefang = routed_confidently(new_ticket(PROPERTY, address="A1区解放路街道工人新村3栋"))
    assert at_jiefang.status == Status.DISPATCHED and at_jiefang.department.code == "a1-s3"
    reason = dispatched(at_jiefang)
    assert (reason["by"], reason["street"]) == ("street_rule", "a1-s3")
    assert at_jiefang.street == "a1-s3"
    assert at_jiefang.street_found == {"by": "gazetteer", "entry": "a1-s3", "word": "解放路街道",
                                       "alias": False, "field": "address"}

    at_yingchun = routed_confidently(new_ticket(PROPERTY, address="A1区迎春街道春晖苑"))
    assert at_yingchun.department.code == "a1-zjj"  # the district's rule, as before
    assert dispatched(at_yingchun)["by"] == "topic_rule" and at_yingchun.street == "a1-s2"


def test_a_street_rule_without_a_topic_needs_no_classifier(app: Flask, reference: None) -> None:
    xinhe = new_ticket("河西路的路灯坏了好几天", address="A2区新河河西路8号")
    assert xinhe.status == Status.DISPATCHED and xinhe.department.code == "a2-s4"
    reason = dispatched(xinhe)
    assert (reason["by"], reason["street"]) == ("street_rule", "a2-s4")
    assert xinhe.street_found["word"] == "新河" and xinhe.street_found["alias"] is True
    fenglin = new_ticket("枫林街的路灯坏了好几天")  # found in the words, no rule there
    assert fenglin.status == Status.PENDING_DISPATCH and fenglin.department is None
    assert fenglin.street == "a2-s2"
    assert fenglin.street_found == {"by": "gazetteer", "entry": "a2-s2", "word": "枫林街",
                                    "alias": True, "field": "content"}


def test_the_street_and_its_finder_on_the_page_and_in_the_api(app: Flask, reference: None,
                                                            client: FlaskClient) -> None:
    t = new_ticket("枫林街的路灯坏了好几天")
    body = get(client, "agent", f"/api/v1/tickets/{t.number}").get_json()
    assert body["street"] == "a2-s2" and body["street_found"]["word"] == "枫林街"
    login(client, "agent")
    page = html.unescape(client.get(f"/tickets/{t.number}").get_data(as_text=True))
    assert "枫林街道" in page and "地名库识别：诉求内容中的「枫林街」（别名）" in page
    english = html.unescape(client.get(f"/tickets/{t.number}?lang=en").get_data(as_text=True))
    assert "Found by the gazetteer" in english


def test_a_named_community_is_kept_with_its_street(app: Flask, reference: None,
                                                  client: FlaskClient) -> None:
    ticket = new_ticket("湖滨社区3栋楼下的路灯坏了好几天", address="A1区东湖街道")
    assert (ticket.street, ticket.community) == ("a1-s1", "a1-s1-c1")
    triaged = next(e for e in ticket.events if e.kind == "triaged")
    assert triaged.data["set"]["community"] == "a1-s1-c1"
    elsewhere = new_ticket("春晖社区门口的路灯坏了", address="A1区东湖街道")  # 春晖 is 迎春's
    assert (elsewhere.street, elsewhere.community) == ("a1-s1", None)
    login(client, "agent")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert '<dd id="ticket-community">湖滨社区</dd>' in page
    assert 'id="ticket-community"' not in client.get(f"/tickets/{elsewhere.number}").get_data(
        as_text=True)


def test_a_community_alias_places_the_ticket(app: Flask, reference: None,
                                             client: FlaskClient) -> None:
    """Callers name 湖滨社区 by its old name 湖滨村 or as 湖滨小区: the ticket is placed there, with
    its street and district and the community's point, in the text or in the address."""
    by_text = new_ticket("湖滨村那边的路灯坏了好几天")
    assert (by_text.district, by_text.street, by_text.community) == ("a1", "a1-s1", "a1-s1-c1")
    by_address = new_ticket("楼下的路灯坏了好几天", address="湖滨小区5栋")
    assert (by_address.street, by_address.community) == ("a1-s1", "a1-s1-c1")
    body = get(client, "agent", f"/api/v1/tickets/{by_address.number}").get_json()
    assert (body["location"]["source"], body["street_found"]["word"]) == ("community", "湖滨小区")


def test_an_alias_of_another_streets_community_is_not_taken(app: Flask, reference: None) -> None:
    """The address says 迎春街道; 湖滨小区 in the text is 东湖街道's: the street stands, no
    community."""
    ticket = new_ticket("湖滨小区门口的路灯坏了", address="A1区迎春街道")
    assert (ticket.street, ticket.community) == ("a1-s2", None)
