"""Worker phone pages: real-name verification, a gig's page, sign-up, my applications, my QR.

A worker is a phone account linked to a Worker row: by signing in with the number given at a
kiosk (phone_auth links it) or by verifying on the phone (name, ID number and a face photo for
staff, or the ID card shown at the station). Pages with personal data are never cached; no
identity appears in a URL (gigs and applications go by their random public ids).
"""

from __future__ import annotations

import uuid

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from webapp import refdata
from webapp.extensions import db
from webapp.identity import mask_name, mask_phone
from webapp.models import Application, Employer, Gig, Market, PhoneAccount, StaffUser, Worker
from webapp.models.types import (
    ApplicationStatus,
    EmployerKind,
    GigStatus,
    PayUnit,
    RequestStatus,
    Settlement,
    VerificationStatus,
)
from webapp.services import applications, gigs, identity, phone_auth, qr, scoping, verification
from webapp.views.mobile import bp

NO_STORE = "no-store"

PAY_UNITS = {
    PayUnit.HOUR: _l("hour"),
    PayUnit.DAY: _l("day"),
    PayUnit.PIECE: _l("piece"),
    PayUnit.MONTH: _l("month"),
}
SETTLEMENTS = {
    Settlement.DAILY: _l("Paid every day"),
    Settlement.WEEKLY: _l("Paid every week"),
    Settlement.ON_COMPLETION: _l("Paid when the work is done"),
    Settlement.MONTHLY: _l("Paid every month"),
}
PROVIDED = (
    ("provides_meals", _l("Meals")),
    ("provides_lodging", _l("Lodging")),
    ("provides_transport", _l("Transport")),
    ("provides_tools", _l("Tools")),
    ("provides_insurance", _l("Accident insurance")),
)
VERIFICATION_LABELS = {
    VerificationStatus.UNVERIFIED: _l("Not verified yet"),
    VerificationStatus.PENDING: _l("Waiting for the station to check"),
    VerificationStatus.VERIFIED: _l("Real-name verified"),
    VerificationStatus.REJECTED: _l("Not approved"),
    VerificationStatus.EXPIRED: _l("Verification has expired"),
}
# 对接状态 in the words a station would use with the worker.
APPLICATION_LABELS = {
    ApplicationStatus.PROPOSED: _l("Recommended to you"),
    ApplicationStatus.APPLIED: _l("Signed up, waiting for the employer"),
    ApplicationStatus.ACCEPTED: _l("The employer has taken you on"),
    ApplicationStatus.DISPATCHED: _l("Sent to the work place"),
    ApplicationStatus.ARRIVED: _l("Arrived at work"),
    ApplicationStatus.COMPLETED: _l("Work done"),
    ApplicationStatus.PAID_CONFIRMED: _l("Pay received"),
    ApplicationStatus.DECLINED: _l("Not chosen this time"),
    ApplicationStatus.WITHDRAWN: _l("You withdrew"),
    ApplicationStatus.CANCELLED: _l("Cancelled"),
    ApplicationStatus.NO_SHOW: _l("Did not come"),
}
WITHDRAWABLE = {ApplicationStatus.PROPOSED, ApplicationStatus.APPLIED}
# Anyone may see these postings; drafts and rejected ones only their employer.
PUBLIC_STATUSES = {GigStatus.OPEN, GigStatus.FILLED, GigStatus.CLOSED, GigStatus.EXPIRED}


# -- presentation helpers (also used by the QR and poster pages) ----------------------------------


def no_store(response):
    """Mark a response with personal data as never to be cached."""
    response.headers["Cache-Control"] = NO_STORE
    return response


def page(template: str, http_status: int = 200, **context):
    """Render a personal page with Cache-Control: no-store."""
    return no_store(make_response(render_template(template, **context), http_status))


def employer_display_name(employer: Employer | None) -> str:
    """The employer as workers see it: a unit's registered name; a private person's name masked."""
    if employer is None or not employer.name:
        return _("Employer")
    if employer.kind == EmployerKind.INDIVIDUAL:
        return _("%(name)s (individual employer)", name=mask_name(employer.name))
    return employer.name


def trade_name(code: str) -> str:
    """A trade's common name (瓦工/砌墙工), or its code if unknown."""
    try:
        return refdata.trade(code).common_name
    except KeyError:
        return code


def district_name(code: str | None) -> str:
    """A region code's name, or the code if unknown."""
    if not code:
        return ""
    try:
        return refdata.region(code).name
    except KeyError:
        return code


def gig_facts(gig: Gig) -> dict:
    """What a worker may know about a posting, formatted; the contact masked (no full phone)."""
    level = gig.skill_level_required or 0
    try:
        level_name = refdata.skill_level(level).short_name if level else ""
    except KeyError:
        level_name = ""
    phone = identity.reveal(gig, "contact_phone")
    return {
        "trade": trade_name(gig.trade_code),
        "district": district_name(gig.area_code),
        "pay_unit": PAY_UNITS.get(gig.pay_unit, gig.pay_unit.value),
        "settlement": SETTLEMENTS.get(gig.settlement, gig.settlement.value),
        "daily_hours": f"{gig.daily_hours.normalize():f}" if gig.daily_hours else "",
        "left": max(gig.headcount - gig.accepted_count, 0),
        "provided": [label for attr, label in PROVIDED if getattr(gig, attr)],
        "skill_level": level_name,
        "certificates": list(gig.certificates_required or []),
        "employer_name": employer_display_name(gig.employer),
        "employer_verified": verification.is_verified(gig.employer),
        "contact_name": mask_name(gig.contact_name),
        "contact_phone": mask_phone(phone) if phone else "",
    }


def is_owner(gig: Gig, account: PhoneAccount | None) -> bool:
    """True if the signed-in phone account is the posting's employer."""
    return account is not None and account.employer_id == gig.employer_id


def is_staff_of(gig: Gig) -> bool:
    """True if a signed-in staff member's market subtree covers the posting's market."""
    return (
        getattr(current_user, "is_authenticated", False)
        and isinstance(current_user._get_current_object(), StaffUser)
        and scoping.can_see_market(current_user, gig.market_id)
    )


def worker_of(account: PhoneAccount | None) -> Worker | None:
    """The worker a phone account speaks for, if any."""
    return account.worker if account is not None else None


def _safe_next(target: str) -> str:
    """A local path for ?next= (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/m/"


# -- a gig as workers see it ----------------------------------------------------------------------


def _visible_gig(public_id: str) -> tuple[Gig, bool]:
    """The gig and whether the viewer owns it; 404 for drafts and rejected ones of others."""
    gig = gigs.find_public(public_id)
    if gig is None:
        abort(404)
    owner = is_owner(gig, phone_auth.current_account())
    if gig.status not in PUBLIC_STATUSES and gig.status != GigStatus.PENDING_REVIEW and not owner:
        abort(404)
    return gig, owner


def _signup_state(gig: Gig, account: PhoneAccount | None) -> tuple[str, Application | None]:
    """What the sign-up area shows: sign_in, verify, signed_up, closed or form."""
    worker = worker_of(account)
    mine = None
    if worker is not None:
        mine = db.session.scalar(
            select(Application).where(
                Application.gig_id == gig.id, Application.worker_id == worker.id
            )
        )
        if mine is not None and mine.status in applications.LIVE:
            return "signed_up", mine
    if not gigs.is_taking_signups(gig):
        return "closed", mine
    if account is None:
        return "sign_in", mine
    if not verification.is_verified(worker):
        return "verify", mine
    return "form", mine


@bp.get("/g/<public_id>")
def gig(public_id: str):
    """A posting as a worker sees it, with the sign-up button (public; contact masked)."""
    gig, owner = _visible_gig(public_id)
    account = phone_auth.current_account()
    hidden = gig.status == GigStatus.PENDING_REVIEW and not owner
    state, mine = _signup_state(gig, account)
    return page(
        "mobile/gig.html",
        gig=gig,
        owner=owner,
        hidden=hidden,
        facts=None if hidden else gig_facts(gig),
        state=state,
        mine=mine,
        mine_label=APPLICATION_LABELS.get(mine.status) if mine else None,
        idempotency_key=uuid.uuid4().hex,
        sign_in_url=url_for("mobile.sign_in", next=_safe_next(request.path)),
    )


@bp.post("/g/<public_id>/signup")
@phone_auth.login_required
def gig_signup(public_id: str):
    """Sign the signed-in worker up; a double tap returns the first sign-up, never a second."""
    gig, _owner = _visible_gig(public_id)
    back = url_for("mobile.gig", public_id=gig.public_id)
    worker = worker_of(phone_auth.current_account())
    if worker is None:
        flash(
            _l("Please finish real-name verification first (at a kiosk or on this phone)."), "error"
        )
        return redirect(url_for("mobile.worker_verify"), 303)
    try:
        _application, created = applications.sign_up(
            worker, gig, idempotency_key=request.form.get("idempotency_key")
        )
    except applications.ApplicationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back, 303)
    db.session.commit()
    if created:
        flash(
            _l("You have signed up. The employer will contact you once they take you on."), "info"
        )
    else:
        flash(_l("You have already signed up for this gig."), "info")
    return redirect(back, 303)


# -- the worker's own pages -----------------------------------------------------------------------


def _latest(worker: Worker | None):
    """The worker's newest verification request, if any."""
    return verification.latest_request(worker)


@bp.get("/worker")
@phone_auth.login_required
def worker_home():
    """My real-name status, and the way to my sign-ups and my personal QR code."""
    account = phone_auth.current_account()
    worker = worker_of(account)
    status = verification.effective_status(worker) if worker else VerificationStatus.UNVERIFIED
    market_id = session.get("market_id")
    return page(
        "mobile/worker_home.html",
        worker=worker,
        status=status,
        status_label=VERIFICATION_LABELS[status],
        latest=_latest(worker),
        market_id=market_id if isinstance(market_id, int) else None,
    )


def _station_default(worker: Worker | None) -> int | None:
    """The station to preselect: the one scanned last, else the worker's own."""
    market_id = session.get("market_id")
    if isinstance(market_id, int):
        return market_id
    return worker.registered_market_id if worker else None


def _verify_page(account: PhoneAccount, values: dict, errors: dict, http_status: int = 200):
    """The verification page: the status so far, and the form when it can be (re)submitted."""
    worker = worker_of(account)
    current = verification.effective_status(worker) if worker else VerificationStatus.UNVERIFIED
    latest = _latest(worker)
    pending = latest is not None and latest.status == RequestStatus.PENDING
    show_form = current != VerificationStatus.VERIFIED and not pending
    market = db.session.get(Market, latest.market_id) if latest and latest.market_id else None
    return page(
        "mobile/worker_verify.html",
        http_status,
        worker=worker,
        current=current,
        current_label=VERIFICATION_LABELS[current],
        latest=latest,
        pending=pending,
        request_market=market,
        show_form=show_form,
        stations=verification.station_choices(),
        values=values,
        errors=errors,
    )


@bp.get("/worker/verify")
@phone_auth.login_required
def worker_verify():
    """Real-name verification on the phone: name, ID number, and a face photo or the card."""
    account = phone_auth.current_account()
    values = {"market_id": _station_default(worker_of(account)), "method": "face"}
    return _verify_page(account, values, {})


@bp.post("/worker/verify", endpoint="worker_verify_submit")
@phone_auth.login_required
def worker_verify_post():
    """Send the details to the station; errors go next to their field, typed values stay."""
    account = phone_auth.current_account()
    form = request.form
    values = {
        "market_id": form.get("market_id", type=int),
        "name": (form.get("name") or "").strip()[:50],
        "id_number": (form.get("id_number") or "").strip()[:30],
        "method": "station" if form.get("method") == "station" else "face",
    }
    upload = request.files.get("face_photo")
    at_station = values["method"] == "station"
    face = upload if upload is not None and upload.filename and not at_station else None
    try:
        verification.submit_worker(
            account,
            market_id=values["market_id"],
            name=values["name"],
            id_number=values["id_number"],
            face_photo=face,
            at_station=at_station,
        )
    except verification.VerificationError as exc:
        db.session.rollback()
        field = exc.field or "form"
        return _verify_page(account, values, {field: exc.message}, 400)
    db.session.commit()
    flash(_l("Thank you. Your details have gone to the station for checking."), "info")
    return redirect(url_for("mobile.worker_verify"), 303)


@bp.get("/worker/applications")
@phone_auth.login_required
def my_applications():
    """My sign-ups, newest first: the gig, its employer, the start and the status in plain words."""
    worker = worker_of(phone_auth.current_account())
    rows = applications.of_worker(worker) if worker is not None else []
    items = [
        {
            "application": a,
            "gig": a.gig,
            "employer_name": employer_display_name(a.gig.employer),
            "label": APPLICATION_LABELS.get(a.status, a.status.value),
            "withdrawable": a.status in WITHDRAWABLE,
        }
        for a in rows
    ]
    return page("mobile/worker_applications.html", worker=worker, items=items)


@bp.post("/worker/applications/<public_id>/withdraw")
@phone_auth.login_required
def application_withdraw(public_id: str):
    """Withdraw one of my sign-ups before the employer takes me on (someone else's: 404)."""
    worker = worker_of(phone_auth.current_account())
    application = applications.find_public(public_id)
    if application is None or worker is None or application.worker_id != worker.id:
        abort(404)
    try:
        applications.withdraw(application, worker)
    except applications.ApplicationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("mobile.my_applications"), 303)
    db.session.commit()
    flash(_l("Your sign-up has been withdrawn."), "info")
    return redirect(url_for("mobile.my_applications"), 303)


@bp.get("/worker/qr")
@phone_auth.login_required
def my_qr():
    """My personal QR code, big, to show staff or an employer (verified workers only)."""
    worker = worker_of(phone_auth.current_account())
    if worker is None or not worker.is_active or not verification.is_verified(worker):
        flash(_l("Your personal code is ready once your real name is verified."), "error")
        return redirect(url_for("mobile.worker_home"), 303)
    payload = qr.worker_payload(worker.public_id, worker.qr_version)
    return page(
        "mobile/worker_qr.html",
        worker=worker,
        qr_svg=qr.svg(payload, box_size=10),
    )
