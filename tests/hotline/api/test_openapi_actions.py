"""The ticket actions' operations in the OpenAPI document are pinned: paths, summaries, responses
and request schemas as they were before the actions moved into one table
(hotline.tickets.catalogue). An intended API change updates openapi_ticket_actions.json with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

PINNED = Path(__file__).with_name("openapi_ticket_actions.json")


def _ticket_actions(doc: dict[str, Any]) -> dict[str, Any]:
    paths = {path: item for path, item in doc["paths"].items()
             if item.get("post", {}).get("tags") == ["api_ticket_actions"]}
    names = {item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
             .rsplit("/", 1)[1] for item in paths.values()}
    return {"paths": paths,
            "request_schemas": {name: doc["components"]["schemas"][name] for name in names}}


def test_ticket_action_operations_are_unchanged(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert _ticket_actions(doc) == json.loads(PINNED.read_text(encoding="utf-8"))
