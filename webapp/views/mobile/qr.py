"""Signed QR codes (SVG for screens, PNG for print) and printable A4 posters.

A phone camera opens the URL in a code: /m/q/<payload>. The payload is signed (services/qr.py),
so a forged, altered or foreign code gets a plain refusal and nothing else. Gig and station codes
lead on to the gig's page or the station's open gigs; a worker's personal code is for staff and
employers to scan, so a phone that opens it learns nothing about the person.
"""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, session, url_for

from webapp.extensions import db
from webapp.models import Gig, Market
from webapp.models.types import GigStatus
from webapp.services import gigs, phone_auth, qr
from webapp.views.mobile import bp
from webapp.views.mobile.worker import gig_facts, is_owner, is_staff_of, no_store

# Codes hold no personal data and never change for a given gig or station: cache them.
IMAGE_CACHE = "public, max-age=86400"
POSTER_CACHE = "public, max-age=300"  # headcount left changes; a poster is printed, not polled
QR_STATUSES = {GigStatus.OPEN, GigStatus.PENDING_REVIEW, GigStatus.FILLED}
MIMETYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _scan_url(payload: str) -> str:
    """The absolute URL a phone camera opens for a payload."""
    return url_for("mobile.scan", payload=payload, _external=True)


def _image(text: str, fmt: str):
    """A QR image response (SVG for screens, PNG for print), cacheable by anyone."""
    body = qr.svg(text) if fmt == "svg" else qr.png(text)
    response = make_response(body)
    response.mimetype = MIMETYPES[fmt]
    response.headers["Cache-Control"] = IMAGE_CACHE
    return response


def _active_market(market_id: int) -> Market:
    """An active market, or 404."""
    market = db.session.get(Market, market_id)
    if market is None or not market.is_active:
        abort(404)
    return market


def _qr_gig(public_id: str) -> Gig:
    """A gig that may have a code: open, waiting for review or filled; 404 otherwise."""
    gig = gigs.find_public(public_id)
    if gig is None or gig.status not in QR_STATUSES:
        abort(404)
    return gig


# -- scanning -------------------------------------------------------------------------------------


def _refused():
    """The one refusal for every bad code: says nothing about what was wrong."""
    return no_store(make_response(render_template("mobile/scan_refused.html"), 400))


@bp.get("/q/<path:payload>")
def scan(payload: str):
    """Where a phone lands after scanning one of our codes: check the signature, then go on."""
    try:
        kind, data = qr.read(payload)
        if kind == "g":
            return redirect(url_for("mobile.gig", public_id=qr.gig_id_of(data)))
        if kind == "m":
            market = _active_market(qr.market_id_of(data))
            session["market_id"] = market.id  # the station this phone came from (not a DB write)
            return redirect(url_for("mobile.market_gigs", market_id=market.id))
    except qr.QrError:
        return _refused()
    # A worker's personal code: for staff and employers to scan with their own tools.
    return no_store(make_response(render_template("mobile/scan_worker.html")))


# -- code images ----------------------------------------------------------------------------------


@bp.get("/g/<public_id>/qr.<any(svg, png):fmt>")
def gig_qr(public_id: str, fmt: str):
    """A gig's code (SVG for screens, PNG for print) leading to its page."""
    gig = _qr_gig(public_id)
    return _image(_scan_url(qr.gig_payload(gig.public_id)), fmt)


@bp.get("/markets/<int:market_id>/qr.<any(svg, png):fmt>")
def station_qr(market_id: int, fmt: str):
    """A station's code leading to its open gigs on the phone."""
    market = _active_market(market_id)
    return _image(_scan_url(qr.market_payload(market.id)), fmt)


# -- posters --------------------------------------------------------------------------------------


@bp.get("/markets/<int:market_id>/poster")
def station_poster(market_id: int):
    """The station's A4 poster: its name, a big code, three steps, hours, hotline, complaints."""
    market = _active_market(market_id)
    response = make_response(
        render_template(
            "mobile/poster_station.html",
            market=market,
            qr_svg=qr.svg(_scan_url(qr.market_payload(market.id))),
        )
    )
    response.headers["Cache-Control"] = POSTER_CACHE
    return response


@bp.get("/g/<public_id>/poster")
def gig_poster(public_id: str):
    """A gig's A4 poster with its code; one waiting for review only for its employer and staff."""
    gig = _qr_gig(public_id)
    private = gig.status == GigStatus.PENDING_REVIEW
    if private and not (is_owner(gig, phone_auth.current_account()) or is_staff_of(gig)):
        abort(404)
    response = make_response(
        render_template(
            "mobile/poster_gig.html",
            gig=gig,
            facts=gig_facts(gig),
            pending=private,
            qr_svg=qr.svg(_scan_url(qr.gig_payload(gig.public_id))),
        )
    )
    if private:
        return no_store(response)
    response.headers["Cache-Control"] = POSTER_CACHE
    return response
