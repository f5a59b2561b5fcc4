"""Public pages: the station home page (主动公开), station details and the health check."""

from flask import Blueprint, abort, jsonify, render_template
from sqlalchemy import select, text

from webapp.extensions import db
from webapp.models import Market
from webapp.models.types import MarketLevel

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Every station's services, opening hours, hotline and how to complain."""
    stations = db.session.scalars(
        select(Market)
        .where(Market.level == MarketLevel.STATION, Market.is_active.is_(True))
        .order_by(Market.region_code, Market.id)
    ).all()
    return render_template("public/home.html", stations=stations)


@bp.get("/markets/<int:market_id>")
def market_detail(market_id: int):
    """One station's public page: services, guide, hours, hotline, complaints."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    return render_template("public/market.html", market=market)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
