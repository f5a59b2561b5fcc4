"""Markets and the OpenAPI document (public, no sign-in)."""

from flask import current_app, jsonify
from sqlalchemy import func, select

from webapp.api import inputs
from webapp.api.access import not_found
from webapp.api.openapi import openapi_document
from webapp.api.serialize import gig_public, market_json, page
from webapp.extensions import db
from webapp.models import Gig, Market
from webapp.services import gigs
from webapp.views.api import bp

MAX_ID = 2**31 - 1  # larger ids cannot exist and would overflow the database's integer


def active_market(market_id: int) -> Market:
    """An active market, or 404."""
    market = db.session.get(Market, market_id) if 0 < market_id <= MAX_ID else None
    if market is None or not market.is_active:
        raise not_found()
    return market


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document(current_app.config["SESSION_COOKIE_NAME"]))


@bp.get("/markets")
def list_markets():
    """Every active market, with its public fields."""
    markets = db.session.scalars(
        select(Market).where(Market.is_active.is_(True)).order_by(Market.id)
    ).all()
    return jsonify(items=[market_json(m) for m in markets])


@bp.get("/markets/<int:market_id>")
def get_market(market_id: int):
    """One active market."""
    return jsonify(market_json(active_market(market_id)))


@bp.get("/markets/<int:market_id>/gigs")
def list_market_gigs(market_id: int):
    """A market's open gigs that still have places, soonest first, one page at a time."""
    market = active_market(market_id)
    number, per_page = inputs.pagination()
    query = gigs.open_gigs_query(market.id).where(Gig.accepted_count < Gig.headcount)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.offset((number - 1) * per_page).limit(per_page)).all()
    return jsonify(page([gig_public(g) for g in rows], number, per_page, total))
