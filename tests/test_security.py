"""Security headers, cookies and CSRF (security.md requirements 1-3)."""

import pytest

from config import ProductionConfig
from tests.conftest import csrf_token_from
from webapp import create_app


@pytest.mark.parametrize("path", ["/", "/staff/login", "/kiosk/", "/m/", "/healthz", "/nowhere"])
def test_every_response_carries_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_hsts_and_secure_cookie_in_production(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "prod-test-secret")
    monkeypatch.setattr(
        ProductionConfig, "DATA_KEY", "k1:dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs"
    )
    monkeypatch.setattr(ProductionConfig, "SESSION_COOKIE_SECURE", True)
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}")
    client = app.test_client()
    response = client.get("/staff/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    monkeypatch.setattr(ProductionConfig, "DATA_KEY", None)
    with pytest.raises(RuntimeError, match="GIGMARKET_SECRET_KEY"):
        create_app(ProductionConfig)


def test_state_change_without_csrf_token_is_refused(client, make_market, make_staff):
    username = make_staff(make_market())
    response = client.post(
        "/staff/login", data={"username": username, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "/staff/" not in response.headers.get("Location", "")
    assert client.get("/staff/").status_code == 302  # still signed out


def test_htmx_header_token_is_accepted_for_state_changes(client, make_market, make_staff, login):
    username = make_staff(make_market())
    assert login(username).status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    token = csrf_token_from(page)
    refused = client.post("/staff/logout")
    assert refused.status_code == 400
    accepted = client.post("/staff/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert accepted.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_no_state_change_on_get(app):
    """Every view that changes state accepts only POST (or other non-GET verbs)."""
    state_changing = {
        "staff.login_submit",
        "staff.logout",
        "staff.reveal_worker",
        "kiosk.card_read",
        "staff.review_verification_reveal",
        "staff.review_verification_decide",
        "staff.review_verification_card",
        "staff.review_gig_decide",
        "staff.agency_create",
        "staff.agency_update",
        "mobile.sign_out",
        "mobile.gig_publish",
        "mobile.gig_close",
        "mobile.gig_signup",
        "mobile.application_withdraw",
    }
    writes = {"POST", "PUT", "PATCH", "DELETE"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in state_changing:
            assert "GET" not in rule.methods, rule
        # No view serves reads and writes under one rule (a GET must never reach write code).
        assert not ("GET" in rule.methods and rule.methods & writes), rule


def test_htmx_responses_vary_on_hx_request(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert "HX-Request" in response.headers.get("Vary", "")


def test_errors_are_plain_pages_without_traces(client):
    response = client.get("/markets/999999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "页面不存在" in body or "does not exist" in body
    api = client.get("/api/v1/markets/999999")
    assert api.status_code == 404
    assert api.is_json
    assert api.json["error"] == 404


def test_a_nul_in_a_form_or_query_is_refused_before_any_view(client):
    assert client.get("/m/?q=a%00b").status_code == 400
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login", data={"username": "a\x00b", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.delete("/m/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
