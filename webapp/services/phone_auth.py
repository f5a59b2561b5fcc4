"""Phone sign-in (手机验证码登录): one-time codes, rate limits and server-side sessions.

A code is six random digits, sent through the SMS gateway interface, kept only as an HMAC,
valid for OTP_TTL and for OTP_MAX_ATTEMPTS guesses. The OtpChallenge rows double as the rate-limit
counters per number and per address, so the limits hold across worker processes. A proven number
gets a PhoneAccount and a session whose token is a browser cookie or an API bearer token; both are
revocable on the server and end after PHONE_IDLE_TIMEOUT idle.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.identity import IdentityError, normalize_mobile
from webapp.models import OtpChallenge, PhoneAccount, PhoneSession
from webapp.models.base import utcnow
from webapp.services import identity, sms

SESSION_KEY = "phone_token"
LAST_SEEN_WRITE_INTERVAL = timedelta(seconds=60)
CODE_DIGITS = 6


class PhoneAuthError(Exception):
    """A code request or sign-in that must be refused, with a message fit to show."""

    def __init__(self, code: str, message, retry_after: int | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class CodeSent:
    """A code is on its way: the masked number and when the next may be asked for."""

    phone: str  # E.164
    resend_after: int  # seconds


def _hmac(*parts: str) -> str:
    """HMAC-SHA256 under the app secret (codes and addresses are never stored in clear)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def _address_hash(address: str | None) -> str:
    return _hmac("addr", address or "unknown")


def _phone_index(phone: str) -> str:
    return identity.blind_index().compute(phone, kind="phone")


def parse_phone(raw: str) -> str:
    """A mobile number in E.164, or PhoneAuthError with the validator's plain message."""
    try:
        return normalize_mobile(raw or "")
    except IdentityError as exc:
        raise PhoneAuthError("phone_invalid", exc.message) from None


def _count(since, *conditions) -> int:
    return db.session.scalar(
        select(func.count(OtpChallenge.id)).where(OtpChallenge.created_at >= since, *conditions)
    )


def _check_limits(phone_index: str, address_hash: str) -> None:
    """Refuse a new code when the number or the address has asked too often."""
    config, now = current_app.config, utcnow()
    last = db.session.scalar(
        select(func.max(OtpChallenge.created_at)).where(OtpChallenge.phone_index == phone_index)
    )
    wait = config["OTP_RESEND_SECONDS"]
    if last is not None and (now - last).total_seconds() < wait:
        retry = wait - int((now - last).total_seconds())
        raise PhoneAuthError(
            "otp_too_soon",
            _l("A code was just sent. You can ask again in %(n)s seconds.", n=retry),
            retry_after=retry,
        )
    by_number = OtpChallenge.phone_index == phone_index
    if _count(now - timedelta(hours=1), by_number) >= config["OTP_PER_NUMBER_HOUR"] or (
        _count(now - timedelta(days=1), by_number) >= config["OTP_PER_NUMBER_DAY"]
    ):
        raise PhoneAuthError(
            "otp_number_limit",
            _l("Too many codes for this number. Please try again later or ask station staff."),
            retry_after=3600,
        )
    by_address = OtpChallenge.address_hash == address_hash
    if _count(now - timedelta(hours=1), by_address) >= config["OTP_PER_ADDRESS_HOUR"]:
        raise PhoneAuthError(
            "otp_address_limit",
            _l("Too many codes from this network. Please try again later."),
            retry_after=3600,
        )


def request_code(raw_phone: str, address: str | None) -> CodeSent:
    """Send a sign-in code to a number, within the rate limits."""
    phone = parse_phone(raw_phone)
    phone_index, address_hash = _phone_index(phone), _address_hash(address)
    _check_limits(phone_index, address_hash)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    challenge = OtpChallenge(
        phone_index=phone_index,
        code_hash="",
        address_hash=address_hash,
        expires_at=utcnow() + current_app.config["OTP_TTL"],
    )
    db.session.add(challenge)
    db.session.flush()
    challenge.code_hash = _hmac("otp", str(challenge.id), code)
    minutes = int(current_app.config["OTP_TTL"].total_seconds() // 60)
    try:
        sms.send(
            phone,
            # The message is Chinese whatever the page language: it is an SMS to a Chinese mobile.
            f"您的登录验证码是{code}，{minutes}分钟内有效。请勿告诉他人，工作人员不会向您索要验证码。",
        )
    except sms.SmsError:
        current_app.logger.exception("SMS gateway failed")
        raise PhoneAuthError(
            "sms_failed", _l("The text message could not be sent. Please try again shortly.")
        ) from None
    return CodeSent(phone=phone, resend_after=current_app.config["OTP_RESEND_SECONDS"])


def verify_code(raw_phone: str, code: str) -> PhoneAccount:
    """Check a code against the newest live challenge; return the (new or existing) account.

    The caller commits whether this returns or raises: a wrong guess must stay counted.
    """
    phone = parse_phone(raw_phone)
    phone_index, now = _phone_index(phone), utcnow()
    code = (code or "").strip()
    challenge = db.session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.phone_index == phone_index, OtpChallenge.consumed_at.is_(None))
        .order_by(OtpChallenge.id.desc())
        .limit(1)
    )
    if challenge is None or challenge.expires_at < now:
        raise PhoneAuthError("otp_expired", _l("The code has expired. Please ask for a new one."))
    # Count the guess before checking it, with a conditional update, so parallel guesses on
    # several workers cannot get more tries than allowed.
    counted = db.session.execute(
        update(OtpChallenge)
        .where(
            OtpChallenge.id == challenge.id,
            OtpChallenge.attempts < current_app.config["OTP_MAX_ATTEMPTS"],
            OtpChallenge.consumed_at.is_(None),
        )
        .values(attempts=OtpChallenge.attempts + 1)
    ).rowcount
    if not counted:
        raise PhoneAuthError("otp_attempts", _l("Too many wrong codes. Please ask for a new one."))
    if not (code.isdigit() and len(code) == CODE_DIGITS) or not hmac.compare_digest(
        challenge.code_hash, _hmac("otp", str(challenge.id), code)
    ):
        raise PhoneAuthError("otp_wrong", _l("The code is not right. Please check the message."))
    challenge.consumed_at = now
    return _account_for(phone, phone_index)


def _account_for(phone: str, phone_index: str) -> PhoneAccount:
    """The account of this number, made on first sign-in and linked to a kiosk worker if any."""
    account = identity.find_account_by_phone(phone)
    if account is None:
        account = PhoneAccount()
        identity.store(account, "phone", phone)
    if not account.is_active:
        raise PhoneAuthError("account_disabled", _l("This account is disabled. Please ask staff."))
    if account.worker_id is None:
        # A worker who registered this number at a kiosk (card and face) is the same person:
        # the code just proved the number, so the account speaks for that worker.
        worker = identity.find_worker_by_phone(phone)
        if (
            worker is not None
            and db.session.scalar(
                select(PhoneAccount.id).where(PhoneAccount.worker_id == worker.id)
            )
            is None
        ):
            account.worker = worker
    account.last_login_at = utcnow()
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(account: PhoneAccount, kind: str = "cookie", user_agent: str | None = None) -> str:
    """A new session for the account; returns its token (cookie value or bearer token)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PhoneSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            kind=kind,
            last_seen_at=utcnow(),
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    return token


def revoke(token: str) -> None:
    """End a session on the server."""
    db.session.execute(
        update(PhoneSession)
        .where(PhoneSession.token_hash == _token_hash(token), PhoneSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def account_for_token(token: str | None, kind: str) -> PhoneAccount | None:
    """The account behind a live session token of this kind, or None."""
    if not token:
        return None
    row = db.session.scalar(
        select(PhoneSession).where(PhoneSession.token_hash == _token_hash(token))
    )
    if row is None or row.kind != kind or row.revoked_at is not None or not row.account.is_active:
        return None
    now = utcnow()
    if now - row.last_seen_at > current_app.config["PHONE_IDLE_TIMEOUT"]:
        row.revoked_at = now
        db.session.commit()  # over for good, even if this request fails later
        return None
    if now - row.last_seen_at > LAST_SEEN_WRITE_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return row.account


def sign_in(account: PhoneAccount) -> None:
    """Start a browser session (a fresh token, so an old cookie cannot be fixed on a victim)."""
    old = session.pop(SESSION_KEY, None)
    if old:
        revoke(old)
    session[SESSION_KEY] = open_session(account, "cookie", request.headers.get("User-Agent"))
    session.permanent = True


def sign_out() -> None:
    """End the browser session on the server and in the cookie."""
    token = session.pop(SESSION_KEY, None)
    if token:
        revoke(token)


def current_account() -> PhoneAccount | None:
    """The phone account of this request: a bearer token (API) or the session cookie."""
    if "phone_account" not in g:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            g.phone_account = account_for_token(header[7:].strip(), "api")
            g.phone_auth = "bearer"
        else:
            g.phone_account = account_for_token(session.get(SESSION_KEY), "cookie")
            g.phone_auth = "cookie" if g.phone_account else None
    return g.phone_account


def login_required(view: Callable) -> Callable:
    """Phone pages: send people without a live session to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_account() is None:
            if request.path.startswith("/api/"):
                return jsonify(error="unauthorized", message=str(_l("Please sign in."))), 401
            target = request.full_path if request.method == "GET" else None
            if request.headers.get("HX-Request") == "true":
                response = current_app.response_class(status=401)
                response.headers["HX-Redirect"] = url_for("mobile.sign_in", next=target)
                return response
            return redirect(url_for("mobile.sign_in", next=target))
        return view(*args, **kwargs)

    return wrapped
