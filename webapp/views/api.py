"""The JSON API (/api/v1/) and its OpenAPI document."""

from flask import Blueprint, abort, jsonify
from sqlalchemy import select

from webapp.api.openapi import openapi_document
from webapp.extensions import csrf, db
from webapp.models import Market

bp = Blueprint("api", __name__)
# API clients authenticate with tokens, not cookies, so CSRF does not apply; cookie-authenticated
# state changes on this blueprint re-check the CSRF header themselves (see later issues).
csrf.exempt(bp)


def market_json(market: Market) -> dict:
    """The public fields of a market."""
    return {
        "id": market.id,
        "name": market.name,
        "level": market.level.value,
        "parent_id": market.parent_id,
        "region_code": market.region_code,
        "address": market.address,
        "opening_hours": market.opening_hours,
        "hotline": market.hotline,
        "complaint_channel": market.complaint_channel,
        "capacity": market.capacity,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())


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
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    return jsonify(market_json(market))
