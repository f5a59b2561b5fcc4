"""One-time codes: hashed, short-lived, few guesses, rate-limited per number and per address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import OtpChallenge, PhoneAccount, PhoneSession
from webapp.services import phone_auth, sms

PHONE = "13812345678"


def code_sent(phone: str = PHONE) -> str:
    """The code in the newest message to a number (memory SMS gateway)."""
    text = sms.gateway().last_to("+86" + phone)
    assert text is not None, "no message was sent"
    return re.search(r"验证码是(\d{6})", text).group(1)


def ask(phone: str = PHONE, address: str = "10.0.0.1") -> str:
    phone_auth.request_code(phone, address)
    db.session.commit()
    return code_sent(phone)


def age_challenges(seconds: int) -> None:
    """Move every challenge back in time (instead of sleeping)."""
    for row in db.session.scalars(select(OtpChallenge)):
        row.created_at -= timedelta(seconds=seconds)
        row.expires_at -= timedelta(seconds=seconds)
    db.session.commit()


def test_code_is_stored_only_as_a_hash(ctx):
    code = ask()
    row = db.session.scalar(select(OtpChallenge))
    assert code not in row.code_hash
    assert PHONE not in row.phone_index
    assert "10.0.0.1" not in row.address_hash
    assert len(row.code_hash) == 64


def test_right_code_signs_in_and_makes_one_account(ctx):
    code = ask()
    account = phone_auth.verify_code(PHONE, code)
    db.session.commit()
    assert isinstance(account, PhoneAccount)
    # The code is single-use.
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.verify_code(PHONE, code)
    assert err.value.code == "otp_expired"
    age_challenges(61)
    again = phone_auth.verify_code(PHONE, ask())
    assert again.id == account.id
    assert db.session.scalar(select(func.count(PhoneAccount.id))) == 1


def test_wrong_guesses_are_counted_and_limited(ctx):
    code = ask()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(phone_auth.PhoneAuthError) as err:
            phone_auth.verify_code(PHONE, wrong)
        assert err.value.code == "otp_wrong"
        db.session.commit()
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.verify_code(PHONE, code)  # even the right code is dead now
    assert err.value.code == "otp_attempts"


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "１２３４５６"])
def test_malformed_codes_are_wrong_not_errors(ctx, bad):
    ask()
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.verify_code(PHONE, bad)
    assert err.value.code == "otp_wrong"


def test_expired_code_is_refused(ctx):
    code = ask()
    age_challenges(6 * 60)
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.verify_code(PHONE, code)
    assert err.value.code == "otp_expired"


def test_resend_waits_a_minute(ctx):
    ask()
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.request_code(PHONE, "10.0.0.1")
    assert err.value.code == "otp_too_soon"
    assert 0 < err.value.retry_after <= 60


def test_per_number_hourly_limit(ctx):
    for _ in range(5):
        ask(address="10.0.0.9")
        age_challenges(61)
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.request_code(PHONE, "10.0.0.10")  # another address does not help
    assert err.value.code == "otp_number_limit"


def test_per_address_hourly_limit(ctx):
    for n in range(20):
        ask(phone=f"138000{n:05d}", address="10.0.0.2")
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.request_code("13900000000", "10.0.0.2")
    assert err.value.code == "otp_address_limit"
    ask(phone="13900000000", address="10.0.0.3")  # another address is fine


@pytest.mark.parametrize("bad", ["", "12345", "010-12345678", "+85291234567", "abc"])
def test_bad_numbers_are_refused_before_any_message(ctx, bad):
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.request_code(bad, "10.0.0.1")
    assert err.value.code == "phone_invalid"
    assert sms.gateway().outbox == []


def test_kiosk_worker_is_linked_by_the_proven_number(ctx, station, make_worker):
    public_id, _ = make_worker(station.id, phone="+86" + PHONE)
    account = phone_auth.verify_code(PHONE, ask())
    assert account.worker is not None
    assert account.worker.public_id == public_id


def test_session_tokens_are_hashed_kind_bound_and_revocable(ctx):
    account = phone_auth.verify_code(PHONE, ask())
    token = phone_auth.open_session(account, "api")
    db.session.commit()
    stored = db.session.scalar(select(PhoneSession))
    assert token not in stored.token_hash
    assert phone_auth.account_for_token(token, "api").id == account.id
    assert phone_auth.account_for_token(token, "cookie") is None  # an API token is not a cookie
    phone_auth.revoke(token)
    db.session.commit()
    assert phone_auth.account_for_token(token, "api") is None


def test_idle_session_ends(ctx):
    account = phone_auth.verify_code(PHONE, ask())
    token = phone_auth.open_session(account, "api")
    db.session.commit()
    stored = db.session.scalar(select(PhoneSession))
    stored.last_seen_at -= timedelta(days=8)
    db.session.commit()
    assert phone_auth.account_for_token(token, "api") is None
    assert db.session.scalar(select(PhoneSession)).revoked_at is not None


def test_disabled_account_cannot_sign_in(ctx):
    account = phone_auth.verify_code(PHONE, ask())
    token = phone_auth.open_session(account, "api")
    account.is_active = False
    db.session.commit()
    assert phone_auth.account_for_token(token, "api") is None
    age_challenges(61)
    with pytest.raises(phone_auth.PhoneAuthError) as err:
        phone_auth.verify_code(PHONE, ask())
    assert err.value.code == "account_disabled"
