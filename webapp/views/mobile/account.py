"""Phone sign-in with a one-time code (手机验证码登录), sign-out, and choosing a role.

Two steps on one address: POST /m/signin with a number sends a code (the service's limits per
number and per address, and Flask-Limiter per address as a second layer); POST /m/signin/verify
with the code signs in. Between the two, the number waits in the session encrypted (the session
cookie is only signed, so a plain number there could be read off the device).
"""

from __future__ import annotations

import base64
import math
import time
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from webapp.extensions import db, limiter
from webapp.identity import DecryptionError, mask_phone, national_mobile
from webapp.services import identity, phone_auth, verification
from webapp.views.mobile import bp

PENDING_PHONE = "signin_phone"  # the number a code was sent to, encrypted
PENDING_NEXT = "signin_next"  # where to go after signing in
RESEND_AT = "signin_resend_at"  # when the next code may be asked for (epoch seconds)
MARKET_KEY = "market_id"  # the station the user came from (set by the station QR / page)
_PENDING_CONTEXT = {"table": "session", "column": "signin_phone", "row_id": "pending"}


def _code_limit() -> str:
    """Flask-Limiter's per-address limit on asking for codes (second layer behind the service)."""
    return current_app.config.get("PHONE_CODE_RATE_LIMIT", "10 per minute;60 per hour")


def _verify_limit() -> str:
    """Flask-Limiter's per-address limit on checking codes."""
    return current_app.config.get("PHONE_VERIFY_RATE_LIMIT", "20 per minute;100 per hour")


def safe_next(target: str | None) -> str | None:
    """A local phone-page path to go on to, or None (no open redirect to another site)."""
    if not target or not isinstance(target, str) or len(target) > 500:
        return None
    target = target.rstrip("?")
    if any(ch in target for ch in "\\\r\n\t") or not target.startswith("/") or target[:2] == "//":
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not (parts.path == "/m" or parts.path.startswith("/m/")):
        return None
    if parts.path.rstrip("/") in ("/m/signin", "/m/signout", "/m/signin/verify"):
        return None
    return target


def mobile_link(endpoint: str, **values) -> str | None:
    """url_for, or None while another part of the phone pages is not there yet."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _phone_globals() -> dict:
    """The signed-in account (for the header) and the safe link helper, on every phone page."""
    return {"phone_account": phone_auth.current_account(), "mobile_link": mobile_link}


def no_store(response):
    """Pages and images with personal data are never cached by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the number waiting for its code --------------------------------------------------------------


def _remember_phone(phone: str) -> None:
    """Keep the number waiting for its code in the session, encrypted."""
    token = identity.cipher("token").encrypt(phone, **_PENDING_CONTEXT)
    session[PENDING_PHONE] = base64.urlsafe_b64encode(token).decode()


def pending_phone() -> str | None:
    """The number a code was sent to in this browser, if any."""
    value = session.get(PENDING_PHONE)
    if not value:
        return None
    try:
        token = base64.urlsafe_b64decode(value.encode())
        return identity.cipher("token").decrypt_text(token, **_PENDING_CONTEXT)
    except (DecryptionError, ValueError, TypeError):
        session.pop(PENDING_PHONE, None)
        return None


def _forget_phone() -> None:
    """Forget the number waiting for a code (signed in, or start again)."""
    session.pop(PENDING_PHONE, None)
    session.pop(RESEND_AT, None)


def _after_sign_in_url() -> str:
    """Where to go once signed in: the page asked for, or "me"."""
    return safe_next(session.pop(PENDING_NEXT, None)) or url_for("mobile.me")


# -- pages ----------------------------------------------------------------------------------------


def _retry_note(exc: phone_auth.PhoneAuthError):
    """When to try again, for limits whose message does not say it already."""
    if not exc.retry_after or exc.code == "otp_too_soon":
        return None
    return _l("You can try again in about %(n)s minutes.", n=math.ceil(exc.retry_after / 60))


def _phone_form(error=None, phone: str = "", status: int = 200, exc=None):
    """Step 1, the number form (with the error and when to retry, if any)."""
    page = render_template(
        "mobile/signin.html",
        step="phone",
        error=error,
        retry_note=exc and _retry_note(exc),
        phone=phone,
        next_url=safe_next(request.values.get("next")) or session.get(PENDING_NEXT),
    )
    response = no_store(current_app.make_response((page, status)))
    if exc is not None and exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _code_form(phone: str, error=None, status: int = 200, exc=None):
    """Step 2, the code form, with the masked number and the resend countdown."""
    if exc is not None and exc.code == "otp_too_soon":
        resend_after = exc.retry_after
    else:
        resend_after = max(0, int(session.get(RESEND_AT, 0) - time.time()))
    page = render_template(
        "mobile/signin.html",
        step="code",
        error=error,
        resend_error=exc and exc.message,
        resend_after=resend_after,
        masked_phone=mask_phone(phone),
        ttl_minutes=int(current_app.config["OTP_TTL"].total_seconds() // 60),
    )
    response = no_store(current_app.make_response((page, status)))
    if exc is not None and exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.get("/signin")
def sign_in():
    """Step 1 (the number) or, once a code was sent, step 2 (the code)."""
    next_url = safe_next(request.args.get("next"))
    if phone_auth.current_account() is not None:
        return redirect(next_url or url_for("mobile.me"))
    phone = None if request.args.get("change") else pending_phone()
    if phone:
        return _code_form(phone)
    return _phone_form()


@bp.post("/signin")
@limiter.limit(_code_limit, methods=["POST"])
def sign_in_submit():
    """Send a code to the number typed (or, with resend, to the number waiting for one)."""
    resend = request.form.get("resend") == "1"
    raw = pending_phone() if resend else request.form.get("phone", "")
    next_url = safe_next(request.form.get("next") or request.args.get("next"))
    if next_url:
        session[PENDING_NEXT] = next_url
    if resend and not raw:
        return redirect(url_for("mobile.sign_in"), code=303)
    try:
        sent = phone_auth.request_code(raw or "", request.remote_addr)
    except phone_auth.PhoneAuthError as exc:
        db.session.rollback()
        status = 429 if exc.retry_after else 400
        if resend:
            return _code_form(raw, status=status, exc=exc)
        if exc.code == "otp_too_soon":
            # A code is already on its way to this number (a double tap, or a second phone):
            # go on to the code box rather than stopping people at an error.
            phone = phone_auth.parse_phone(raw)
            _remember_phone(phone)
            session[RESEND_AT] = int(time.time()) + (exc.retry_after or 0)
            return _code_form(phone, status=200, exc=exc)
        return _phone_form(exc.message, raw or "", status, exc)
    db.session.commit()
    _remember_phone(sent.phone)
    session[RESEND_AT] = int(time.time()) + sent.resend_after
    if resend:
        flash(_l("A new code was sent."), "info")
    return redirect(url_for("mobile.sign_in"), code=303)


@bp.post("/signin/verify")
@limiter.limit(_verify_limit, methods=["POST"])
def sign_in_verify():
    """Check the code; a right one signs in and goes on to the page asked for."""
    phone = pending_phone()
    if phone is None:
        flash(_l("Please enter your mobile number first."), "error")
        return redirect(url_for("mobile.sign_in"), code=303)
    try:
        account = phone_auth.verify_code(phone, request.form.get("code", ""))
    except phone_auth.PhoneAuthError as exc:
        db.session.commit()  # the wrong guess stays counted
        if exc.code == "otp_expired" or exc.code == "otp_attempts":
            _forget_phone()
            flash(exc.message, "error")
            return _phone_form(exc.message, national_mobile(phone), 400)
        return _code_form(phone, error=exc.message, status=400)
    db.session.commit()  # the code is used up whatever happens next
    g.pop("phone_account", None)
    phone_auth.sign_in(account)
    db.session.commit()
    _forget_phone()
    return redirect(_after_sign_in_url(), code=303)


@bp.post("/signout")
def sign_out():
    """End the session on the server (a replayed cookie is dead too)."""
    phone_auth.sign_out()
    _forget_phone()
    session.pop(PENDING_NEXT, None)
    db.session.commit()
    g.pop("phone_account", None)
    flash(_l("You have signed out."), "info")
    return redirect(url_for("mobile.sign_in"), code=303)


@bp.get("/me")
@phone_auth.login_required
def me():
    """My roles: "I hire" and "I look for work", with the verification status of each."""
    account = phone_auth.current_account()
    employer, worker = account.employer, account.worker
    return no_store(
        current_app.make_response(
            render_template(
                "mobile/me.html",
                account=account,
                masked_phone=mask_phone(identity.reveal(account, "phone")),
                employer=employer,
                employer_status=employer and verification.effective_status(employer),
                worker=worker,
                worker_status=worker and verification.effective_status(worker),
            )
        )
    )
