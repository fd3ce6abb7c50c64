"""The surge rules through the admin pages: the seeded day and hour rules are listed and
editable; an edit is audited and is the rule the next scan uses; a bad value comes back beside
its field (400) and changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.admin.surges import surge_rule_dict
from hotline.app.extensions import db
from hotline.models import SurgeRuleRow
from hotline.reporting import surges
from tests.hotline.admin.helpers import entries, field_error, last, post, sign_in


def _row(window: str) -> SurgeRuleRow:
    return db.session.scalars(select(SurgeRuleRow).where(SurgeRuleRow.window == window)).one()


def test_an_administrator_edits_the_hour_rule(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    assert "来电增多预警规则" in client.get("/admin/").get_data(as_text=True)
    listing = client.get("/admin/surges").get_data(as_text=True)
    assert "近1小时（紧急诉求）" in listing and "参照同类诉求各街道校正" in listing
    row = _row("hour")
    data = surge_rule_dict(row) | {"method": "poisson", "min_count": "4", "note": "汛期"}
    assert post(client, f"/admin/surges/{row.id}", data).status_code == 302
    entry = last("surges")
    assert (entry.username, entry.action, entry.before["min_count"], entry.after["min_count"]) \
        == ("admin", "update", 3, 4)
    db.session.expire_all()
    assert (surges.rules(db.session)["hour"].method, surges.rules(db.session)["hour"].min_count) \
        == ("poisson", 4)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"threshold": "abc"}, "threshold", "数字"), ({"min_ratio": "0.5"}, "min_ratio", "之间"),
    ({"floor": "nan"}, "floor", "之间"), ({"min_count": "2.5"}, "min_count", "整数"),
    ({"method": "gauss"}, "method", "须为以下之一"), ({"method": "nb_pooled"}, "method", "须为以下之一"), ({"window": "week"}, "window", "须为以下之一"),
    ({"window": "hour"}, "window", ""),  # the day's row may not become a second hour rule
])
def test_a_bad_rule_is_refused_beside_its_field(reference: None, client: FlaskClient,
                                                change: dict[str, str], field: str,
                                                message: str) -> None:
    sign_in(client, "admin")
    row = _row("day")
    refused = post(client, f"/admin/surges/{row.id}", surge_rule_dict(row) | change)
    assert refused.status_code == 400 and message in field_error(refused, field)
    assert field_error(refused, field) and entries("surges") == []
