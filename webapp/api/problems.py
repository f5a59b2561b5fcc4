"""Errors of the JSON API: one exception, one JSON shape, messages in the caller's language.

Every error body is {"error": code, "message": text} plus "fields": {name: message} when single
fields are at fault. `code` is a short snake_case word for the API's own refusals
("employer_required", "otp_wrong", ...) and the bare HTTP status number for generic HTTP errors
(404, 405, 413 ...), which is also what the app-wide handler in webapp/views/errors.py answers on
/api/ paths outside this blueprint's routes.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from webapp.extensions import db
from webapp.views.errors import MESSAGES

# Generic HTTP errors the app-wide table does not word (the API has more of them than pages do).
API_MESSAGES = {
    **MESSAGES,
    409: _l("This cannot be done in the item's present state."),
    415: _l("Please send JSON (Content-Type: application/json)."),
    422: _l("Some details are missing or not right."),
}
# Every 401 says how to authenticate (RFC 6750).
WWW_AUTHENTICATE = 'Bearer realm="gigmarket-api"'


class ApiError(Exception):
    """A refusal to answer as JSON: HTTP status, code, message, and optionally field messages."""

    def __init__(
        self,
        status: int,
        code: str | int,
        message: Any,
        *,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Keep what the response needs."""
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = dict(headers or {})


def problem_response(err: ApiError) -> Response:
    """The JSON response of a problem; the request's unsaved changes are dropped first."""
    db.session.rollback()  # a refused request changes nothing (views commit what must stay)
    body: dict[str, Any] = {"error": err.code, "message": str(err.message)}
    if err.fields:
        body["fields"] = {name: str(text) for name, text in err.fields.items()}
    response = jsonify(body)
    response.status_code = err.status
    response.headers.update(err.headers)
    if err.status == 401:
        response.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    return response


def http_problem(err: HTTPException) -> Response:
    """A werkzeug HTTP error raised inside the API (abort(404), body too large ...) as JSON."""
    status = err.code or 500
    headers = {}
    if status == 405 and getattr(err, "valid_methods", None):
        headers["Allow"] = ", ".join(err.valid_methods)
    if status == 429:
        retry = getattr(err, "retry_after", None)
        headers["Retry-After"] = str(int(retry)) if retry else "60"
    message = API_MESSAGES.get(status, err.description or "")
    return problem_response(ApiError(status, status, message, headers=headers))


def validation_error(fields: dict[str, Any], status: int = 422) -> ApiError:
    """Field errors: 422 for a posting's details, 400 for malformed parameters."""
    code = "invalid_input" if status == 422 else "bad_request"
    return ApiError(status, code, API_MESSAGES[status], fields=fields)


def unauthorized(code: str = "unauthorized", message: Any = None) -> ApiError:
    """No (live) credentials."""
    return ApiError(401, code, message or _l("Please sign in."))
