"""Phone pages (/m/): one column for a 360-px screen, plain forms that htmx enhances."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Gig, Market
from webapp.models.base import utcnow
from webapp.models.types import GigStatus, MarketLevel

bp = Blueprint("mobile", __name__)


@bp.get("/")
def index():
    """Pick a station (the station poster's QR leads straight to one)."""
    stations = db.session.scalars(
        select(Market)
        .where(Market.level == MarketLevel.STATION, Market.is_active.is_(True))
        .order_by(Market.region_code, Market.id)
    ).all()
    return render_template("mobile/index.html", stations=stations)


@bp.get("/markets/<int:market_id>")
def market_gigs(market_id: int):
    """The station's open gigs, soonest first (public information, no sign-in)."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    gigs = db.session.scalars(
        select(Gig)
        .where(
            Gig.market_id == market_id,
            Gig.status == GigStatus.OPEN,
            Gig.valid_until >= utcnow().date(),
        )
        .order_by(Gig.starts_at)
        .limit(50)
    ).all()
    return render_template("mobile/market_gigs.html", market=market, gigs=gigs)
