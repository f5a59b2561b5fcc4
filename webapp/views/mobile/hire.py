"""Hiring on the phone (flow 4): ranked candidates, invitations and every next step of a hire.

Employer side, for one of the employer's gigs (404 for anyone else's): the ranked candidates
(on-site walk-ins first, 在站) with reasons in words and an "invite" button; the gig's hires by
status with the steps the lifecycle allows now as buttons; the arrival page where the employer
scans (or pastes) the worker's personal QR text. Worker side: the steps on their own sign-ups
(accept or decline an invitation, cancel, confirm pay received, rate), posted from
worker_applications.html.

Every form carries an idempotency key made when the page is drawn, so a double tap gives one
result and the same page; a refused step (hires.HireError) draws the page again with the reason
and the status the service gives (403 / 409 / 422), keeping what was typed.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from urllib.parse import unquote

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp import refdata
from webapp.extensions import db
from webapp.identity import mask_name, national_mobile
from webapp.models import Application, Gig, Worker
from webapp.models.types import ApplicationSource, ApplicationStatus
from webapp.services import applications, gigs, hires, identity, matchfeed, phone_auth
from webapp.views.mobile import bp
from webapp.views.mobile import worker as worker_pages
from webapp.views.mobile.account import no_store

CANDIDATES_SHOWN = 50
_KEY = re.compile(r"[0-9a-f]{32}")
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")

# The order the employer's hire list groups by: what needs a decision first, ended ones last.
STATUS_ORDER = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.PROPOSED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.DISPATCHED,
    ApplicationStatus.ARRIVED,
    ApplicationStatus.COMPLETED,
    ApplicationStatus.PAID_CONFIRMED,
    ApplicationStatus.NO_SHOW,
    ApplicationStatus.CANCELLED,
    ApplicationStatus.DECLINED,
    ApplicationStatus.WITHDRAWN,
)
STATUS_GROUPS = {
    ApplicationStatus.APPLIED: _l("Signed up: waiting for your answer"),
    ApplicationStatus.PROPOSED: _l("Invited: waiting for the worker"),
    ApplicationStatus.ACCEPTED: _l("Taken on"),
    ApplicationStatus.DISPATCHED: _l("On the way"),
    ApplicationStatus.ARRIVED: _l("At work"),
    ApplicationStatus.COMPLETED: _l("Work done: pay them"),
    ApplicationStatus.PAID_CONFIRMED: _l("Paid"),
    ApplicationStatus.NO_SHOW: _l("Did not come"),
    ApplicationStatus.CANCELLED: _l("Cancelled"),
    ApplicationStatus.DECLINED: _l("Declined"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}
# Button labels of the lifecycle's steps (hires.actions_for names them).
ACTION_LABELS = {
    "accept": _l("Take on"),
    "decline": _l("Decline"),
    "dispatch": _l("Send to work"),
    "arrive": _l("Confirm arrival"),
    "complete": _l("Work is done"),
    "confirm_paid": _l("I have been paid"),
    "cancel": _l("Cancel"),
    "no_show": _l("Did not come"),
    "rate": _l("Rate"),
    "withdraw": _l("Withdraw the invitation"),
}
WORKER_ACTION_LABELS = {
    "accept": _l("Accept the invitation"),
    "decline": _l("Say no"),
    "cancel": _l("Cancel: I cannot come"),
    "confirm_paid": _l("I have been paid"),
    "rate": _l("Rate the employer"),
}
DONE = {
    "invite": _l("Invitation sent. The worker's phone number shows here once they accept."),
    "accept": _l("Done: taken on."),
    "decline": _l("Done: declined."),
    "dispatch": _l("Done: sent to work."),
    "arrive": _l("Arrival confirmed."),
    "complete": _l("Done: the work is marked as done. Please pay as agreed."),
    "confirm_paid": _l("Thank you: pay received is recorded."),
    "cancel": _l("Cancelled."),
    "no_show": _l("Recorded: did not come. The worker can appeal to the station."),
    "rate": _l("Thank you for the rating."),
    "withdraw": _l("The invitation is withdrawn."),
}
WORKER_DONE = {
    "accept": _l("You accepted. The employer can now see your phone number and call you."),
    "decline": _l("You said no to this invitation."),
    "cancel": _l("Cancelled. Please tell the employer if you can."),
    "confirm_paid": _l("Thank you: pay received is recorded."),
    "rate": _l("Thank you for the rating."),
}
ALREADY = _l("This was already done.")
REASON_NEEDED = _l("Please say why, in a few words.")
STARS_NEEDED = _l("Please choose 1 to 5 stars.")
NO_CODE = _l("Scan or paste the worker's code first.")

EMPLOYER_ACTIONS = (
    "accept",
    "decline",
    "dispatch",
    "arrive",
    "complete",
    "no_show",
    "cancel",
    "rate",
    "withdraw",
)
WORKER_ACTIONS = ("accept", "decline", "cancel", "confirm_paid", "rate")
NEEDS_REASON = {"cancel"}
REASON_MAX = 200


# -- small helpers --------------------------------------------------------------------------------


def new_key() -> str:
    """A fresh idempotency key for one form, made when the page is drawn."""
    return uuid.uuid4().hex


def _posted_key() -> str:
    """The form's idempotency key; a missing or malformed one is a bad request."""
    key = request.form.get("idempotency_key", "")
    if not _KEY.fullmatch(key):
        abort(400)
    return key


def _page(template: str, status: int = 200, **context):
    """A phone page with personal data: never cached."""
    return no_store(current_app.make_response((render_template(template, **context), status)))


def trade_line(worker: Worker) -> list[str]:
    """A worker's trades with their skill level ("电工 · 中级工"), in plain words."""
    lines = []
    for trade in worker.trades:
        name = worker_pages.trade_name(trade.trade_code)
        if trade.skill_level:
            with contextlib.suppress(KeyError):
                name = f"{name} · {refdata.skill_level(trade.skill_level).short_name}"
        lines.append(name)
    return lines


def reliability(worker: Worker) -> dict:
    """A worker's reliability figures: gigs done, no-shows, late cancels, average rating."""
    rated = worker.rating_count or 0
    return {
        "completed": worker.completed_count or 0,
        "no_show": worker.no_show_count or 0,
        "late_cancel": worker.late_cancel_count or 0,
        "rating": round((worker.rating_sum or 0) / rated, 1) if rated else None,
        "rated": rated,
    }


def _reason_value(max_len: int = REASON_MAX) -> str:
    """The typed reason or note, trimmed."""
    return " ".join((request.form.get("reason") or "").split())[:max_len]


def _stars_value() -> int | None:
    """The chosen stars (1..5), or None."""
    try:
        stars = int(request.form.get("stars", ""))
    except ValueError:
        return None
    return stars if 1 <= stars <= 5 else None


def _scan_text(raw: str) -> str:
    """The worker's code as scanned: raw "GM1:w:..." text, or the /m/q/ link a camera app gives."""
    text = (raw or "").strip()[:500]
    if "/q/" in text:
        text = unquote(text.rsplit("/q/", 1)[1]).split("?", 1)[0].split("#", 1)[0]
    return text


# -- the employer's side -------------------------------------------------------------------------


def _employer_actor():
    """The signed-in account acting as its employer."""
    account = phone_auth.current_account()
    return hires.Actor("employer", account.employer_id)


def _own_gig(public_id: str) -> Gig:
    """The signed-in employer's gig, or 404 (also for someone else's gig)."""
    gig = gigs.find_public(public_id)
    account = phone_auth.current_account()
    if gig is None or account.employer_id is None or gig.employer_id != account.employer_id:
        abort(404)
    return gig


def _own_application(public_id: str) -> Application:
    """A hire on one of the signed-in employer's gigs, or 404."""
    application = applications.find_public(public_id)
    account = phone_auth.current_account()
    if (
        application is None
        or account.employer_id is None
        or application.gig.employer_id != account.employer_id
    ):
        abort(404)
    return application


def _candidate_rows(gig: Gig) -> list[dict]:
    """The ranked candidates as the page shows them (on site first; masked in the template)."""
    rows = []
    for ranked in matchfeed.candidates(gig, k=CANDIDATES_SHOWN):
        rows.append(
            {
                "worker": ranked.worker,
                "on_site": ranked.on_site,
                "reasons": list(ranked.reasons),
                "trades": trade_line(ranked.worker),
                "reliability": reliability(ranked.worker),
                "key": new_key(),
            }
        )
    rows.sort(key=lambda row: not row["on_site"])  # stable: the engine's order within each part
    return rows


def _candidates_page(gig: Gig, *, error=None, status: int = 200):
    """The candidates page of a gig (the list only while it takes sign-ups)."""
    taking = gigs.is_taking_signups(gig)
    rows = _candidate_rows(gig) if taking else []
    return _page(
        "mobile/hire_candidates.html",
        status,
        gig=gig,
        taking=taking,
        on_site=[r for r in rows if r["on_site"]],
        registered=[r for r in rows if not r["on_site"]],
        left=max(gig.headcount - gig.accepted_count, 0),
        error=error,
    )


@bp.get("/employer/gigs/<public_id>/candidates")
@phone_auth.login_required
def hire_candidates(public_id: str):
    """Ranked candidates for one of my open gigs: walk-ins on site first, then registered."""
    return _candidates_page(_own_gig(public_id))


@bp.post("/employer/gigs/<public_id>/invite")
@phone_auth.login_required
def hire_invite(public_id: str):
    """Invite a candidate (雇主邀请); a double tap sends one invitation."""
    gig = _own_gig(public_id)
    key = _posted_key()
    worker_id = request.form.get("worker", "")
    worker = None
    if _PUBLIC_ID.fullmatch(worker_id):
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
    if worker is None:
        abort(404)
    try:
        outcome = hires.invite(gig, worker, actor=_employer_actor(), key=key)
    except hires.HireError as exc:
        db.session.rollback()
        return _candidates_page(gig, error=exc.message, status=exc.http_status)
    db.session.commit()
    flash(DONE["invite"] if outcome.changed else ALREADY, "info")
    return redirect(url_for("mobile.hire_candidates", public_id=gig.public_id), 303)


def _hire_rows(gig: Gig, actor) -> list[dict]:
    """The gig's hires grouped by status, each with its allowed steps and (maybe) the phone."""
    by_status: dict[ApplicationStatus, list[dict]] = {}
    for application in applications.of_gig(gig):
        visible = hires.phone_visible_to_employer(application)
        phone = identity.worker_phone(application.worker) if visible else None
        by_status.setdefault(application.status, []).append(
            {
                "application": application,
                "worker": application.worker,
                "trades": trade_line(application.worker),
                "reliability": reliability(application.worker),
                "actions": [
                    a for a in hires.actions_for(application, actor) if a in EMPLOYER_ACTIONS
                ],
                "phone_visible": visible,
                "phone": national_mobile(phone) if phone else None,
                "phone_e164": phone,
                "invited": application.source == ApplicationSource.EMPLOYER_INVITE,
            }
        )
    return [
        {"status": status, "label": STATUS_GROUPS[status], "rows": by_status[status]}
        for status in STATUS_ORDER
        if status in by_status
    ]


def _hires_page(gig: Gig, *, error=None, status: int = 200, failed: str | None = None):
    """The gig's hires page; `failed` is the hire whose step was refused (its typed text kept)."""
    return _page(
        "mobile/hire_board.html",
        status,
        gig=gig,
        groups=_hire_rows(gig, _employer_actor()),
        left=max(gig.headcount - gig.accepted_count, 0),
        action_labels=ACTION_LABELS,
        error=error,
        failed=failed,
        typed_reason=_reason_value() if failed else "",
    )


@bp.get("/employer/gigs/<public_id>/hires")
@phone_auth.login_required
def hire_board(public_id: str):
    """The gig's sign-ups and hires by status, with the next steps as buttons."""
    return _hires_page(_own_gig(public_id))


def _run(action: str, application: Application, actor, key: str):
    """Run the step an action names with the form's values: (outcome, None) or (None, error)."""
    form_error = None
    if action in NEEDS_REASON and not _reason_value():
        form_error = REASON_NEEDED
    stars = _stars_value() if action == "rate" else None
    if action == "rate" and stars is None:
        form_error = STARS_NEEDED
    if form_error is not None:
        return None, (form_error, 422)
    reason = _reason_value() or None
    try:
        if action == "accept":
            outcome = hires.accept(application, actor=actor, key=key)
        elif action == "decline":
            outcome = hires.decline(application, actor=actor, key=key, reason=reason)
        elif action == "dispatch":
            outcome = hires.dispatch(application, actor=actor, key=key)
        elif action == "arrive":
            outcome = hires.confirm_arrival(application, actor=actor, key=key)
        elif action == "complete":
            outcome = hires.complete(application, actor=actor, key=key)
        elif action == "confirm_paid":
            outcome = hires.confirm_paid(application, actor=actor, key=key)
        elif action == "cancel":
            outcome = hires.cancel(application, actor=actor, key=key, reason=reason)
        elif action == "no_show":
            outcome = hires.report_no_show(application, actor=actor, key=key, note=reason)
        elif action == "rate":
            outcome = hires.rate(application, actor=actor, stars=stars, key=key)
        elif action == "withdraw":
            outcome = hires.withdraw(application, actor=actor, key=key, reason=reason)
        else:  # pragma: no cover - the routes only pass known actions
            abort(404)
    except hires.HireError as exc:
        db.session.rollback()
        return None, (exc.message, exc.http_status)
    return outcome, None


@bp.post("/employer/applications/<public_id>/<action>")
@phone_auth.login_required
def hire_employer_step(public_id: str, action: str):
    """One step of a hire on my gig (take on, send, arrival, done, did not come, cancel, rate)."""
    if action not in EMPLOYER_ACTIONS:
        abort(404)
    application = _own_application(public_id)
    key = _posted_key()
    outcome, error = _run(action, application, _employer_actor(), key)
    if error is not None:
        message, status = error
        return _hires_page(
            application.gig, error=message, status=status, failed=application.public_id
        )
    db.session.commit()
    flash(DONE[action] if getattr(outcome, "changed", True) else ALREADY, "info")
    return redirect(url_for("mobile.hire_board", public_id=application.gig.public_id), 303)


def _arrival_page(gig: Gig, *, error=None, status: int = 200, code: str = ""):
    """The arrival page: scan or paste the worker's code; who is expected today."""
    expected = [
        a
        for a in applications.of_gig(gig)
        if a.status in {ApplicationStatus.ACCEPTED, ApplicationStatus.DISPATCHED}
    ]
    arrived = [a for a in applications.of_gig(gig) if a.status == ApplicationStatus.ARRIVED]
    return _page(
        "mobile/hire_arrival.html",
        status,
        gig=gig,
        expected=expected,
        arrived=arrived,
        key=new_key(),
        code=code,
        error=error,
    )


@bp.get("/employer/gigs/<public_id>/arrival")
@phone_auth.login_required
def hire_arrival(public_id: str):
    """Confirm a worker's arrival by their personal QR code (scanned or pasted)."""
    return _arrival_page(_own_gig(public_id))


@bp.post("/employer/gigs/<public_id>/arrival")
@phone_auth.login_required
def hire_arrival_submit(public_id: str):
    """Check the scanned code against this gig's hires and record the arrival."""
    gig = _own_gig(public_id)
    key = _posted_key()
    raw = request.form.get("code", "")
    code = _scan_text(raw)
    if not code:
        return _arrival_page(gig, error=NO_CODE, status=422, code=raw.strip()[:500])
    try:
        outcome = hires.arrival_by_worker_qr(gig, code, actor=_employer_actor(), key=key)
    except hires.HireError as exc:
        db.session.rollback()
        return _arrival_page(gig, error=exc.message, status=exc.http_status, code=raw.strip()[:500])
    db.session.commit()
    if outcome.changed:
        flash(
            _l(
                "Arrival confirmed: %(name)s.",
                name=mask_name(outcome.application.worker.name),
            ),
            "info",
        )
    else:
        flash(ALREADY, "info")
    return redirect(url_for("mobile.hire_arrival", public_id=gig.public_id), 303)


# -- the worker's side ----------------------------------------------------------------------------


def _worker_actor(worker: Worker):
    """The signed-in worker as the lifecycle's actor."""
    return hires.Actor("worker", worker.id)


def worker_steps(application: Application) -> list[str]:
    """The steps the signed-in worker may take on one of their sign-ups now (for the template)."""
    worker = worker_pages.worker_of(phone_auth.current_account())
    if worker is None or application.worker_id != worker.id:
        return []
    allowed = hires.actions_for(application, _worker_actor(worker))
    return [a for a in WORKER_ACTIONS if a in allowed]


@bp.context_processor
def _hire_globals() -> dict:
    """What worker_applications.html needs for its hire forms."""
    return {
        "hire_key": new_key,
        "hire_worker_steps": worker_steps,
        "hire_worker_labels": WORKER_ACTION_LABELS,
        "invitation_source": ApplicationSource.EMPLOYER_INVITE,
    }


@bp.post("/worker/applications/<public_id>/step/<action>")
@phone_auth.login_required
def hire_worker_step(public_id: str, action: str):
    """A step on one of my sign-ups: accept or decline an invitation, cancel, pay received, rate."""
    if action not in WORKER_ACTIONS:
        abort(404)
    worker = worker_pages.worker_of(phone_auth.current_account())
    application = applications.find_public(public_id)
    if application is None or worker is None or application.worker_id != worker.id:
        abort(404)
    key = _posted_key()
    outcome, error = _run(action, application, _worker_actor(worker), key)
    if error is not None:
        message, status = error
        flash(message, "error")
        response = worker_pages.my_applications()
        response.status_code = status
        return response
    db.session.commit()
    flash(WORKER_DONE[action] if getattr(outcome, "changed", True) else ALREADY, "info")
    return redirect(url_for("mobile.my_applications"), 303)
