"""The OpenAPI document describes exactly the API's routes, with its schemas and security."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def document(client):
    """The document as served."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def _rule_to_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path ('<int:market_id>' to '{market_id}')."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_route_is_documented_and_nothing_else(app, document):
    routes = {
        (_rule_to_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_components_and_security_schemes(document):
    schemas = document["components"]["schemas"]
    for name in ("Gig", "GigOwner", "Application", "Account", "Error", "ValidationError"):
        assert name in schemas
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["cookieAuth"]["name"] == "gm_session"


def test_every_reference_resolves(document):
    text = str(document)
    for name in re.findall(r"#/components/schemas/([A-Za-z]+)", text):
        assert name in document["components"]["schemas"], name


def test_authenticated_operations_document_401_and_changes_their_errors(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            if operation.get("security") and {} not in operation["security"]:
                assert "401" in responses, (method, path)
                assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ValidationError" if code == "422" else "/Error")


def _property_names(schema) -> set[str]:
    """Every property name declared anywhere inside a schema."""
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= set(schema.get("properties", {}))
        for value in schema.values():
            names |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value)
    return names


def test_employer_facing_schemas_have_no_identity_fields(document):
    schemas = document["components"]["schemas"]
    for name in ("Gig", "GigOwner", "Application"):
        names = _property_names(schemas[name])
        assert not {n for n in names if re.search("id_number|birth|sex|face|phone_full", n)}
        assert schemas[name]["additionalProperties"] is False
