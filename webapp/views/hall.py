"""The station hall's big screen (大屏): open gigs and today's figures, public and read-only.

A TV in the hall shows it all day without anyone signed in, so it carries no personal data at
all: gig titles, pay, places left, start and the employer's unit name (a private employer is
shown only as "individual employer"), and counts. It refreshes its board by htmx polling and
reloads itself now and then (a browser left open for weeks on a TV leaks memory).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, make_response, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from webapp.extensions import db
from webapp.models import Application, CheckIn, Gig, Market
from webapp.models.base import utcnow
from webapp.models.types import HELD_STATUSES, EmployerKind, GigStatus
from webapp.services import gigs
from webapp.services.checkins import local_day_start
from webapp.services.scoping import market_subtree_ids
from webapp.templating import is_htmx

bp = Blueprint("hall", __name__)

POLL_SECONDS = 30
RELOAD_SECONDS = 900  # a full reload every 15 minutes, whatever htmx does
MAX_ROWS = 10  # what fits a 1920x1080 screen in type readable across the hall
PAY_UNITS = {"hour": _l("hour"), "day": _l("day"), "piece": _l("piece"), "month": _l("month")}


@dataclass(frozen=True)
class HallFigures:
    """Today's figures for the screen."""

    walk_ins: int  # workers checked in today
    gigs_open: int  # open postings with places left
    places_filled: int  # places taken today (accepted today and still held)
    dispatched: int  # workers sent to work today


def _employer_label(gig: Gig) -> str:
    """A unit's registered name; a private person is never named on a public screen."""
    if gig.employer.kind == EmployerKind.INDIVIDUAL:
        return str(_l("Individual employer"))
    return gig.employer.name


def _open_gigs(market_ids: set[int]) -> list[Gig]:
    """Open gigs of these markets still taking sign-ups, with places left, soonest first."""
    query = (
        select(Gig)
        .where(
            Gig.market_id.in_(market_ids),
            Gig.status == GigStatus.OPEN,
            Gig.valid_until >= gigs.local_today(),
            Gig.accepted_count < Gig.headcount,
            Gig.ends_at > utcnow(),
        )
        .order_by(Gig.starts_at, Gig.id)
    )
    return list(db.session.scalars(query))


def _figures(market_ids: set[int], open_count: int) -> HallFigures:
    """Counts since local midnight at these markets."""
    since = local_day_start()
    walk_ins = db.session.scalar(
        select(func.count(distinct(CheckIn.worker_id))).where(
            CheckIn.market_id.in_(market_ids), CheckIn.checked_in_at >= since
        )
    )
    in_markets = Application.gig_id.in_(select(Gig.id).where(Gig.market_id.in_(market_ids)))
    filled = db.session.scalar(
        select(func.count()).where(
            in_markets, Application.accepted_at >= since, Application.status.in_(HELD_STATUSES)
        )
    )
    dispatched = db.session.scalar(
        select(func.count()).where(in_markets, Application.dispatched_at >= since)
    )
    return HallFigures(
        walk_ins=walk_ins or 0,
        gigs_open=open_count,
        places_filled=filled or 0,
        dispatched=dispatched or 0,
    )


@bp.get("/<int:market_id>")
def screen(market_id: int):
    """The big screen of a market's hall; htmx polls get the board alone."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    market_ids = market_subtree_ids(market.id)
    rows = _open_gigs(market_ids)
    context = {
        "market": market,
        "rows": [
            {
                "gig": gig,
                "left": gig.headcount - gig.accepted_count,
                "employer": _employer_label(gig),
                "unit": PAY_UNITS.get(gig.pay_unit.value, gig.pay_unit.value),
            }
            for gig in rows[:MAX_ROWS]
        ],
        "more": max(len(rows) - MAX_ROWS, 0),
        "places_open": sum(gig.headcount - gig.accepted_count for gig in rows),
        "figures": _figures(market_ids, len(rows)),
        "now": utcnow(),
        "poll_seconds": POLL_SECONDS,
        "reload_seconds": RELOAD_SECONDS,
    }
    template = "hall/_board.html" if is_htmx() else "hall/screen.html"
    response = make_response(render_template(template, **context))
    # Public and free of personal data, but always fresh: a cached board would show filled gigs.
    response.headers["Cache-Control"] = "no-cache"
    return response
