"""Who is calling the API, and what they may touch (object-level checks, security.md item 5).

Credentials are an `Authorization: Bearer` API token or the phone pages' session cookie
(phone_auth.current_account reads both). A bearer token that is unknown, expired or revoked is a
401 even where signing in is optional, so a client learns its token is dead. The blueprint is
CSRF-exempt for token clients; a state change made with the cookie must carry the X-CSRFToken
header. Someone else's gig answers 404, exactly as a gig that does not exist.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from webapp.api.problems import ApiError, unauthorized
from webapp.models import Employer, Gig, PhoneAccount, Worker
from webapp.models.types import GigStatus
from webapp.services import gigs, phone_auth

LIVE_PUBLIC = {GigStatus.OPEN, GigStatus.FILLED}
ENDED_PUBLIC = {GigStatus.CLOSED, GigStatus.EXPIRED}


def bearer_token() -> str | None:
    """The bearer token sent with the request, if any."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _sent_bearer() -> bool:
    """Whether the request carries a bearer token at all (dead or alive)."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def optional_account() -> PhoneAccount | None:
    """The caller's account or None; a dead bearer token is a 401 all the same."""
    account = phone_auth.current_account()
    if account is None and _sent_bearer():
        raise unauthorized("token_invalid", _l("The sign-in has expired. Please sign in again."))
    return account


def require_account() -> PhoneAccount:
    """The caller's account, or 401."""
    account = optional_account()
    if account is None:
        raise unauthorized()
    return account


def require_account_for_change() -> PhoneAccount:
    """The caller's account for a state change: cookie callers must send the X-CSRFToken header."""
    account = require_account()
    if g.get("phone_auth") == "cookie":
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError:
            raise ApiError(
                400,
                "csrf_failed",
                _l("This form has expired. Please reload the page and try again."),
            ) from None
    return account


def require_employer(account: PhoneAccount) -> Employer:
    """The employer the account speaks for, or 403."""
    if account.employer is None:
        raise ApiError(
            403,
            "employer_required",
            _l("This account is not an employer yet. Please register as an employer first."),
        )
    return account.employer


def require_worker(account: PhoneAccount) -> Worker:
    """The worker the account speaks for, or 403."""
    if account.worker is None:
        raise ApiError(
            403,
            "worker_required",
            _l("This account is not a worker yet. Please complete real-name verification first."),
        )
    return account.worker


def not_found() -> ApiError:
    """The one answer for 'does not exist' and 'not yours'."""
    return ApiError(404, 404, _l("This page does not exist or is no longer available."))


def owned_gig(employer: Employer, public_id: str) -> Gig:
    """The employer's own gig, or 404 (someone else's gig is indistinguishable from none)."""
    gig = gigs.find_public(public_id)
    if gig is None or gig.employer_id != employer.id:
        raise not_found()
    return gig


def is_owner(account: PhoneAccount | None, gig: Gig) -> bool:
    """Whether the caller is the gig's employer."""
    return (
        account is not None
        and account.employer_id is not None
        and (account.employer_id == gig.employer_id)
    )


def publicly_visible(gig: Gig) -> bool:
    """Open and filled gigs; closed or expired ones only if they were published and not blocked.

    A draft, a gig waiting for review and a rejected one are the employer's business alone, and so
    is a draft that was closed without ever being published.
    """
    if gig.status in LIVE_PUBLIC:
        return True
    return (
        gig.status in ENDED_PUBLIC
        and gig.published_at is not None
        and gig.screening_decision != "block"
    )


def visible_gig(public_id: str, account: PhoneAccount | None) -> Gig:
    """A gig the caller may see (public, or their own in any status), or 404."""
    gig = gigs.find_public(public_id)
    if gig is None or not (is_owner(account, gig) or publicly_visible(gig)):
        raise not_found()
    return gig
