"""Phone sign-in (手机验证码登录) through the real forms, sign-out, and the "me" page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.models import OtpChallenge, PhoneSession
from webapp.services import identity

PHONE = "+8613812345678"


def _token(client, path="/m/signin") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _send(client, phone=PHONE, **extra):
    data = {"phone": phone, "csrf_token": _token(client), **extra}
    return client.post("/m/signin", data=data)


def _verify(client, code):
    return client.post("/m/signin/verify", data={"code": code, "csrf_token": _token(client)})


def _challenges(app, phone=PHONE) -> list[OtpChallenge]:
    with app.app_context():
        index = identity.blind_index().compute(phone, kind="phone")
        rows = db.session.scalars(
            select(OtpChallenge).where(OtpChallenge.phone_index == index).order_by(OtpChallenge.id)
        ).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def en(client):
    """The client reads English pages (the msgids), so tests can match the words."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# -- the happy path -------------------------------------------------------------------------------


def test_signed_out_phone_pages_send_to_sign_in_and_back(client, phone_login):
    response = client.get("/m/me")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/m/signin?next=/m/me")
    done = phone_login(client, PHONE, next="/m/employer")
    assert done.status_code == 303
    assert done.headers["Location"] == "/m/employer"
    me = client.get("/m/me")
    assert me.status_code == 200
    body = me.get_data(as_text=True)
    assert "138****5678" in body
    assert "13812345678" not in body
    assert me.headers["Cache-Control"] == "no-store"


def test_code_form_is_made_for_a_phone_keyboard(en, sms_code):
    assert _send(en).status_code == 303
    page = en.get("/m/signin").get_data(as_text=True)
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="one-time-code"' in page
    assert 'maxlength="6"' in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert 'data-resend-after="' in page


def test_number_waiting_for_its_code_is_not_readable_in_the_cookie(app, client):
    assert _send(client).status_code == 303
    cookie = client.get_cookie("gm_session")
    serializer = app.session_interface.get_signing_serializer(app)
    data = serializer.loads(cookie.value)
    assert "13812345678" not in repr(data)
    assert "signin_phone" in data


def test_invalid_number_is_refused_at_the_field_and_kept(en):
    response = _send(en, phone="12345")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="error"' in body
    assert 'value="12345"' in body


def test_signed_in_user_is_sent_on_from_the_sign_in_page(client, phone_login):
    phone_login(client, PHONE)
    response = client.get("/m/signin?next=/m/employer")
    assert response.status_code == 302
    assert response.headers["Location"] == "/m/employer"


# -- wrong, expired and too many codes ------------------------------------------------------------


def test_wrong_code_is_counted_and_five_wrong_codes_kill_the_right_one(app, en, sms_code):
    _send(en)
    right = sms_code(PHONE)
    wrong = "000000" if right != "000000" else "111111"
    first = _verify(en, wrong)
    assert first.status_code == 400
    assert "The code is not right" in first.get_data(as_text=True)
    assert _challenges(app)[-1].attempts == 1  # committed although the view refused
    for _ in range(app.config["OTP_MAX_ATTEMPTS"] - 1):
        assert _verify(en, wrong).status_code == 400
    assert _challenges(app)[-1].attempts == app.config["OTP_MAX_ATTEMPTS"]
    late = _verify(en, right)
    assert late.status_code == 400
    assert "Too many wrong codes" in late.get_data(as_text=True)
    assert en.get("/m/me").status_code == 302  # not signed in


def test_expired_code_is_refused_and_asks_for_a_new_one(en, sms_code, age_codes):
    _send(en)
    code = sms_code(PHONE)
    age_codes(PHONE, 6 * 60)  # OTP_TTL is five minutes
    response = _verify(en, code)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The code has expired" in body
    assert 'name="phone"' in body  # back at step 1
    assert en.get("/m/me").status_code == 302


def test_resend_too_soon_says_when_to_try_again(en):
    _send(en)
    response = en.post("/m/signin", data={"resend": "1", "csrf_token": _token(en)})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert "You can ask again in" in body
    assert 'inputmode="numeric"' in body  # still on the code form


def test_a_second_device_asking_too_soon_goes_on_to_the_code_box(app, en, sms_code):
    _send(en)
    code = sms_code(PHONE)
    other = app.test_client()
    other.get("/m/signin", query_string={"lang": "en"})
    response = _send(other)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'inputmode="numeric"' in body  # the code box, not the number form
    assert len(_challenges(app)) == 1  # no second message
    assert _verify(other, code).status_code == 303  # the code already sent works there


def test_resend_after_a_minute_sends_a_new_code(app, en, sms_code, age_codes):
    _send(en)
    first = sms_code(PHONE)
    age_codes(PHONE, 61)
    response = en.post("/m/signin", data={"resend": "1", "csrf_token": _token(en)})
    assert response.status_code == 303
    assert len(_challenges(app)) == 2
    second = sms_code(PHONE)
    assert second is not None
    assert _verify(en, second).status_code == 303  # the newest code is the one that counts
    assert first is not None


def test_per_number_limit(app, en, age_codes):
    for _ in range(app.config["OTP_PER_NUMBER_HOUR"]):
        assert _send(en).status_code == 303
        age_codes(PHONE, 61)
    refused = _send(en)
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "Too many codes for this number" in body
    assert "You can try again in about 60 minutes" in body
    assert len(_challenges(app)) == app.config["OTP_PER_NUMBER_HOUR"]


def test_per_address_limit_counts_every_number_from_one_address(app, en):
    app.config["OTP_PER_ADDRESS_HOUR"] = 3
    for n in range(3):
        assert _send(en, phone=f"+861390000000{n}").status_code == 303
    refused = _send(en, phone="+8613900000009")
    assert refused.status_code == 429
    assert "Too many codes from this network" in refused.get_data(as_text=True)
    elsewhere = en.post(
        "/m/signin",
        data={"phone": "+8613900000009", "csrf_token": _token(en)},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert elsewhere.status_code == 303


def test_flask_limiter_limits_code_requests_per_address(app, en):
    app.config["PHONE_CODE_RATE_LIMIT"] = "3 per minute"
    token = _token(en)
    codes = [
        en.post("/m/signin", data={"phone": "bad", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_flask_limiter_limits_code_checks_per_address(app, en):
    app.config["PHONE_VERIFY_RATE_LIMIT"] = "3 per minute"
    token = _token(en)
    codes = [
        en.post("/m/signin/verify", data={"code": "1", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [303, 303, 303]  # no number waiting: back to step 1
    assert codes[3] == 429


# -- where to go after signing in ---------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/m/me",
        "//evil.example/m/me",
        "/\\evil.example/m/me",
        "javascript:alert(1)",
        "http://localhost/m/me",
        "/staff/",
        "/m/signout",
        "m/me",
    ],
)
def test_next_must_be_a_local_phone_page(client, phone_login, target):
    response = phone_login(client, PHONE, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/m/me"


def test_next_keeps_a_local_query(client, phone_login):
    response = phone_login(client, PHONE, next="/m/employer/verify?kind=enterprise")
    assert response.headers["Location"] == "/m/employer/verify?kind=enterprise"


# -- sign-out ------------------------------------------------------------------------------------


def test_sign_out_revokes_the_session_on_the_server(app, client, phone_login):
    phone_login(client, PHONE)
    assert client.get("/m/me").status_code == 200
    old = client.get_cookie("gm_session").value
    token = _token(client, "/m/me")
    assert client.post("/m/signout").status_code == 400  # CSRF
    response = client.post("/m/signout", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/m/me").status_code == 302
    client.set_cookie("gm_session", old)  # replay the signed-in cookie
    replay = client.get("/m/me")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/m/signin")
    with app.app_context():
        sessions = db.session.scalars(select(PhoneSession)).all()
        assert [s.revoked_at is not None for s in sessions] == [True]


def test_me_shows_each_role_with_its_status(en, phone_login, verified_employer):
    info = verified_employer(kind="enterprise")
    phone_login(en, info.phone)
    body = en.get("/m/me").get_data(as_text=True)
    assert "status-verified" in body
    assert "/m/employer" in body
    assert 'id="role-worker"' in body


def test_me_offers_verification_to_a_new_number(en, phone_login):
    phone_login(en, PHONE)
    body = en.get("/m/me").get_data(as_text=True)
    assert "/m/employer/verify" in body
