"""An employer's postings through the API: list, create (and publish), change, publish, close,
and the sign-ups of each, workers masked. Another employer's gig is a 404, never a 403."""

from flask import jsonify, url_for
from flask_babel import lazy_gettext as _l

from webapp.api import access, inputs
from webapp.api.openapi import GIG_INPUT, GIG_PATCH
from webapp.api.problems import ApiError, validation_error
from webapp.api.serialize import application_for_employer, gig_owner, page
from webapp.extensions import db
from webapp.models import Gig, PhoneAccount
from webapp.services import applications, gigs
from webapp.services.gigs import GigError, GigInputError
from webapp.views.api import bp

GIG_ERROR_STATUS = {"employer_unverified": 403}


def _gig_problem(exc: GigError) -> ApiError:
    """A refused gig action: 403 for an unverified employer, else 409 (the gig's state)."""
    return ApiError(GIG_ERROR_STATUS.get(exc.code, 409), exc.code, exc.message)


def _parse(data: dict, account: PhoneAccount, current: Gig | None = None) -> dict:
    """The service's validation of a posting; its field errors become a 422."""
    try:
        return gigs.parse_input(data, employer=account.employer, account=account, current=current)
    except GigInputError as exc:
        raise validation_error(exc.errors) from None


def _owner_page(items: list, serialize) -> dict:
    """One page (?page, ?per_page) of an owner's list, serialized."""
    number, per_page = inputs.pagination()
    start = (number - 1) * per_page
    return page(
        [serialize(i) for i in items[start : start + per_page]], number, per_page, len(items)
    )


@bp.get("/employer/gigs")
def list_my_gigs():
    """The caller's own postings in every status, newest first."""
    employer = access.require_employer(access.require_account())
    return jsonify(_owner_page(gigs.employer_gigs(employer), gig_owner))


@bp.post("/employer/gigs")
def create_gig():
    """A new draft; with "publish": true also screened and published (or held with reasons)."""
    account = access.require_account_for_change()
    employer = access.require_employer(account)
    data = inputs.check_object(inputs.json_object(), GIG_INPUT)
    publish = bool(data.pop("publish", False))
    gig = gigs.create_draft(employer, account, _parse(data, account))
    if publish:
        try:
            gigs.publish(gig, account)
        except GigError as exc:
            raise _gig_problem(exc) from None  # nothing is kept, not even the draft
    db.session.commit()
    response = jsonify(gig_owner(gig))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_gig", public_id=gig.public_id)
    return response


@bp.patch("/employer/gigs/<public_id>")
def update_gig(public_id: str):
    """Change the caller's own gig; an open one is screened again and may go back to review."""
    account = access.require_account_for_change()
    gig = access.owned_gig(access.require_employer(account), public_id)
    data = inputs.check_object(inputs.json_object(), GIG_PATCH, partial=True)
    if not data:
        raise validation_error({"body": _l("Please send at least one field to change.")})
    if gig.status not in gigs.EDITABLE:
        raise ApiError(
            409, "not_editable", _l("This posting is closed and can no longer be changed.")
        )
    values = _parse(data, account, current=gig)
    try:
        gigs.update_gig(gig, values, actor_kind="employer", actor_id=account.id)
    except GigError as exc:
        raise _gig_problem(exc) from None
    db.session.commit()
    return jsonify(gig_owner(gig))


@bp.post("/employer/gigs/<public_id>/publish")
def publish_gig(public_id: str):
    """Screen and publish the caller's draft: open, waiting for review, or blocked with reasons."""
    account = access.require_account_for_change()
    gig = access.owned_gig(access.require_employer(account), public_id)
    try:
        gigs.publish(gig, account)
    except GigError as exc:
        raise _gig_problem(exc) from None
    db.session.commit()
    return jsonify(gig_owner(gig))


@bp.post("/employer/gigs/<public_id>/close")
def close_gig(public_id: str):
    """Stop the caller's gig taking sign-ups."""
    account = access.require_account_for_change()
    gig = access.owned_gig(access.require_employer(account), public_id)
    try:
        gigs.close(gig, actor_kind="employer", actor_id=account.id)
    except GigError as exc:
        raise _gig_problem(exc) from None
    db.session.commit()
    return jsonify(gig_owner(gig))


@bp.get("/employer/gigs/<public_id>/applications")
def list_gig_applications(public_id: str):
    """The sign-ups for the caller's own gig: masked names and trades, nothing else."""
    gig = access.owned_gig(access.require_employer(access.require_account()), public_id)
    return jsonify(_owner_page(applications.of_gig(gig), application_for_employer))
