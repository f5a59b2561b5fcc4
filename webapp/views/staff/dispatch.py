"""The station's dispatch board (轮候派工): walk-ins waiting, open gigs, one-touch dispatch, slips.

One page per market, refreshing itself by htmx polling: the walk-ins checked in today and not
yet sent to work (longest waiting first), the open gigs with places left, for a chosen gig the
ranked on-site candidates with their reasons and a one-touch 派工 (accepted and dispatched in
one step, then the printable slip), why a worker picked by hand does not fit, the unpaid-wage
alerts (欠薪预警) and the no-show appeals waiting for a decision (the decision is audited by
hires.decide_appeal).

Station staff and station admins of the market act; supervisors and auditors see it read-only;
anyone else gets 404 (the market's existence is not revealed).
"""

from __future__ import annotations

import re
import uuid

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.identity import mask_name, mask_phone, readable_mobile
from webapp.models import Application, CheckIn, CreditEvent, Employer, Gig, Market, Worker
from webapp.models.base import utcnow
from webapp.models.types import HELD_STATUSES, ApplicationStatus, EmployerKind, StaffRole
from webapp.services import applications, checkins, gigs, hires, matchfeed, qr
from webapp.services.checkins import local_day_start
from webapp.services.scoping import require_market, roles_required, visible_market_ids
from webapp.templating import is_htmx
from webapp.views.mobile.hire import trade_line
from webapp.views.staff import bp

ACTING_ROLES = (StaffRole.STATION_STAFF, StaffRole.STATION_ADMIN)
POLL_SECONDS = 20
CANDIDATES_SHOWN = 15
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
_KEY = re.compile(r"[0-9a-f]{32}")
PAPERS = ("80mm", "a4")

CREDIT_KINDS = {
    "no_show": _l("Did not come"),
    "late_cancel": _l("Cancelled late"),
    "wage_arrears": _l("Wages unpaid"),
}
PAY_UNITS = {"hour": _l("hour"), "day": _l("day"), "piece": _l("piece"), "month": _l("month")}
SETTLEMENTS = {
    "daily": _l("Paid every day"),
    "weekly": _l("Paid every week"),
    "on_completion": _l("Paid when the work is done"),
    "monthly": _l("Paid every month"),
}


# -- reading the board ----------------------------------------------------------------------------


def employer_label(employer: Employer) -> str:
    """A unit's registered name; a private employer's name masked (as on the phone pages)."""
    if employer.kind == EmployerKind.INDIVIDUAL:
        return str(_l("%(name)s (individual employer)", name=mask_name(employer.name)))
    return employer.name


def _waiting(market_id: int) -> list[dict]:
    """Walk-ins on site today and not yet sent to work today, longest waiting first."""
    since = local_day_start()
    # Sent out today: not waiting any more (unless that hire was called off: back in the queue).
    dispatched = set(
        db.session.scalars(
            select(Application.worker_id).where(
                Application.dispatched_at >= since,
                Application.status != ApplicationStatus.CANCELLED,
            )
        )
    )
    now = utcnow()
    rows, seen = [], set()
    for check_in in db.session.scalars(checkins.open_check_ins(market_id)):
        if check_in.worker_id in seen or check_in.worker_id in dispatched:
            continue
        seen.add(check_in.worker_id)
        rows.append(
            {
                "check_in": check_in,
                "worker": check_in.worker,
                "minutes": max(int((now - check_in.checked_in_at).total_seconds() // 60), 0),
            }
        )
    return rows  # open_check_ins is ordered by check-in time: the longest wait comes first


def _open_gigs(market_id: int) -> list[Gig]:
    """The market's open gigs with places left that have not ended yet, soonest first."""
    now = utcnow()
    return [
        gig
        for gig in db.session.scalars(gigs.open_gigs_query(market_id))
        if gig.accepted_count < gig.headcount and gig.ends_at > now
    ]


def _pending_appeals(market_id: int) -> list[CreditEvent]:
    """Credit events of this market whose appeal waits for a decision, oldest first."""
    of_gig_here = CreditEvent.application_id.in_(
        select(Application.id)
        .join(Gig, Gig.id == Application.gig_id)
        .where(Gig.market_id == market_id)
    )
    unattached_here = CreditEvent.application_id.is_(None) & or_(
        CreditEvent.worker_id.in_(
            select(Worker.id).where(Worker.registered_market_id == market_id)
        ),
        CreditEvent.employer_id.in_(select(Employer.id).where(Employer.market_id == market_id)),
    )
    return list(
        db.session.scalars(
            select(CreditEvent)
            .where(CreditEvent.appeal_status == "pending", or_(of_gig_here, unattached_here))
            .order_by(CreditEvent.id)
        )
    )


def _appeal_row(event: CreditEvent) -> dict:
    """What the board shows of a credit event under appeal."""
    application = (
        db.session.get(Application, event.application_id) if event.application_id else None
    )
    worker = db.session.get(Worker, event.worker_id) if event.worker_id else None
    employer = db.session.get(Employer, event.employer_id) if event.employer_id else None
    return {
        "event": event,
        "kind": CREDIT_KINDS.get(event.kind, event.kind),
        "worker": worker,
        "employer": employer_label(employer) if employer else None,
        "gig": application.gig if application else None,
    }


def trades_of(worker: Worker) -> str:
    """A worker's trades with their skill level, in plain words ("电工 · 中级工、焊工")."""
    return "、".join(trade_line(worker))


def _find_worker(public_id: str | None) -> Worker | None:
    """A worker by public id (None for a malformed id)."""
    if not public_id or not _PUBLIC_ID.fullmatch(public_id):
        return None
    return db.session.scalar(select(Worker).where(Worker.public_id == public_id))


def _market_gig(market: Market, public_id: str | None) -> Gig | None:
    """One of this market's gigs by public id, or None (another market's gig is not found)."""
    gig = gigs.find_public(public_id) if public_id else None
    return gig if gig is not None and gig.market_id == market.id else None


def _worker_here(market: Market, worker: Worker | None) -> bool:
    """Whether staff of this market may act for the worker: on site today, or registered here."""
    if worker is None:
        return False
    if worker.registered_market_id in visible_market_ids(current_user):
        return True
    return (
        db.session.scalar(
            select(CheckIn.id)
            .where(
                CheckIn.worker_id == worker.id,
                CheckIn.market_id == market.id,
                CheckIn.checked_in_at >= local_day_start(),
            )
            .limit(1)
        )
        is not None
    )


def _board_context(market: Market, gig: Gig | None, picked: Worker | None) -> dict:
    """Everything the board shows."""
    can_act = current_user.role in ACTING_ROLES
    candidates = []
    if gig is not None:
        for ranked in matchfeed.workers_for_gig(gig, k=CANDIDATES_SHOWN, on_site=True):
            candidates.append(
                {
                    "worker": ranked.worker,
                    "reasons": list(ranked.reasons),
                    "score": ranked.score,
                    "key": uuid.uuid4().hex,
                }
            )
    why_not = None
    if gig is not None and picked is not None:
        why_not = {
            "worker": picked,
            "reasons": list(matchfeed.why_not(picked, gig)),
            "key": uuid.uuid4().hex,
        }
    return {
        "market": market,
        "can_act": can_act,
        "waiting": _waiting(market.id),
        "open_gigs": _open_gigs(market.id),
        "gig": gig,
        "candidates": candidates,
        "why_not": why_not,
        "alerts": hires.open_alerts([market.id]),
        "appeals": [_appeal_row(e) for e in _pending_appeals(market.id)],
        "occupancy": checkins.occupancy(market),
        "now": utcnow(),
        "poll_seconds": POLL_SECONDS,
        "employer_label": employer_label,
        "trades_of": trades_of,
        "credit_kinds": CREDIT_KINDS,
        "pay_units": PAY_UNITS,
    }


def _board(market: Market, gig: Gig | None, picked: Worker | None, *, error=None, status=200):
    """The board page, or its fragment alone for the htmx poll."""
    context = _board_context(market, gig, picked)
    template = "staff/partials/_dispatch_board.html" if is_htmx() else "staff/dispatch.html"
    return make_response(render_template(template, error=error, **context), status)


@bp.get("/markets/<int:market_id>/dispatch")
@login_required
def dispatch_board(market_id: int):
    """The dispatch board: waiting walk-ins, open gigs, candidates for the chosen gig."""
    market = require_market(market_id)
    gig = _market_gig(market, request.args.get("gig"))
    picked = _find_worker(request.args.get("worker"))
    if picked is not None and not _worker_here(market, picked):
        picked = None
    return _board(market, gig, picked)


@bp.post("/markets/<int:market_id>/dispatch")
@roles_required(*ACTING_ROLES)
def dispatch_worker(market_id: int):
    """One-touch 派工: take the worker on and send them to work, then print the slip."""
    market = require_market(market_id)
    key = request.form.get("idempotency_key", "")
    if not _KEY.fullmatch(key):
        abort(400)
    gig = _market_gig(market, request.form.get("gig"))
    worker = _find_worker(request.form.get("worker"))
    if gig is None or worker is None or not _worker_here(market, worker):
        abort(404)
    try:
        outcome = hires.staff_dispatch(
            gig,
            worker,
            staff_id=current_user.id,
            key=key,
            market_ids=frozenset(visible_market_ids(current_user)),
        )
    except hires.HireError as exc:
        db.session.rollback()
        return _board(market, gig, worker, error=exc.message, status=exc.http_status)
    db.session.commit()
    if not outcome.changed:
        flash(_l("This dispatch was already done; here is its slip."), "info")
    return redirect(
        url_for("staff.dispatch_slip", public_id=outcome.application.public_id, autoprint=1),
        303,
    )


def _application_in_scope(public_id: str) -> Application:
    """A hire whose gig lies in the staff member's market subtree, or 404."""
    application = applications.find_public(public_id)
    if application is None or application.gig.market_id not in visible_market_ids(current_user):
        abort(404)
    return application


@bp.get("/applications/<public_id>/slip")
@login_required
def dispatch_slip(public_id: str):
    """The dispatch slip (派工单) to print: 80 mm receipt or A4, with the worker's personal QR."""
    application = _application_in_scope(public_id)
    paper = request.args.get("paper", "80mm")
    if paper not in PAPERS:
        paper = "80mm"
    gig, worker = application.gig, application.worker
    # The worker taken on needs the number to call on the way; before that it stays masked.
    contact = hires.employer_phone(gig)
    if contact:
        taken_on = application.status in HELD_STATUSES
        contact = readable_mobile(contact) if taken_on else mask_phone(contact)
    return render_template(
        "staff/dispatch_slip.html",
        application=application,
        gig=gig,
        worker=worker,
        market=gig.market,
        employer=employer_label(gig.employer),
        contact_phone=contact or "",
        qr_svg=qr.svg(qr.worker_payload(worker.public_id, worker.qr_version), box_size=6),
        paper=paper,
        papers=PAPERS,
        autoprint=request.args.get("autoprint") == "1",
        pay_unit=PAY_UNITS.get(gig.pay_unit.value, gig.pay_unit.value),
        settlement=SETTLEMENTS.get(gig.settlement.value, gig.settlement.value),
    )


@bp.post("/credit-events/<int:event_id>/appeal")
@roles_required(*ACTING_ROLES)
def appeal_decide(event_id: int):
    """Decide an appeal against a no-show or late cancel: uphold the record or void it."""
    event = db.session.get(CreditEvent, event_id) or abort(404)
    row = _appeal_row(event)
    market_id = row["gig"].market_id if row["gig"] is not None else None
    if market_id is None:
        market_id = row["worker"].registered_market_id if row["worker"] else None
    if market_id is None and event.employer_id:
        market_id = db.session.get(Employer, event.employer_id).market_id
    market = require_market(market_id) if market_id else abort(404)
    decision = request.form.get("decision")
    if decision not in {"uphold", "void"}:
        abort(400)
    back = url_for("staff.dispatch_board", market_id=market.id)
    if event.appeal_status != "pending":  # a double tap, or a colleague was quicker
        flash(_l("This appeal has already been decided."), "info")
        return redirect(back, 303)
    note = " ".join((request.form.get("note") or "").split())[:500]
    try:
        hires.decide_appeal(event, staff_id=current_user.id, uphold=decision == "uphold", note=note)
    except hires.HireError as exc:
        db.session.rollback()
        return _board(market, None, None, error=exc.message, status=exc.http_status)
    db.session.commit()
    flash(
        _l("Appeal decided: the record stands.")
        if decision == "uphold"
        else _l("Appeal decided: the record is voided."),
        "info",
    )
    return redirect(back, 303)
