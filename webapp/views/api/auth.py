"""Signing in for API clients: a one-time code by SMS, then a bearer token; who am I."""

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from webapp.api import access, inputs
from webapp.api.openapi import OTP_REQUEST, TOKEN_REQUEST
from webapp.api.problems import ApiError, unauthorized, validation_error
from webapp.api.serialize import account_json
from webapp.extensions import db, limiter
from webapp.identity import mask_phone
from webapp.services import phone_auth
from webapp.services.phone_auth import PhoneAuthError
from webapp.views.api import bp

TOO_MANY = {"otp_too_soon", "otp_number_limit", "otp_address_limit"}
WRONG_CODE = {"otp_expired", "otp_wrong", "otp_attempts"}


def _code_limit() -> str:
    """Flask-Limiter's per-address limit on asking for codes (behind the service's own limits)."""
    return current_app.config.get("PHONE_CODE_RATE_LIMIT", "10 per minute;60 per hour")


def _verify_limit() -> str:
    """Flask-Limiter's per-address limit on checking codes."""
    return current_app.config.get("PHONE_VERIFY_RATE_LIMIT", "20 per minute;100 per hour")


def _problem(exc: PhoneAuthError) -> ApiError:
    """A refused code request or sign-in, with the status a client can act on."""
    if exc.code == "phone_invalid":
        return validation_error({"phone": exc.message}, status=400)
    if exc.code in TOO_MANY:
        headers = {"Retry-After": str(max(int(exc.retry_after or 60), 1))}
        return ApiError(429, exc.code, exc.message, headers=headers)
    if exc.code in WRONG_CODE:
        return ApiError(401, exc.code, exc.message)
    if exc.code == "sms_failed":
        return ApiError(503, exc.code, exc.message)
    return ApiError(403, exc.code, exc.message)  # account_disabled


@bp.post("/auth/otp")
@limiter.limit(_code_limit)
def request_code():
    """Text a sign-in code to a mobile number."""
    data = inputs.check_object(inputs.json_object(), OTP_REQUEST, status=400)
    try:
        sent = phone_auth.request_code(data["phone"], request.remote_addr)
    except PhoneAuthError as exc:
        raise _problem(exc) from None
    db.session.commit()
    ttl = int(current_app.config["OTP_TTL"].total_seconds())
    return jsonify(
        resend_after=sent.resend_after, expires_in=ttl, phone=mask_phone(sent.phone)
    ), 202


@bp.post("/auth/token")
@limiter.limit(_verify_limit)
def create_token():
    """Exchange a code for an API token (a wrong code still counts as a guess)."""
    data = inputs.check_object(inputs.json_object(), TOKEN_REQUEST, status=400)
    try:
        account = phone_auth.verify_code(data["phone"], data["code"])
    except PhoneAuthError as exc:
        db.session.commit()  # the guess stays counted
        raise _problem(exc) from None
    token = phone_auth.open_session(account, "api", request.headers.get("User-Agent"))
    db.session.commit()
    body = {"token": token, "token_type": "Bearer", "account": account_json(account)}
    return jsonify(body), 201


@bp.delete("/auth/token")
def revoke_token():
    """End the bearer token this request carries."""
    token = access.bearer_token()
    if token is None:
        raise unauthorized(
            "bearer_required", _l("Send the token to end in the Authorization header.")
        )
    access.require_account()  # a dead token is a 401 like everywhere else
    phone_auth.revoke(token)
    db.session.commit()
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response


@bp.get("/me")
def me():
    """The signed-in account: masked number, employer and worker status."""
    return jsonify(account_json(access.require_account()))
