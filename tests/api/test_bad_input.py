"""Bad input of every kind gets a clear 4xx, changes nothing, and never a 500 (security.md 17)."""

from __future__ import annotations

import json

import pytest

from tests.api import gig_body, gig_row, make_account, make_gig


@pytest.fixture
def boss(app, make_market):
    """A verified employer."""
    return make_account(app, make_market(), employer="verified")


@pytest.fixture
def gig(app, boss):
    """The employer's open gig."""
    return make_gig(app, boss)


def _gig_count(app, gig_id) -> int:
    """How many gigs there are."""
    return gig_row(app, gig_id)["count"]


FIELD_ERRORS = [
    ({"headcount": "five"}, "headcount"),
    ({"headcount": True}, "headcount"),
    ({"headcount": -3}, "headcount"),
    ({"headcount": 0}, "headcount"),
    ({"headcount": 10**30}, "headcount"),
    ({"headcount": 2.5}, "headcount"),
    ({"pay_amount": -5}, "pay_amount"),
    ({"pay_amount": "0"}, "pay_amount"),
    ({"pay_amount": "abc"}, "pay_amount"),
    ({"pay_amount": "1.005"}, "pay_amount"),
    ({"pay_amount": "1e999999"}, "pay_amount"),
    ({"pay_amount": [330]}, "pay_amount"),
    ({"pay_unit": "year"}, "pay_unit"),
    ({"settlement": 3}, "settlement"),
    ({"title": "x" * 5000}, "title"),
    ({"title": "砌"}, "title"),
    ({"title": "瓦工\x00师傅五名"}, "title"),
    ({"title": "瓦工\n师傅五名"}, "title"),
    ({"title": {"zh": "瓦工师傅"}}, "title"),
    ({"description": "d" * 2001}, "description"),
    ({"trade_code": "9-99-99-99"}, "trade_code"),
    ({"area_code": "999999"}, "area_code"),
    ({"area_code": "41010"}, "area_code"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T23:59:59-14:00"}, "starts_at"),
    ({"starts_at": "2026-02-30T08:00"}, "starts_at"),
    ({"starts_at": "2020-01-01T08:00+08:00"}, "starts_at"),
    ({"starts_at": 1767225600}, "starts_at"),
    ({"ends_at": "2026-01-01T08:00+99:00"}, "ends_at"),
    ({"valid_until": "9999-12-31"}, "valid_until"),
    ({"valid_until": "yesterday"}, "valid_until"),
    ({"daily_hours": 13}, "daily_hours"),
    ({"daily_hours": -1}, "daily_hours"),
    ({"daily_hours": True}, "daily_hours"),
    ({"provides_meals": "maybe"}, "provides_meals"),
    ({"provides_meals": 1}, "provides_meals"),
    ({"skill_level_required": 9}, "skill_level_required"),
    ({"certificates_required": [1, 2]}, "certificates_required"),
    ({"certificates_required": ["证"] * 6}, "certificates_required"),
    ({"certificates_required": ["证" * 31]}, "certificates_required"),
    ({"contact_name": "12345"}, "contact_name"),
    ({"contact_phone": "110"}, "contact_phone"),
    ({"contact_phone": 13812345678}, "contact_phone"),
    ({"owner_id": 1}, "owner_id"),
    ({"publish": "yes"}, "publish"),
]


@pytest.mark.parametrize(("change", "field"), FIELD_ERRORS)
def test_bad_fields_on_create_are_422_naming_the_field(app, client, boss, gig, change, field):
    before = _gig_count(app, gig)
    response = client.post("/api/v1/employer/gigs", json=gig_body(**change), headers=boss.headers)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_input"
    assert field in response.json["fields"], response.json
    assert all(isinstance(m, str) and m for m in response.json["fields"].values())
    assert _gig_count(app, gig) == before


@pytest.mark.parametrize(("change", "field"), [(c, f) for c, f in FIELD_ERRORS if f != "publish"])
def test_bad_fields_on_patch_are_422_and_change_nothing(app, client, boss, gig, change, field):
    before = gig_row(app, gig)
    response = client.patch(f"/api/v1/employer/gigs/{gig}", json=change, headers=boss.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["fields"]
    assert gig_row(app, gig) == before


@pytest.mark.parametrize(
    "missing", ["trade_code", "title", "headcount", "starts_at", "pay_amount", "pay_unit"]
)
def test_missing_fields_are_422(client, boss, missing):
    body = gig_body()
    del body[missing]
    response = client.post("/api/v1/employer/gigs", json=body, headers=boss.headers)
    assert response.status_code == 422
    assert missing in response.json["fields"]


def test_an_unprintable_field_name_is_reported_without_echoing_it(client, boss):
    body = gig_body() | {"\ud800\x00": 1}
    raw = json.dumps(body)  # ASCII escapes: a lone surrogate and a NUL
    response = client.post(
        "/api/v1/employer/gigs",
        data=raw,
        content_type="application/json",
        headers=boss.headers,
    )
    assert response.status_code == 422
    assert list(response.json["fields"]) == ["body"]


def test_a_lone_surrogate_in_a_value_is_422_not_500(client, boss):
    raw = json.dumps(gig_body(title="瓦工\ud800师傅五名"))
    response = client.post(
        "/api/v1/employer/gigs", data=raw, content_type="application/json", headers=boss.headers
    )
    assert response.status_code == 422
    assert "title" in response.json["fields"]


BODIES = [
    ("text/plain", "hello", 415, "unsupported_media_type"),
    ("application/x-www-form-urlencoded", "title=x", 415, "unsupported_media_type"),
    ("application/xml", "<gig/>", 415, "unsupported_media_type"),
    (None, '{"title": "x"}', 415, "unsupported_media_type"),
    ("application/json", "", 400, "body_missing"),
    ("application/json", "   ", 400, "body_missing"),
    ("application/json", "{bad json", 400, "json_invalid"),
    ("application/json", "[1, 2]", 400, "json_not_object"),
    ("application/json", '"a string"', 400, "json_not_object"),
    ("application/json", "null", 400, "json_not_object"),
    ("application/json", "42", 400, "json_not_object"),
    ("application/json", '{"headcount": NaN}', 400, "json_invalid"),
    ("application/json", '{"headcount": Infinity}', 400, "json_invalid"),
    ("application/json", '{"headcount": ' + "9" * 5000 + "}", 400, "json_invalid"),
    ("application/json", "[" * 50_000 + "]" * 50_000, 413, 413),
    ("application/json", "[" * 20_000 + "]" * 20_000, 400, "json_invalid"),
    ("application/json", b"\xff\xfe\x00garbage", 400, "json_invalid"),
    ("application/json", '{"title": "' + "x" * 70_000 + '"}', 413, 413),
]


@pytest.mark.parametrize(("content_type", "data", "status", "code"), BODIES)
def test_malformed_bodies_are_json_4xx(app, client, boss, gig, content_type, data, status, code):
    before = _gig_count(app, gig)
    for method, path in [
        ("post", "/api/v1/employer/gigs"),
        ("patch", f"/api/v1/employer/gigs/{gig}"),
        ("post", "/api/v1/auth/otp"),
    ]:
        kwargs = {"data": data, "headers": boss.headers}
        if content_type:
            kwargs["content_type"] = content_type
        response = getattr(client, method)(path, **kwargs)
        assert response.status_code == status, (path, response.json)
        assert response.is_json
        assert response.json["error"] == code
        assert response.json["message"]
    assert _gig_count(app, gig) == before


def test_a_body_over_the_app_limit_is_413_json(app, client, boss):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/api/v1/employer/gigs",
        data=json.dumps(gig_body(description="d" * 900)),
        content_type="application/json",
        headers=boss.headers,
    )
    assert response.status_code == 413
    assert response.is_json


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/me"), ("put", "/api/v1/employer/gigs"), ("get", "/api/v1/auth/otp")],
)
def test_wrong_methods_are_405_json(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.is_json
    assert response.json["error"] == 405


def test_unknown_api_paths_are_404_json(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.is_json
