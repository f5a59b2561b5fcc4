"""Staff pages: sign-in, the markets in scope, workers with masked identities."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from webapp.extensions import db, limiter
from webapp.forms import LoginForm
from webapp.identity import mask_id_number, mask_phone, national_mobile
from webapp.models import CheckIn, Gig, Market, Worker
from webapp.models.base import utcnow
from webapp.models.types import GigStatus, StaffRole
from webapp.services import audit, auth, identity
from webapp.services.scoping import require_market, roles_required, visible_market_ids
from webapp.views.staff import bp


def _login_limit() -> str:
    """The sign-in rate limit from config."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("staff.index")


@bp.get("/login")
def login():
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.index"))
    return render_template("staff/login.html", form=LoginForm())


@bp.post("/login")
@limiter.limit(_login_limit, methods=["POST"])
def login_submit():
    """Check the credentials, open a server-side session, go on to the page asked for."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("staff/login.html", form=form), 400
    try:
        staff = auth.authenticate(form.username.data, form.password.data)
    except auth.AuthError as err:
        db.session.commit()  # keep the failed-login count
        flash(str(err), "error")
        return render_template("staff/login.html", form=form), 401
    next_url = _safe_next(session.pop("next", None))
    session.clear()  # no fixation: a fresh session for the signed-in user
    auth.open_session(staff, request.user_agent.string)
    db.session.commit()
    login_user(staff)
    return redirect(next_url)


@bp.post("/logout")
@login_required
def logout():
    """End the session on the server, then forget the cookie."""
    auth.revoke_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_l("You have signed out."), "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@login_required
def index():
    """The markets this staff member may see, with today's figures."""
    ids = visible_market_ids(current_user)
    markets = db.session.scalars(
        select(Market).where(Market.id.in_(ids)).order_by(Market.level, Market.region_code)
    ).all()
    today_start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    open_gigs = dict(
        db.session.execute(
            select(Gig.market_id, func.count())
            .where(Gig.market_id.in_(ids), Gig.status == GigStatus.OPEN)
            .group_by(Gig.market_id)
        ).all()
    )
    check_ins = dict(
        db.session.execute(
            select(CheckIn.market_id, func.count())
            .where(CheckIn.market_id.in_(ids), CheckIn.checked_in_at >= today_start)
            .group_by(CheckIn.market_id)
        ).all()
    )
    return render_template(
        "staff/index.html", markets=markets, open_gigs=open_gigs, check_ins=check_ins
    )


@bp.get("/markets/<int:market_id>")
@login_required
def market(market_id: int):
    """One market in scope: its open gigs and recent check-ins (identities masked)."""
    market = require_market(market_id)
    gigs = db.session.scalars(
        select(Gig)
        .where(Gig.market_id == market_id, Gig.status == GigStatus.OPEN)
        .order_by(Gig.starts_at)
        .limit(100)
    ).all()
    recent = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.market_id == market_id)
        .order_by(CheckIn.checked_in_at.desc())
        .limit(50)
    ).all()
    return render_template("staff/market.html", market=market, gigs=gigs, check_ins=recent)


def _worker_in_scope(public_id: str) -> Worker:
    """A worker registered in, or checked in at, a market the current staff member may see."""
    worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
    if worker is None:
        abort(404)
    ids = visible_market_ids(current_user)
    seen_here = db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.worker_id == worker.id, CheckIn.market_id.in_(ids))
    )
    if worker.registered_market_id not in ids and not seen_here:
        abort(404)
    return worker


@bp.get("/workers/<public_id>")
@login_required
def worker(public_id: str):
    """A worker's record with the ID number and phone masked."""
    worker = _worker_in_scope(public_id)
    return render_template(
        "staff/worker.html",
        worker=worker,
        id_display=mask_id_number(identity.worker_id_number(worker)),
        phone_display=mask_phone(identity.worker_phone(worker) or ""),
        revealed=False,
    )


@bp.post("/workers/<public_id>/reveal")
@roles_required(StaffRole.STATION_STAFF, StaffRole.STATION_ADMIN)
def reveal_worker(public_id: str):
    """Show the full ID number once, for a stated reason; every view is audited."""
    worker = _worker_in_scope(public_id)
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_l("Say why you need the full number."), "error")
        return redirect(url_for("staff.worker", public_id=public_id))
    audit.record(
        "view_identity",
        actor_kind="staff",
        actor_id=current_user.id,
        object_kind="worker",
        object_id=worker.id,
        market_id=current_user.market_id,
        detail={"reason": reason[:200], "fields": ["id_number", "phone"]},
    )
    db.session.commit()
    phone = identity.worker_phone(worker)
    return render_template(
        "staff/worker.html",
        worker=worker,
        id_display=identity.worker_id_number(worker),
        phone_display=national_mobile(phone) if phone else "",
        revealed=True,
    )
