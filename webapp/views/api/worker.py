"""A worker through the API: sign up for a gig (idempotent), and my sign-ups."""

from flask import jsonify

from webapp.api import access, inputs
from webapp.api.problems import ApiError
from webapp.api.serialize import application_for_worker, page
from webapp.extensions import db
from webapp.services import applications, gigs
from webapp.services.applications import ApplicationError
from webapp.views.api import bp

# Refusals about the worker (403); the rest are about the gig's state (409).
FORBIDDEN = {"worker_unverified", "minor_hazardous", "sanctioned"}


@bp.post("/gigs/<public_id>/applications")
def sign_up(public_id: str):
    """Sign the caller up: 201 the first time, 200 with the same sign-up on a repeat."""
    account = access.require_account_for_change()
    worker = access.require_worker(account)
    key = inputs.idempotency_key()
    gig = gigs.find_public(public_id)
    if gig is None or not access.publicly_visible(gig):
        raise access.not_found()
    try:
        application, created = applications.sign_up(worker, gig, idempotency_key=key)
    except ApplicationError as exc:
        status = 403 if exc.code in FORBIDDEN else 409
        raise ApiError(status, exc.code, exc.message) from None
    db.session.commit()
    return jsonify(application_for_worker(application)), 201 if created else 200


@bp.get("/worker/applications")
def list_my_applications():
    """The caller's sign-ups, newest first."""
    worker = access.require_worker(access.require_account())
    number, per_page = inputs.pagination()
    rows = applications.of_worker(worker)
    start = (number - 1) * per_page
    items = [application_for_worker(a) for a in rows[start : start + per_page]]
    return jsonify(page(items, number, per_page, len(rows)))
