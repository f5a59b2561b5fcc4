"""One gig, as the public or as its employer sees it."""

from flask import jsonify

from webapp.api import access
from webapp.api.serialize import gig_owner, gig_public
from webapp.views.api import bp


@bp.get("/gigs/<public_id>")
def get_gig(public_id: str):
    """A public gig, or the caller's own gig in any status (with its screening findings)."""
    account = access.optional_account()
    gig = access.visible_gig(public_id, account)
    return jsonify(gig_owner(gig) if access.is_owner(account, gig) else gig_public(gig))
