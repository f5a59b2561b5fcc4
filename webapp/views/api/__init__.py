"""The JSON API (/api/v1/) for phones and integrations, described by /api/v1/openapi.json.

One module per area: markets (and the document), gigs (public gig detail), auth (one-time code,
tokens, me), employer (my postings and their sign-ups) and worker (signing up, my sign-ups).
Views stay thin: webapp/api/ reads input, checks access and shapes JSON; webapp/services/ decide.
Every refusal is JSON ({"error", "message", "fields"?}) from the handlers below, never a page.
"""

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from webapp.api.problems import ApiError, http_problem, problem_response
from webapp.extensions import csrf

bp = Blueprint("api", __name__)
# Token clients send no cookies, so CSRF does not apply to them; state changes made with the
# phone cookie check the X-CSRFToken header themselves (webapp/api/access.py).
csrf.exempt(bp)

# Answers that hold nothing personal and may be cached; every other answer is `no-store`.
CACHEABLE = {"api.openapi", "api.list_markets", "api.get_market", "api.list_market_gigs"}


@bp.errorhandler(ApiError)
def api_error(err: ApiError) -> Response:
    """The API's own refusals."""
    return problem_response(err)


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException) -> Response:
    """abort(), a body over the size limit, a rate limit: JSON like every other refusal."""
    return http_problem(err)


@bp.after_request
def no_store(response: Response) -> Response:
    """Personal answers are never kept by browsers or proxies."""
    if request.endpoint not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"
    return response


from webapp.views.api import auth, employer, gigs, hires, markets, worker  # noqa: E402, F401
