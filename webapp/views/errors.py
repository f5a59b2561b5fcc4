"""Error pages in plain words, JSON problems for the API; never a stack trace."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.extensions import db

MESSAGES = {
    400: _l("Something in the request was not right. Please go back and try again."),
    401: _l("Please sign in first."),
    403: _l("You do not have permission to do this."),
    404: _l("This page does not exist or is no longer available."),
    405: _l("This action is not allowed here."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again or ask the station staff."),
    503: _l("The service is busy. Please try again shortly."),
}


def _wants_json() -> bool:
    """API paths and JSON clients get JSON."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(code: int, message: str):
    """One place that renders an error for people or programs."""
    if _wants_json():
        return jsonify(error=code, message=str(message)), code
    return render_template("error.html", code=code, message=message), code


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        return _respond(400, _l("This form has expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = err.code or 500
        return _respond(code, MESSAGES.get(code, err.description))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if app.testing:
            raise err  # tests see the real traceback
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, MESSAGES[InternalServerError.code])
