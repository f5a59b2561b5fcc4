"""Employer phone pages: real-name verification, posting gigs, my gigs and their sign-ups.

Every /m/employer/gigs/<public_id>... route answers 404 unless the gig belongs to the signed-in
account's employer (404, not 403: a stranger learns nothing about whether the gig exists).
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

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
from sqlalchemy import select

from webapp import refdata
from webapp.extensions import db
from webapp.identity import DecryptionError, mask_phone
from webapp.models import Document, Employer, Gig, Market
from webapp.models.types import (
    ApplicationStatus,
    GigStatus,
    PayUnit,
    Settlement,
    VerificationStatus,
)
from webapp.screening import Posting, screen
from webapp.services import applications, gigs, identity, phone_auth, uploads, verification
from webapp.views.mobile import bp
from webapp.views.mobile.account import MARKET_KEY, no_store

# -- labels in plain words (shared by the phone pages' templates) ----------------------------------

KIND_LABELS = {
    "enterprise": _l("Company or organisation"),
    "individual": _l("Individual employer"),
    "hr_agency": _l("HR service agency"),
}
KIND_HINTS = {
    "enterprise": _l("Business licence photo, credit code, and the contact person's ID."),
    "individual": _l("Your name and ID number, and a photo of your face or your ID card."),
    "hr_agency": _l("Your 人力资源服务许可证 number, credit code and the contact person's ID."),
}
VERIFICATION_LABELS = {
    "unverified": _l("Not verified"),
    "pending": _l("Waiting for review"),
    "verified": _l("Verified"),
    "rejected": _l("Not approved"),
    "expired": _l("Expired"),
}
GIG_STATUS_LABELS = {
    "draft": _l("Draft"),
    "pending_review": _l("Waiting for staff review"),
    "open": _l("Open"),
    "filled": _l("Full"),
    "closed": _l("Closed"),
    "expired": _l("Expired"),
    "rejected": _l("Not approved"),
}
APPLICATION_LABELS = {
    "proposed": _l("Suggested"),
    "applied": _l("Signed up"),
    "accepted": _l("Accepted"),
    "dispatched": _l("Sent to work"),
    "arrived": _l("Arrived"),
    "completed": _l("Work done"),
    "paid_confirmed": _l("Pay received"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
    "no_show": _l("Did not come"),
}
PAY_UNIT_LABELS = {
    "hour": _l("per hour"),
    "day": _l("per day"),
    "piece": _l("per piece"),
    "month": _l("per month"),
}
SETTLEMENT_LABELS = {
    "daily": _l("Paid every day"),
    "weekly": _l("Paid every week"),
    "on_completion": _l("Paid when the work is done"),
    "monthly": _l("Paid every month"),
}
PROVIDED_LABELS = {
    "provides_meals": _l("Meals"),
    "provides_lodging": _l("Lodging"),
    "provides_transport": _l("Transport"),
    "provides_tools": _l("Tools"),
    "provides_insurance": _l("Accident insurance"),
}
REVISION_LABELS = {
    "created": _l("Draft written"),
    "edited": _l("Changed"),
    "edited after rejection": _l("Changed after it was not approved"),
    "edited; blocked by screening": _l("Changed; must be put right before it can open"),
    "edited; sent to review": _l("Changed; sent to staff review"),
    "publish blocked by screening": _l("Publishing stopped: must be put right"),
    "sent to staff review": _l("Sent to staff review"),
    "published": _l("Published"),
    "closed": _l("Closed"),
    "expired": _l("Expired"),
}
METHOD_LABELS = verification.METHODS

_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")


def _trade_name(code: str | None) -> str:
    """A trade's everyday name (the code itself if unknown)."""
    try:
        return refdata.trade(code).common_name
    except KeyError:
        return code or ""


def _region_name(code: str | None) -> str:
    """A district's name (the code itself if unknown)."""
    try:
        return refdata.region(code).name
    except KeyError:
        return code or ""


def revision_label(reason: str | None) -> str:
    """A revision's reason in plain words (staff decisions keep the staff's own words)."""
    reason = reason or ""
    if reason in REVISION_LABELS:
        return str(REVISION_LABELS[reason])
    for prefix, label in (
        ("approved: ", _l("Approved by staff")),
        ("rejected: ", _l("Not approved by staff")),
    ):
        if reason.startswith(prefix):
            note = reason[len(prefix) :].strip()
            return f"{label}: {note}" if note else str(label)
    return reason


def provided_of(gig: Gig) -> list[str]:
    """What the employer provides (meals, lodging ...), in plain words."""
    return [str(label) for name, label in PROVIDED_LABELS.items() if getattr(gig, name)]


def _skill_name(level: int | None) -> str:
    """A skill level's name (五级/初级工 ...)."""
    try:
        return refdata.skill_level(int(level or 0)).name
    except (KeyError, ValueError):
        return str(level)


@bp.context_processor
def _employer_globals() -> dict:
    """Labels and small lookups for every phone page's template."""
    return {
        "kind_labels": KIND_LABELS,
        "kind_hints": KIND_HINTS,
        "verification_labels": VERIFICATION_LABELS,
        "gig_status_labels": GIG_STATUS_LABELS,
        "application_labels": APPLICATION_LABELS,
        "pay_unit_labels": PAY_UNIT_LABELS,
        "settlement_labels": SETTLEMENT_LABELS,
        "provided_labels": PROVIDED_LABELS,
        "trade_name": _trade_name,
        "region_name": _region_name,
        "revision_label": revision_label,
        "provided_of": provided_of,
        "skill_name": _skill_name,
    }


# -- helpers --------------------------------------------------------------------------------------


def _page(template: str, status: int = 200, **context):
    """Render a phone page with personal data: never cached."""
    return no_store(current_app.make_response((render_template(template, **context), status)))


def _employer_or_none() -> Employer | None:
    """The signed-in account's employer, if it has one yet."""
    return phone_auth.current_account().employer


def _own_gig(public_id: str) -> Gig:
    """The signed-in employer's gig, or 404 (also for someone else's gig)."""
    gig = gigs.find_public(public_id)
    account = phone_auth.current_account()
    if gig is None or account.employer_id is None or gig.employer_id != account.employer_id:
        abort(404)
    return gig


def _session_station() -> Market | None:
    """The active station the user came from (set when they land from a station QR or page)."""
    try:
        market_id = int(session.get(MARKET_KEY) or 0)
    except (TypeError, ValueError):
        return None
    market = db.session.get(Market, market_id) if market_id else None
    return market if market is not None and market.is_active else None


def _upload(name: str):
    """The uploaded file's stream, or None when the field was left empty."""
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        return None
    return storage.stream


def _int_or_none(value: str | None) -> int | None:
    """A form value as an int, or None."""
    try:
        return int(value) if value else None
    except ValueError:
        return None


# -- verification ---------------------------------------------------------------------------------

# The text fields of each kind, in form order, with the service check that owns each.
_TEXT_CHECKS = {
    "enterprise": (
        ("name", verification.check_unit_name),
        ("uscc", verification.check_uscc),
        ("contact_name", lambda v: verification.check_person_name(v, "contact_name")),
        ("contact_id", lambda v: verification.check_id_number(v, "contact_id")),
    ),
    "individual": (
        ("name", verification.check_person_name),
        ("id_number", verification.check_id_number),
    ),
    "hr_agency": (
        ("name", verification.check_unit_name),
        ("uscc", verification.check_uscc),
        ("contact_name", lambda v: verification.check_person_name(v, "contact_name")),
        ("contact_id", lambda v: verification.check_id_number(v, "contact_id")),
    ),
}
# Fields kept when the form comes back with an error (never the files).
_KEPT = (
    "name",
    "uscc",
    "contact_name",
    "contact_id",
    "id_number",
    "licence_number",
    "industry_division",
    "address",
    "proof",
    "market_id",
)


def _verify_form(kind: str, values: dict, errors: dict, status: int = 200):
    """The verification form of one kind, with the station fixed or to choose."""
    station = _session_station()
    choose = request.args.get("station") == "choose" or "market_id" in errors or station is None
    return _page(
        "mobile/employer_verify.html",
        status,
        mode="form",
        kind=kind,
        values=values,
        errors=errors,
        station=None if choose else station,
        stations=verification.station_choices() if choose else [],
        divisions=refdata.divisions(),
    )


def _status_context(employer: Employer | None) -> dict:
    """What the status card shows: the status today, the newest request, the licence photo."""
    latest = verification.latest_request(employer)
    licence = None
    if latest is not None:
        licence = next(
            (d for d in latest.documents if d.purpose == "licence" and d.deleted_at is None), None
        )
    status = verification.effective_status(employer) if employer else None
    return {
        "employer": employer,
        "vstatus": status,
        "latest": latest,
        "licence": licence,
        "reverify_soon": bool(
            employer
            and status == VerificationStatus.VERIFIED
            and verification.reverify_soon(employer)
        ),
        "method_labels": METHOD_LABELS,
    }


@bp.get("/employer/verify")
@phone_auth.login_required
def employer_verify():
    """Real-name verification: my status, the choice of kind, or the form for one kind."""
    employer = _employer_or_none()
    kind = request.args.get("kind")
    pending = verification.pending_request(employer)
    if kind in _TEXT_CHECKS and pending is None:
        values = {"proof": "photo"}
        if employer is not None and employer.kind.value == kind:
            values.update(name=employer.name, contact_name=employer.contact_name or "")
            if employer.uscc:
                values["uscc"] = employer.uscc
            if employer.address:
                values["address"] = employer.address
            if employer.industry_division:
                values["industry_division"] = employer.industry_division
        return _verify_form(kind, values, {})
    if kind in _TEXT_CHECKS:
        flash(_l("Your details are already waiting for review."), "info")
    return _page("mobile/employer_verify.html", mode="status", **_status_context(employer))


@bp.post("/employer/verify")
@phone_auth.login_required
def employer_verify_submit():
    """Check the details and submit them for review; on an error, show it at its field."""
    account = phone_auth.current_account()
    kind = request.form.get("kind", "")
    if kind not in _TEXT_CHECKS:
        abort(400)
    form = request.form
    values = {name: form.get(name, "") for name in _KEPT if name in form}
    errors: dict = {}
    for name, check in _TEXT_CHECKS[kind]:
        try:
            check(form.get(name))
        except verification.VerificationError as exc:
            errors[name] = exc.message
    industry = form.get("industry_division") or None
    if kind == "enterprise" and industry and industry not in {d.code for d in refdata.divisions()}:
        errors["industry_division"] = _l("Please choose the industry from the list.")
    if errors:
        return _verify_form(kind, values, errors, 400)
    market_id = _int_or_none(form.get("market_id"))
    try:
        if kind == "enterprise":
            submitted = verification.submit_enterprise(
                account,
                market_id=market_id,
                name=form.get("name"),
                uscc=form.get("uscc"),
                contact_name=form.get("contact_name"),
                contact_id=form.get("contact_id"),
                licence=_upload("licence"),
                industry_division=industry,
                address=form.get("address"),
            )
        elif kind == "individual":
            submitted = verification.submit_individual(
                account,
                market_id=market_id,
                name=form.get("name"),
                id_number=form.get("id_number"),
                face_photo=_upload("face_photo") if form.get("proof") != "station" else None,
                at_station=form.get("proof") == "station",
            )
        else:
            submitted = verification.submit_agency(
                account,
                market_id=market_id,
                name=form.get("name"),
                uscc=form.get("uscc"),
                licence_number=form.get("licence_number"),
                contact_name=form.get("contact_name"),
                contact_id=form.get("contact_id"),
            )
    except verification.VerificationError as exc:
        db.session.rollback()
        errors[exc.field or "form"] = exc.message
        return _verify_form(kind, values, errors, 400)
    db.session.commit()
    session[MARKET_KEY] = submitted.market_id
    flash(_l("Thank you. Your details were sent for review."), "info")
    return redirect(url_for("mobile.employer_verify"), code=303)


@bp.get("/employer/documents/<public_id>")
@phone_auth.login_required
def employer_document(public_id: str):
    """The owner's own licence photo (staff see it in their review pages); 404 for anyone else."""
    document = None
    if _PUBLIC_ID.fullmatch(public_id):
        document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not verification.document_visible_to(
        document, phone_auth.current_account()
    ):
        abort(404)
    try:
        data = uploads.read_image(document)
    except (FileNotFoundError, DecryptionError):
        abort(404)
    response = current_app.response_class(data, mimetype="image/jpeg")
    response.headers["Content-Disposition"] = "inline"
    return no_store(response)


# -- employer home --------------------------------------------------------------------------------


@bp.get("/employer")
@phone_auth.login_required
def employer_home():
    """My verification status, "post a gig", and my gigs with their status."""
    employer = _employer_or_none()
    return _page(
        "mobile/employer_home.html",
        gigs=gigs.employer_gigs(employer) if employer else [],
        can_publish=verification.is_verified(employer),
        **_status_context(employer),
    )


# -- posting --------------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    """An amount as the form shows it ("200", "25.50")."""
    if value is None:
        return ""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _local_input(moment: datetime | None) -> str:
    """A UTC moment as a datetime-local value in the market's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(gigs.local_zone()).strftime("%Y-%m-%dT%H:%M")


def _values_of(gig: Gig) -> dict[str, str]:
    """A gig's fields as the form shows them."""
    values = {
        "trade_code": gig.trade_code,
        "title": gig.title,
        "description": gig.description or "",
        "headcount": str(gig.headcount),
        "work_address": gig.work_address,
        "area_code": gig.area_code,
        "starts_at": _local_input(gig.starts_at),
        "ends_at": _local_input(gig.ends_at),
        "daily_hours": _money(gig.daily_hours),
        "pay_amount": _money(gig.pay_amount),
        "pay_unit": gig.pay_unit.value,
        "settlement": gig.settlement.value,
        "skill_level_required": str(gig.skill_level_required or 0),
        "certificates_required": "、".join(gig.certificates_required or []),
        "contact_name": gig.contact_name,
        "contact_phone": "",
        "valid_until": gig.valid_until.isoformat() if gig.valid_until else "",
    }
    values.update({name: "1" if getattr(gig, name) else "" for name in gigs.BOOLEANS})
    return values


def _default_values(employer: Employer) -> dict[str, str]:
    """A new posting's form: tomorrow 8:00 to 17:00 at the station's district."""
    tomorrow = gigs.local_today() + timedelta(days=1)
    zone = gigs.local_zone()
    return {
        "headcount": "1",
        "area_code": employer.market.region_code,
        "starts_at": _local_input(datetime.combine(tomorrow, time(8, 0), tzinfo=zone)),
        "ends_at": _local_input(datetime.combine(tomorrow, time(17, 0), tzinfo=zone)),
        "daily_hours": "8",
        "pay_unit": PayUnit.DAY.value,
        "settlement": Settlement.DAILY.value,
        "skill_level_required": "0",
        "contact_name": employer.contact_name or "",
    }


def _posted_values() -> dict[str, str]:
    """The form as posted, with every checkbox answered (an unticked box sends nothing)."""
    values = {name: request.form.get(name, "") for name in gigs.FIELDS if name not in gigs.BOOLEANS}
    values.update({name: "1" if request.form.get(name) else "0" for name in gigs.BOOLEANS})
    return values


def _districts(employer: Employer, current: str | None) -> list:
    """The districts of the station's city (and the current one if it lies elsewhere)."""
    try:
        city = refdata.city_of(employer.market.region_code)
        found = list(refdata.children(city.code)) if city else []
    except KeyError:
        found = []
    if current and current not in {r.code for r in found}:
        with contextlib.suppress(KeyError):
            found.insert(0, refdata.region(current))
    return found


def _gig_form(employer: Employer, values: dict, errors: dict, gig: Gig | None, status: int = 200):
    """The posting form (new or edit) with its choices, values and errors."""
    account = phone_auth.current_account()
    return _page(
        "mobile/gig_form.html",
        status,
        gig=gig,
        values=values,
        errors=errors,
        trades=refdata.trades(),
        districts=_districts(employer, values.get("area_code")),
        skill_levels=refdata.skill_levels(),
        pay_units=[u.value for u in PayUnit],
        settlements=[s.value for s in Settlement],
        my_phone=mask_phone(identity.reveal(account, "phone")),
        gig_phone=mask_phone(identity.reveal(gig, "contact_phone")) if gig else "",
        can_publish=verification.is_verified(employer),
    )


def _require_employer() -> Employer | None:
    """The employer of the account, or None with a note to get verified first."""
    employer = _employer_or_none()
    if employer is None:
        flash(_l("Please tell us who you are first (real-name verification)."), "info")
    return employer


@bp.get("/employer/gigs/new")
@phone_auth.login_required
def gig_new():
    """The posting form (drafting is allowed before verification; publishing is not)."""
    employer = _require_employer()
    if employer is None:
        return redirect(url_for("mobile.employer_verify"))
    return _gig_form(employer, _default_values(employer), {}, None)


@bp.post("/employer/gigs/new")
@phone_auth.login_required
def gig_create():
    """Check the posting, save it as a draft, and show the preview."""
    employer = _require_employer()
    if employer is None:
        return redirect(url_for("mobile.employer_verify"), code=303)
    account = phone_auth.current_account()
    values = _posted_values()
    try:
        parsed = gigs.parse_input(values, employer=employer, account=account)
    except gigs.GigInputError as exc:
        return _gig_form(employer, values, exc.errors, None, 400)
    gig = gigs.create_draft(employer, account, parsed)
    db.session.commit()
    flash(_l("Draft saved. Check the preview, then publish."), "info")
    return redirect(url_for("mobile.gig_manage", public_id=gig.public_id), code=303)


@bp.get("/employer/gigs/<public_id>")
@phone_auth.login_required
def gig_manage(public_id: str):
    """The preview as workers will see it, the screening reasons, revisions and sign-ups."""
    gig = _own_gig(public_id)
    result = screen(Posting.from_gig(gig), today=gigs.local_today())
    signups = applications.of_gig(gig)
    return _page(
        "mobile/gig_manage.html",
        gig=gig,
        employer=gig.employer,
        findings=result.findings,
        decision=result.decision,
        can_publish=verification.is_verified(gig.employer),
        editable=gig.status in gigs.EDITABLE,
        publishable=gig.status in {GigStatus.DRAFT, GigStatus.REJECTED},
        closable=gig.status not in {GigStatus.CLOSED, GigStatus.EXPIRED},
        contact_phone=mask_phone(identity.reveal(gig, "contact_phone")),
        revisions=sorted(gig.revisions, key=lambda r: r.revision, reverse=True),
        signups=signups,
        live_signups=sum(
            1
            for a in signups
            if a.status
            in {ApplicationStatus.APPLIED, ApplicationStatus.ACCEPTED, ApplicationStatus.PROPOSED}
        ),
    )


@bp.get("/employer/gigs/<public_id>/edit")
@phone_auth.login_required
def gig_edit(public_id: str):
    """The posting form filled with the gig (each saved change is a new revision)."""
    gig = _own_gig(public_id)
    if gig.status not in gigs.EDITABLE:
        flash(_l("This posting is closed and can no longer be changed."), "error")
        return redirect(url_for("mobile.gig_manage", public_id=gig.public_id))
    return _gig_form(gig.employer, _values_of(gig), {}, gig)


@bp.post("/employer/gigs/<public_id>/edit")
@phone_auth.login_required
def gig_update(public_id: str):
    """Save the changes as a new revision (an open posting is screened again)."""
    gig = _own_gig(public_id)
    account = phone_auth.current_account()
    values = _posted_values()
    try:
        parsed = gigs.parse_input(values, employer=gig.employer, account=account, current=gig)
        status = gigs.update_gig(gig, parsed, actor_kind="employer", actor_id=account.id)
    except gigs.GigInputError as exc:
        db.session.rollback()
        return _gig_form(gig.employer, values, exc.errors, gig, 400)
    except gigs.GigError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("mobile.gig_manage", public_id=public_id), code=303)
    db.session.commit()
    messages = {
        GigStatus.DRAFT.value: _l("Changes saved."),
        GigStatus.OPEN.value: _l("Changes saved. The posting stays open."),
        GigStatus.PENDING_REVIEW.value: _l(
            "Changes saved. Staff will check the posting before it opens again."
        ),
    }
    flash(messages.get(status, _l("Changes saved.")), "info")
    return redirect(url_for("mobile.gig_manage", public_id=gig.public_id), code=303)


@bp.post("/employer/gigs/<public_id>/publish")
@phone_auth.login_required
def gig_publish(public_id: str):
    """Screen and publish: open, waiting for staff review, or blocked with the reasons."""
    gig = _own_gig(public_id)
    try:
        outcome = gigs.publish(gig, phone_auth.current_account())
    except gigs.GigError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("mobile.gig_manage", public_id=public_id), code=303)
    db.session.commit()
    if outcome.status == GigStatus.OPEN:
        flash(_l("Your posting is open. Workers can find it and sign up now."), "info")
    elif outcome.status == GigStatus.PENDING_REVIEW:
        flash(_l("Staff will check your posting before it opens. The reasons are below."), "info")
    else:
        flash(
            _l("The posting cannot be published as it is. Please change what is shown below."),
            "error",
        )
    return redirect(url_for("mobile.gig_manage", public_id=gig.public_id), code=303)


@bp.post("/employer/gigs/<public_id>/close")
@phone_auth.login_required
def gig_close(public_id: str):
    """Stop taking sign-ups."""
    gig = _own_gig(public_id)
    account = phone_auth.current_account()
    try:
        gigs.close(gig, actor_kind="employer", actor_id=account.id)
    except gigs.GigError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_l("The posting is closed. No one can sign up any more."), "info")
    return redirect(url_for("mobile.gig_manage", public_id=gig.public_id), code=303)
