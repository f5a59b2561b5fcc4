"""Error pages in plain words, JSON problems for the API; never a stack trace."""

from flask import Flask, abort, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from webapp.extensions import db

MESSAGES = {
    400: _l("Something in the request was not right. Please go back and try again."),
    401: _l("Please sign in first."),
    403: _l("You do not have permission to do this."),
    404: _l("This page does not exist or is no longer available."),
    405: _l("This action is not allowed here."),
    409: _l("This has changed in the meantime. Please reload the page and try again."),
    413: _l("The file is too large."),
    415: _l("This kind of content cannot be sent here."),
    422: _l("Some of the details are not right. Please check them and try again."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again or ask the station staff."),
    503: _l("The service is busy. Please try again shortly."),
}

PHOTO_TOO_LARGE = _l("The photo is too large. Please go back and take it again a little smaller.")


def _wants_json() -> bool:
    """API paths and JSON clients get JSON."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(code: int, message: str):
    """One place that renders an error for people or programs."""
    if _wants_json():
        return jsonify(error=code, message=str(message)), code
    return render_template("error.html", code=code, message=message), code


def _refuse_nul() -> None:
    """A NUL in a form or query value is never real input (PostgreSQL would refuse to store it)."""
    sources = [request.args]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        sources.append(request.form)
    for values in sources:
        for _key, value in values.items(multi=True):
            if "\x00" in value:
                abort(400)


def register(app: Flask) -> None:
    """Install the handlers."""
    app.before_request(_refuse_nul)

    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        return _respond(400, _l("This form has expired. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        code = err.code or 500
        if code == 413 and request.path.startswith("/m/"):
            # On a phone the only large upload is a photo: say what to do about it.
            return _respond(code, PHOTO_TOO_LARGE)
        body, status = _respond(code, MESSAGES.get(code, err.description))
        response = make_response(body, status)
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)  # RFC 9110 15.5.6
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if app.testing:
            raise err  # tests see the real traceback
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, MESSAGES[InternalServerError.code])
