"""Schemathesis against the OpenAPI document: no input may produce a 500 or break the schema."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hotline.api.test_api import token

CHECKS = [status_code_conformance, response_schema_conformance, negative_data_rejection]


@pytest.mark.slow
def test_api_never_fails(app: Flask, reference: None) -> None:
    headers = token("agent")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, response.text)
            case.validate_response(response, checks=CHECKS)

        run()


def test_openapi_document_describes_the_api(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/tickets", "/api/v1/tickets/{number}", "/api/v1/departments",
            "/api/v1/intakes"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
