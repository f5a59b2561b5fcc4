"""The OpenAPI 3.1 document for /api/v1/, grown by each issue that adds endpoints."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": ["integer", "string"]}, "message": {"type": "string"}},
}

_MARKET = {
    "type": "object",
    "required": ["id", "name", "level", "region_code"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": ["province", "city", "county", "station"]},
        "parent_id": {"type": ["integer", "null"]},
        "region_code": {"type": "string", "pattern": "^[0-9]{6}$"},
        "address": {"type": ["string", "null"]},
        "opening_hours": {"type": ["string", "null"]},
        "hotline": {"type": ["string", "null"]},
        "complaint_channel": {"type": ["string", "null"]},
        "capacity": {"type": ["integer", "null"]},
    },
}


def _json(schema_ref: str) -> dict[str, Any]:
    """A JSON response body referring to a component schema."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def openapi_document() -> dict[str, Any]:
    """Build the document (plain data, so tests and schemathesis can read it)."""
    not_found = {"description": "Not found", "content": _json("Error")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gig-market station service API (零工市场服务接口)",
            "version": "1.0.0",
            "description": "Public and authenticated endpoints of a 零工市场 station service.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/markets": {
                "get": {
                    "operationId": "listMarkets",
                    "summary": "Every active market",
                    "responses": {
                        "200": {
                            "description": "The markets",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["items"],
                                        "properties": {
                                            "items": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Market"},
                                            }
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/markets/{market_id}": {
                "get": {
                    "operationId": "getMarket",
                    "summary": "One active market",
                    "parameters": [
                        {
                            "name": "market_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The market", "content": _json("Market")},
                        "404": not_found,
                    },
                }
            },
        },
        "components": {"schemas": {"Market": _MARKET, "Error": _ERROR}},
    }
