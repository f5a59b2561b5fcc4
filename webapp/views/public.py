"""Public pages: the station home page (主动公开), station details, the HR agency lookup and
the health check."""

import unicodedata

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import func, or_, select, text

from webapp.extensions import db
from webapp.models import Agency, Market
from webapp.models.types import AgencyStatus
from webapp.services.gigs import local_today
from webapp.services.verification import agency_standing, station_choices

bp = Blueprint("public", __name__)
AGENCIES_PER_PAGE = 50


@bp.get("/")
def home():
    """Every station's services, opening hours, hotline and how to complain."""
    return render_template("public/home.html", stations=station_choices())


@bp.get("/markets/<int:market_id>")
def market_detail(market_id: int):
    """One station's public page: services, guide, hours, hotline, complaints."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    return render_template("public/market.html", market=market)


@bp.get("/agencies")
def agencies():
    """Look up a licensed HR agency (人力资源服务许可证) by licence number or name; no sign-in.

    With no query, the agencies whose licence is valid today, 50 a page.
    """
    q = " ".join(unicodedata.normalize("NFKC", request.args.get("q") or "").split())[:60]
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    today = local_today()
    query = select(Agency)
    if q:
        number = q.replace(" ", "").upper()
        query = query.where(
            or_(
                Agency.licence_number.contains(number, autoescape=True),
                Agency.name.icontains(q, autoescape=True),
            )
        )
    else:
        query = query.where(Agency.status == AgencyStatus.VALID, Agency.valid_until >= today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + AGENCIES_PER_PAGE - 1) // AGENCIES_PER_PAGE, 1)
    page = min(page, pages)  # no offset past the end (huge numbers overflow on PostgreSQL)
    rows = db.session.scalars(
        query.order_by(Agency.name, Agency.id)
        .offset((page - 1) * AGENCIES_PER_PAGE)
        .limit(AGENCIES_PER_PAGE)
    ).all()
    return render_template(
        "public/agencies.html",
        rows=[(agency, agency_standing(agency, today)) for agency in rows],
        q=q,
        page=page,
        pages=pages,
        total=total,
    )


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
