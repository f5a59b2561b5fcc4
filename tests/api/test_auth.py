"""API sign-in: one-time codes, bearer tokens, revocation, the cookie session and its CSRF check."""

from __future__ import annotations

import re

import pytest

from tests.api import (
    cookie_token,
    gig_body,
    last_code,
    make_account,
    make_gig,
    next_phone,
)
from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.models import OtpChallenge, PhoneSession

MASKED_MOBILE = re.compile(r"^1[0-9]{2}\*{4}[0-9]{4}$")


def _ask_code(client, phone: str):
    """Ask for a sign-in code for a number."""
    return client.post("/api/v1/auth/otp", json={"phone": phone})


def test_a_code_buys_a_token_that_works_until_it_is_revoked(app, client):
    phone = next_phone()
    sent = _ask_code(client, phone)
    assert sent.status_code == 202
    assert sent.json["resend_after"] == app.config["OTP_RESEND_SECONDS"]
    assert MASKED_MOBILE.match(sent.json["phone"])

    signed_in = client.post(
        "/api/v1/auth/token", json={"phone": phone, "code": last_code(app, phone)}
    )
    assert signed_in.status_code == 201
    token = signed_in.json["token"]
    assert signed_in.json["token_type"] == "Bearer"
    assert MASKED_MOBILE.match(signed_in.json["account"]["phone"])
    assert phone[3:] not in signed_in.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(PhoneSession.kind)) == "api"

    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200
    assert me.json["public_id"] == signed_in.json["account"]["public_id"]
    assert me.json["employer"] is None
    assert me.json["worker"] is None
    assert me.headers["Cache-Control"] == "no-store"

    assert client.delete("/api/v1/auth/token", headers=bearer).status_code == 204
    after = client.get("/api/v1/me", headers=bearer)
    assert after.status_code == 401
    assert after.json["error"] == "token_invalid"
    assert after.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.delete("/api/v1/auth/token", headers=bearer).status_code == 401


def test_wrong_codes_are_counted_even_though_they_fail(app, client):
    phone = next_phone()
    assert _ask_code(client, phone).status_code == 202
    code = last_code(app, phone)
    wrong = "000000" if code != "000000" else "111111"
    statuses = [
        client.post("/api/v1/auth/token", json={"phone": phone, "code": wrong}).json["error"]
        for _ in range(app.config["OTP_MAX_ATTEMPTS"])
    ]
    assert statuses == ["otp_wrong"] * app.config["OTP_MAX_ATTEMPTS"]
    with app.app_context():
        assert db.session.scalar(db.select(OtpChallenge.attempts)) == app.config["OTP_MAX_ATTEMPTS"]
    # The right code no longer helps: the guesses were committed, not rolled back.
    late = client.post("/api/v1/auth/token", json={"phone": phone, "code": code})
    assert late.status_code == 401
    assert late.json["error"] == "otp_attempts"


def test_a_number_without_a_live_code_cannot_sign_in(client):
    response = client.post("/api/v1/auth/token", json={"phone": next_phone(), "code": "123456"})
    assert response.status_code == 401
    assert response.json["error"] == "otp_expired"


def test_asking_again_too_soon_is_429_with_retry_after(client):
    phone = next_phone()
    assert _ask_code(client, phone).status_code == 202
    again = _ask_code(client, phone)
    assert again.status_code == 429
    assert again.json["error"] == "otp_too_soon"
    assert 0 < int(again.headers["Retry-After"]) <= 60


def test_the_address_limit_of_flask_limiter_answers_json(app, client):
    app.config["PHONE_CODE_RATE_LIMIT"] = "2 per minute"
    codes = [_ask_code(client, next_phone()) for _ in range(3)]
    assert [c.status_code for c in codes] == [202, 202, 429]
    assert codes[2].is_json
    assert codes[2].json["error"] == 429
    assert int(codes[2].headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "1381234567a"}, "phone"),
        ({"phone": 13812345678}, "phone"),
        ({"phone": ["13812345678"]}, "phone"),
        ({"phone": None}, "phone"),
        ({}, "phone"),
        ({"phone": "1" * 5000}, "phone"),
        ({"phone": "138\x0012345678"}, "phone"),
        ({"phone": "13812345678", "email": "x@example.com"}, "email"),
    ],
)
def test_bad_numbers_are_400_with_the_field(client, body, field):
    response = client.post("/api/v1/auth/otp", json=body)
    assert response.status_code == 400
    assert field in response.json["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "13812345678", "code": 123456}, "code"),
        ({"phone": "13812345678"}, "code"),
        ({"phone": "13812345678", "code": "1" * 17}, "code"),
        ({"code": "123456"}, "phone"),
    ],
)
def test_bad_token_requests_are_400_with_the_field(client, body, field):
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 400
    assert field in response.json["fields"]


def test_messages_follow_the_request_language(client):
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    chinese = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 401
    assert english.json["message"] == "Please sign in."
    assert re.search(r"[\u4e00-\u9fff]", chinese.json["message"])


def test_unknown_and_cookie_tokens_are_not_bearer_tokens(app, client, make_market):
    market = make_market()
    caller = make_account(app, market, employer="verified")
    gig = make_gig(app, caller)
    for token in ("not-a-token", cookie_token(app, caller)):
        response = client.get(f"/api/v1/gigs/{gig}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json["error"] == "token_invalid"
    assert client.get(f"/api/v1/gigs/{gig}").status_code == 200  # anonymous is fine


def test_revoking_needs_a_bearer_token(client):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.json["error"] == "bearer_required"


def test_idle_tokens_expire(app, client, make_market):
    caller = make_account(app, make_market())
    with app.app_context():
        row = db.session.scalar(db.select(PhoneSession))
        row.last_seen_at = row.last_seen_at - app.config["PHONE_IDLE_TIMEOUT"] * 2
        db.session.commit()
    assert client.get("/api/v1/me", headers=caller.headers).status_code == 401


class TestCookieSession:
    """The phone pages' cookie works on the API; its changes need the X-CSRFToken header."""

    @pytest.fixture
    def cookie_client(self, app, client, make_market):
        """A client signed in with the phone pages' cookie, and its CSRF token."""
        caller = make_account(app, make_market(), employer="verified")
        token = cookie_token(app, caller)
        csrf = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
        with client.session_transaction() as session:
            session["phone_token"] = token
        return client, csrf

    def test_reads_need_no_csrf_header(self, cookie_client):
        client, _ = cookie_client
        response = client.get("/api/v1/me")
        assert response.status_code == 200
        assert response.json["employer"]["verification_status"] == "verified"

    def test_changes_without_the_header_are_refused(self, app, cookie_client):
        client, _ = cookie_client
        response = client.post("/api/v1/employer/gigs", json=gig_body())
        assert response.status_code == 400
        assert response.json["error"] == "csrf_failed"
        bad = client.post(
            "/api/v1/employer/gigs", json=gig_body(), headers={"X-CSRFToken": "forged"}
        )
        assert bad.status_code == 400
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(db.text("gig"))) == 0

    def test_changes_with_the_header_go_through(self, cookie_client):
        client, csrf = cookie_client
        response = client.post(
            "/api/v1/employer/gigs", json=gig_body(), headers={"X-CSRFToken": csrf}
        )
        assert response.status_code == 201

    def test_bearer_calls_need_no_csrf_header(self, app, client, make_market):
        caller = make_account(app, make_market(), employer="verified")
        response = client.post("/api/v1/employer/gigs", json=gig_body(), headers=caller.headers)
        assert response.status_code == 201
