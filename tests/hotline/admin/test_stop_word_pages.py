"""The hot-phrase stop words through the admin pages: a word added or kept is audited and changes
the supervisors' 热点词 at once; bad input is answered with the form and a message."""

from __future__ import annotations

from flask.testing import FlaskClient

from hotline.app.extensions import db
from hotline.reporting import phrases
from tests.hotline.admin.helpers import entries, field_error, last, post, sign_in


def test_an_administrator_adds_and_keeps_stop_words(reference: None, client: FlaskClient) -> None:
    sign_in(client, "admin")
    assert "热点词停用词" in client.get("/admin/").get_data(as_text=True)
    assert "咨询" in phrases.stop_words(db.session) and "积水" not in phrases.stop_words(db.session)

    spaced = post(client, "/admin/stopwords/new", {"word": "积水 路面", "active": "1"})
    assert spaced.status_code == 400 and "空格" in field_error(spaced, "word")
    not_shipped = post(client, "/admin/stopwords/new", {"word": "积水", "keep": "1", "active": "1"})
    assert not_shipped.status_code == 400 and "内置" in field_error(not_shipped, "word")
    assert entries("stopwords") == []

    assert post(client, "/admin/stopwords/new", {"word": "积水", "active": "1"}).status_code == 302
    assert post(client, "/admin/stopwords/new",
                {"word": "今年", "keep": "1", "active": "1", "note": "本市“今年”多指征收批次"}
                ).status_code == 302
    entry = last("stopwords")
    assert (entry.username, entry.action, entry.after["word"], entry.after["keep"]) == \
        ("admin", "create", "今年", True)
    stop = phrases.stop_words(db.session)
    assert "积水" in stop and "今年" not in stop and "咨询" in stop
    listing = client.get("/admin/stopwords").get_data(as_text=True)
    assert "积水" in listing and "今年" in listing

    added = next(e for e in entries("stopwords") if e.after["word"] == "积水")
    assert post(client, f"/admin/stopwords/{added.entity_id}", {"_action": "deactivate"}) \
        .status_code == 302
    assert last("stopwords").action == "deactivate"
    assert "积水" not in phrases.stop_words(db.session)
