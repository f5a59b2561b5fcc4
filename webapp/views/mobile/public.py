"""Public phone pages: the station list and a station's open gigs (no sign-in)."""

from flask import abort, render_template, session
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Gig, Market
from webapp.models.types import GigStatus
from webapp.services.gigs import local_today
from webapp.services.verification import station_choices
from webapp.views.mobile import bp


@bp.get("/")
def index():
    """Pick a station (the station poster's QR leads straight to one)."""
    return render_template("mobile/index.html", stations=station_choices())


@bp.get("/markets/<int:market_id>")
def market_gigs(market_id: int):
    """The station's open gigs, soonest first (public information, no sign-in)."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    session["market_id"] = market.id  # the station people posting or signing up belong to
    gigs = db.session.scalars(
        select(Gig)
        .where(
            Gig.market_id == market_id,
            Gig.status == GigStatus.OPEN,
            Gig.valid_until >= local_today(),
        )
        .order_by(Gig.starts_at)
        .limit(50)
    ).all()
    return render_template("mobile/market_gigs.html", market=market, gigs=gigs)
