"""Staff station pages: kiosks, the kiosk review queue, and who is on site."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from kiosk import devices, visits
from webapp.extensions import db
from webapp.identity import mask_id_number
from webapp.models import CheckIn, Kiosk, KioskVisit
from webapp.models.types import StaffRole
from webapp.services import checkins
from webapp.services.scoping import require_market, roles_required
from webapp.templating import is_htmx
from webapp.views.staff import bp

STATION_ROLES = (StaffRole.STATION_STAFF, StaffRole.STATION_ADMIN)


def _fragment_or_page(page: str, fragment: str, **context):
    """The fragment alone for htmx, else the page around it."""
    return render_template(fragment if is_htmx() else page, **context)


@bp.get("/markets/<int:market_id>/kiosks")
@login_required
def kiosks(market_id: int):
    """The market's registered kiosks."""
    market = require_market(market_id)
    rows = db.session.scalars(select(Kiosk).where(Kiosk.market_id == market_id)).all()
    return render_template("staff/kiosks.html", market=market, kiosks=rows, new_token=None)


@bp.post("/markets/<int:market_id>/kiosks")
@roles_required(StaffRole.STATION_ADMIN)
def kiosk_register(market_id: int):
    """Register a kiosk and show its device code once."""
    market = require_market(market_id)
    name = (request.form.get("name") or "").strip()
    if not name:
        flash(_l("Give the kiosk a name, e.g. 'Hall, left'."), "error")
        return redirect(url_for("staff.kiosks", market_id=market_id))
    kiosk, token = devices.register_kiosk(
        market, name, request.form.get("orientation", "portrait"), current_user
    )
    db.session.commit()
    rows = db.session.scalars(select(Kiosk).where(Kiosk.market_id == market_id)).all()
    return render_template(
        "staff/kiosks.html", market=market, kiosks=rows, new_token=token, new_kiosk=kiosk
    )


@bp.post("/kiosks/<int:kiosk_id>/revoke")
@roles_required(StaffRole.STATION_ADMIN)
def kiosk_revoke(kiosk_id: int):
    """Stop a kiosk's device code from working."""
    kiosk = db.session.get(Kiosk, kiosk_id) or abort(404)
    require_market(kiosk.market_id)
    devices.revoke_kiosk(kiosk)
    db.session.commit()
    flash(_l("The kiosk's device code no longer works."), "info")
    return redirect(url_for("staff.kiosks", market_id=kiosk.market_id))


def _queue_rows(market_id: int) -> list[dict]:
    """Pending kiosk visits with what staff need to compare against the card in hand."""
    rows = db.session.scalars(
        select(KioskVisit)
        .where(KioskVisit.market_id == market_id, KioskVisit.review_status == "pending")
        .order_by(KioskVisit.created_at)
    ).all()
    items = []
    for visit in rows:
        if visit.card_enc is None:
            continue  # purged: the person has to start again
        card = visits.card_of(visit)
        items.append(
            {
                "visit": visit,
                "name": card["name"],
                "id_masked": mask_id_number(card["id_number"]),
                "sex": card["sex"],
                "birth_date": card["birth_date"],
                "reason": visit.review_reason,
            }
        )
    return items


@bp.get("/markets/<int:market_id>/queue")
@roles_required(*STATION_ROLES)
def review_queue(market_id: int):
    """Kiosk check-ins waiting for staff: 'review' decisions and the assisted path."""
    market = require_market(market_id)
    return _fragment_or_page(
        "staff/queue.html",
        "staff/partials/_queue.html",
        market=market,
        items=_queue_rows(market_id),
    )


@bp.post("/visits/<int:visit_id>/decide")
@roles_required(*STATION_ROLES)
def review_decide(visit_id: int):
    """Confirm (card checked by eye against the person) or refuse a queued check-in."""
    visit = db.session.get(KioskVisit, visit_id) or abort(404)
    require_market(visit.market_id)
    approve = request.form.get("decision") == "approve"
    if request.form.get("checked") != "on" and approve:
        flash(_l("Tick that you compared the card with the person."), "error")
        return redirect(url_for("staff.review_queue", market_id=visit.market_id))
    try:
        visits.staff_decide(visit, current_user, approve=approve, note=request.form.get("note", ""))
    except visits.VisitError:
        flash(_l("Someone else has already decided this one."), "info")
        return redirect(url_for("staff.review_queue", market_id=visit.market_id))
    db.session.commit()
    flash(_l("Checked in.") if approve else _l("Refused."), "info")
    return redirect(url_for("staff.review_queue", market_id=visit.market_id))


@bp.get("/markets/<int:market_id>/onsite")
@login_required
def on_site(market_id: int):
    """Who is on site now, against the capacity (refreshes itself)."""
    market = require_market(market_id)
    rows = db.session.scalars(checkins.open_check_ins(market_id)).all()
    return _fragment_or_page(
        "staff/onsite.html",
        "staff/partials/_onsite.html",
        market=market,
        rows=rows,
        occupancy=checkins.occupancy(market),
    )


@bp.post("/checkins/<int:check_in_id>/out")
@roles_required(*STATION_ROLES)
def check_out(check_in_id: int):
    """Record that a worker has left."""
    row = db.session.get(CheckIn, check_in_id) or abort(404)
    require_market(row.market_id)
    checkins.check_out(row)
    db.session.commit()
    return redirect(url_for("staff.on_site", market_id=row.market_id))
