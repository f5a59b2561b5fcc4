"""The kiosk surface (/kiosk/): full-screen, touch-first, for walk-in workers.

The shell page loads once; each step is a screen fragment swapped into #screen by htmx or by
static/js/kiosk.js. A registered device cookie authenticates the kiosk; a random visit token in
the page ties the steps of one person's check-in together.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk import devices, offers, profile, visits
from kiosk.cardreader import CardReadError, CardRejected
from webapp.extensions import db, limiter
from webapp.models import Application, Kiosk, KioskVisit, Worker
from webapp.models.base import utcnow
from webapp.models.types import CheckInMethod
from webapp.services import gigs, qr

bp = Blueprint("kiosk", __name__, template_folder="templates")

MAX_FRAME_BYTES = 600 * 1024
PAPERS = ("80mm", "a4")  # the kiosk's slip printer (KIOSK_PAPER): a thermal roll or A4
# After check-in the worker has this long to choose a gig (the idle reset ends it sooner).
CHOOSING_TIME = timedelta(minutes=10)


def paper() -> str:
    """The slip paper this deployment's kiosks print on: '80mm' (default) or 'a4'."""
    value = str(current_app.config.get("KIOSK_PAPER", "80mm")).lower().replace(" ", "")
    return value if value in PAPERS else PAPERS[0]


@bp.context_processor
def kiosk_context() -> dict:
    """Messages and settings every kiosk screen may need."""
    return {"reasons": visits.FACE_REASONS, "paper": paper()}


def kiosk_required(view):
    """Only a registered kiosk may use the check-in flow."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        kiosk = devices.current_kiosk()
        if kiosk is None:
            return screen("kiosk/screens/_unregistered.html", status=403)
        return view(kiosk, *args, **kwargs)

    return wrapped


def _kiosk_limit_key() -> str:
    """Rate limits per device (kiosks share the station's address)."""
    return request.cookies.get(devices.COOKIE_NAME, "")[:16] or (request.remote_addr or "")


def screen(template: str, status: int = 200, **context):
    """Render one screen fragment (for htmx) or the whole shell around it."""
    kiosk = devices.current_kiosk()
    context.setdefault("kiosk", kiosk)
    if request.headers.get("HX-Request") == "true":
        response = make_response(render_template(template, **context), status)
    else:
        response = make_response(
            render_template("kiosk/shell.html", screen_template=template, **context), status
        )
    response.vary.add("HX-Request")
    return response


def _frames() -> list[bytes]:
    """The uploaded camera frames (400 if there are none or one is too large)."""
    frames = [f.read(MAX_FRAME_BYTES + 1) for f in request.files.getlist("frame")]
    if not frames or any(len(f) > MAX_FRAME_BYTES for f in frames):
        abort(400)
    return frames


def _visit_or_welcome(kiosk, token: str):
    """The visit for this token, or None (expired: show the welcome screen again)."""
    try:
        return visits.get_visit(kiosk, token)
    except visits.VisitError:
        return None


def _expired():
    """The gentle 'start again' screen."""
    return screen(
        "kiosk/screens/_welcome.html", notice=_l("That took a while, so we started again.")
    )


@bp.get("/")
def welcome():
    """The welcome screen every idle kiosk returns to (or how to register this device)."""
    if devices.current_kiosk() is None:
        return screen("kiosk/screens/_unregistered.html")
    return screen("kiosk/screens/_welcome.html")


@bp.get("/setup")
def setup():
    """Pair this device with a market using the token staff issued."""
    return render_template("kiosk/setup.html")


@bp.post("/setup")
@limiter.limit("10 per minute")
def setup_submit():
    """Check the device token and remember it in an HttpOnly cookie."""
    token = (request.form.get("token") or "").strip()
    kiosk = devices.kiosk_for_token(token)
    if kiosk is None:
        return render_template("kiosk/setup.html", error=_l("This device code is not valid.")), 400
    response = redirect(url_for("kiosk.welcome"))
    return devices.set_device_cookie(response, token)


@bp.post("/card")
@kiosk_required
@limiter.limit("30 per minute", key_func=_kiosk_limit_key)
def card_read(kiosk):
    """A card was read: validate it, open a visit, ask for face consent."""
    try:
        payload = json.loads(request.form.get("payload") or "{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return screen("kiosk/screens/_card_error.html", message=_l("The card could not be read."))
    try:
        visit, token = visits.start_visit(kiosk, payload)
    except (CardReadError, CardRejected) as err:
        db.session.rollback()
        return screen("kiosk/screens/_card_error.html", message=err.message, code=err.code)
    db.session.commit()
    card = visits.card_of(visit)
    return screen("kiosk/screens/_consent.html", token=token, visit=visit, name=card["name"])


@bp.post("/v/<token>/consent")
@kiosk_required
def consent(kiosk, token: str):
    """Face consent given or declined (declining leads to staff)."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        return _expired()
    if visit.step != "consent":
        abort(409)
    agreed = request.form.get("face") == "yes" and request.form.get("agree") == "on"
    visits.record_consent(visit, face=agreed, keep_template=request.form.get("keep") == "on")
    db.session.commit()
    if visit.step == "face":
        return screen("kiosk/screens/_face.html", token=token, visit=visit)
    return screen("kiosk/screens/_assisted.html", token=token, visit=visit)


@bp.post("/v/<token>/face")
@kiosk_required
@limiter.limit("20 per minute", key_func=_kiosk_limit_key)
def face(kiosk, token: str):
    """Live frames from the camera: verify, then check in, retry, or go to staff."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        return _expired()
    frames = _frames()
    try:
        outcome = visits.submit_face(visit, frames)
    except visits.VisitError:
        db.session.rollback()
        abort(409)
    _hold_for_choosing(visit)
    db.session.commit()
    return _after_step(visit, token, outcome=outcome)


def _after_step(visit: KioskVisit, token: str, outcome=None):
    """The screen that follows the visit's current step."""
    if visit.step == "profile":
        return screen(
            "kiosk/screens/_profile.html", token=token, visit=visit, **profile.choices(visit)
        )
    if visit.step == "done":
        return _done(visit, token)
    if visit.step == "assisted":
        return screen("kiosk/screens/_assisted.html", token=token, visit=visit, outcome=outcome)
    if visit.step == "refused":
        return screen("kiosk/screens/_refused.html", token=token, visit=visit)
    return screen("kiosk/screens/_face.html", token=token, visit=visit, outcome=outcome)


def _hold_for_choosing(visit: KioskVisit) -> None:
    """Give a checked-in worker time to choose a gig (call before the view's commit)."""
    if visit.step == "done" and visit.ended_at is None:
        visit.expires_at = max(visit.expires_at, utcnow() + CHOOSING_TIME)


def _done(visit: KioskVisit, token: str):
    """Checked in: the confirmation with the personal QR slip, and the gigs that fit best."""
    worker = db.session.get(Worker, visit.worker_id)
    payload = qr.worker_payload(worker.public_id, worker.qr_version)
    return screen(
        "kiosk/screens/_done.html",
        token=token,
        visit=visit,
        worker=worker,
        qr_svg=qr.svg(payload, box_size=6),
        gig_cards=offers.cards(db.session.get(Kiosk, visit.kiosk_id), worker),
    )


@bp.get("/v/<token>/status")
@kiosk_required
def status(kiosk, token: str):
    """Polled while staff review: the next screen once they have decided (286 stops polling)."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        response = _expired()
        response.status_code = 286
        return response
    if visit.review_status == "pending":
        return screen("kiosk/screens/_assisted.html", token=token, visit=visit)
    if visit.step == "done" and visit.expires_at < utcnow() + CHOOSING_TIME:
        _hold_for_choosing(visit)  # staff have checked the person in: time to choose a gig
        db.session.commit()
    response = _after_step(visit, token)
    response.status_code = 286
    return response


@bp.post("/v/<token>/profile")
@kiosk_required
def profile_submit(kiosk, token: str):
    """First visit: trades, skill level, desired pay and availability."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        return _expired()
    if visit.step != "profile":
        abort(409)
    errors = profile.save(visit, request.form)
    if errors:
        db.session.rollback()
        return screen(
            "kiosk/screens/_profile.html",
            token=token,
            visit=visit,
            errors=errors,
            **profile.choices(visit, request.form),
        )
    visit.step = "done"
    _hold_for_choosing(visit)
    db.session.commit()
    return _done(visit, token)


@bp.post("/v/<token>/end")
@kiosk_required
def end(kiosk, token: str):
    """Finish (or idle reset): wipe the visit's card data and show the welcome screen."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is not None:
        visits.end_visit(visit)
        db.session.commit()
    return screen("kiosk/screens/_welcome.html")


@bp.post("/qr")
@kiosk_required
@limiter.limit("30 per minute", key_func=_kiosk_limit_key)
def qr_check_in(kiosk):
    """Check in with a personal QR code (printed slip or phone)."""
    try:
        worker = visits.worker_from_qr(request.form.get("code", ""))
    except visits.VisitError as err:
        return screen("kiosk/screens/_card_error.html", message=visits.message_for(err.code))
    visit, token = visits.check_in_known_worker(kiosk, worker, CheckInMethod.QR)
    _hold_for_choosing(visit)
    db.session.commit()
    return _done(visit, token)


@bp.post("/face-search")
@kiosk_required
def face_search_start(kiosk):
    """Face-only check-in for enrolled workers: open a visit with a liveness challenge."""
    visit, token = visits.start_face_search(kiosk)
    db.session.commit()
    return screen("kiosk/screens/_face_search.html", token=token, visit=visit)


@bp.post("/v/<token>/search")
@kiosk_required
@limiter.limit("10 per minute", key_func=_kiosk_limit_key)
def face_search_submit(kiosk, token: str):
    """Find enrolled workers of this market whose template matches the live frames."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        return _expired()
    if request.form.get("agree") != "on":
        visits.end_visit(visit)
        db.session.commit()
        return screen("kiosk/screens/_welcome.html")
    frames = _frames()
    found = visits.face_search(visit, frames)
    db.session.commit()
    if not found:
        return screen(
            "kiosk/screens/_card_error.html",
            message=_l("We could not find you. Please use your ID card."),
        )
    return screen("kiosk/screens/_phone_digits.html", token=token)


@bp.post("/v/<token>/digits")
@kiosk_required
@limiter.limit("10 per minute", key_func=_kiosk_limit_key)
def phone_digits(kiosk, token: str):
    """Confirm a face-only match with the last four digits of the phone."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is None:
        return _expired()
    if not visits.confirm_face_search(visit, request.form.get("digits", "")):
        db.session.commit()
        if visit.ended_at is not None:
            return screen(
                "kiosk/screens/_card_error.html",
                message=_l("That did not match. Please use your ID card."),
            )
        return screen(
            "kiosk/screens/_phone_digits.html", token=token, error=_l("That did not match.")
        )
    _hold_for_choosing(visit)
    db.session.commit()
    return _done(visit, token)


def _done_visit(kiosk, token: str):
    """The checked-in visit of this token, or None (the caller shows the welcome screen)."""
    visit = _visit_or_welcome(kiosk, token)
    if visit is not None and (visit.step != "done" or visit.worker_id is None):
        abort(409)
    return visit


@bp.get("/v/<token>/gigs")
@kiosk_required
def best_gigs(kiosk, token: str):
    """The check-in screen again, with the gigs that fit (after a sign-up: the others)."""
    visit = _done_visit(kiosk, token)
    if visit is None:
        return _expired()
    return _done(visit, token)


@bp.post("/v/<token>/gigs/<public_id>/signup")
@kiosk_required
@limiter.limit("30 per minute", key_func=_kiosk_limit_key)
def gig_signup(kiosk, token: str, public_id: str):
    """One touch signs the checked-in worker up; the page's key makes a double tap one row."""
    from webapp.services import hires

    visit = _done_visit(kiosk, token)
    if visit is None:
        return _expired()
    worker = db.session.get(Worker, visit.worker_id)
    gig = gigs.find_public(public_id)
    key = (request.form.get("key") or "").strip()[:64]
    if gig is None or not key:
        return _signup_refused(token, _l("This gig is no longer taking sign-ups."))
    try:
        outcome = hires.sign_up_at_kiosk(gig, worker, kiosk_id=kiosk.id, key=key)
        application = outcome.application
        _hold_for_choosing(visit)
        db.session.commit()
    except hires.HireError as err:
        db.session.rollback()
        return _signup_refused(token, err.message)
    except IntegrityError:
        # Two taps raced past the service's own check: the other one made the row.
        db.session.rollback()
        application = db.session.scalar(
            select(Application).where(Application.idempotency_key == key)
        ) or db.session.scalar(
            select(Application).where(
                Application.gig_id == gig.id, Application.worker_id == worker.id
            )
        )
        if application is None:
            return _signup_refused(token, _l("Please reload the page and try again."))
    return _signed_up(kiosk, visit, token, application)


def _signup_refused(token: str, message):
    """A sign-up that cannot be made, in plain words, with the way back to the gigs."""
    return screen("kiosk/screens/_signup_refused.html", token=token, message=message)


def _signed_up(kiosk, visit: KioskVisit, token: str, application: Application):
    """The confirmation with its slip: a dispatch slip (派工单) if taken on, else a receipt."""
    return screen(
        "kiosk/screens/_signed_up.html",
        token=token,
        visit=visit,
        market=kiosk.market,
        **offers.slip(application),
    )


@bp.get("/config.json")
def device_config():
    """Settings the kiosk's scripts need (reader kind, bridge URL, idle time)."""
    cfg = current_app.config
    return {
        "reader": cfg["KIOSK_CARD_READER"],
        "bridgeUrl": cfg["KIOSK_BRIDGE_URL"],
        "simBase": url_for("kiosk.welcome") + "simulator"
        if cfg["KIOSK_CARD_READER"] == "simulated"
        else None,
        "idleSeconds": cfg["KIOSK_IDLE_SECONDS"],
        "cardUrl": url_for("kiosk.card_read"),
        "endUrl": url_for("kiosk.end", token="TOKEN"),  # noqa: S106 - a placeholder, not a secret
    }
