"""The HR agency registry (人力资源服务机构名录) kept by staff; the public looks it up at /agencies.

Station admins and supervisors add and edit entries; other staff may read. HR-agency employers
are verified against this registry (webapp.services.verification.submit_agency), so every change
is audited with the old and new values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.identity import IdentityError, validate_uscc
from webapp.models import Agency
from webapp.models.types import AgencyStatus, StaffRole
from webapp.services import audit, verification
from webapp.services.gigs import local_today
from webapp.services.scoping import roles_required
from webapp.views.staff import bp

EDITORS = (StaffRole.STATION_ADMIN, StaffRole.SUPERVISOR)
PER_PAGE = 50
FIELDS = (
    "name",
    "uscc",
    "licence_number",
    "issuing_authority",
    "valid_from",
    "valid_until",
    "scope",
    "address",
    "office_phone",
    "region_code",
    "status",
)
STATUS_LABELS = {
    "valid": _l("Valid"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
    "missing": _l("Not in the registry"),
}
_OFFICE_PHONE = re.compile(r"[0-9+()\- ]{7,20}")
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_REGION = re.compile(r"\d{6}")


def _text(value: Any) -> str:
    """Form text with spaces tidied (NFKC, so full-width digits become ASCII)."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


def normalize_licence_number(value: str | None) -> str:
    """A licence number as the registry stores it: no spaces, upper case (as find_agency reads)."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def _date(value: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_agency_form(
    form: Mapping[str, str], current: Agency | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate the registry form: (values, errors by field), every error in plain words."""
    raw = {name: _text(form.get(name)) for name in FIELDS}
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}

    if 4 <= len(raw["name"]) <= 120:
        values["name"] = raw["name"]
    else:
        errors["name"] = _l("Please enter the full name as on the licence (4 to 120 characters).")

    try:
        values["uscc"] = validate_uscc(raw["uscc"])
    except IdentityError as exc:
        errors["uscc"] = exc.message

    number = normalize_licence_number(raw["licence_number"])
    if not 4 <= len(number) <= 40:
        errors["licence_number"] = _l("Please enter the licence number (4 to 40 characters).")
    else:
        taken = db.session.scalar(
            select(Agency.id).where(
                Agency.licence_number == number,
                Agency.id != (current.id if current is not None else -1),
            )
        )
        if taken is not None:
            errors["licence_number"] = _l("This licence number is already in the registry.")
        else:
            values["licence_number"] = number

    if 2 <= len(raw["issuing_authority"]) <= 80:
        values["issuing_authority"] = raw["issuing_authority"]
    else:
        errors["issuing_authority"] = _l("Please enter the authority that issued the licence.")

    valid_from, valid_until = _date(raw["valid_from"]), _date(raw["valid_until"])
    if valid_from is None:
        errors["valid_from"] = _l("Please give the date the licence starts (year-month-day).")
    if valid_until is None:
        errors["valid_until"] = _l("Please give the date the licence ends (year-month-day).")
    elif valid_from is not None and valid_until < valid_from:
        errors["valid_until"] = _l("The end date must not be before the start date.")
    if valid_from is not None and valid_until is not None and "valid_until" not in errors:
        values["valid_from"], values["valid_until"] = valid_from, valid_until

    scope = unicodedata.normalize("NFKC", form.get("scope") or "").strip()
    if len(scope) > 1000:
        errors["scope"] = _l("The scope can have at most 1000 characters.")
    else:
        values["scope"] = scope or None

    if len(raw["address"]) > 200:
        errors["address"] = _l("The address can have at most 200 characters.")
    else:
        values["address"] = raw["address"] or None

    phone = raw["office_phone"]
    if phone and not _OFFICE_PHONE.fullmatch(phone):
        errors["office_phone"] = _l("Please enter the office phone, for example 0371-12345678.")
    elif phone and _MOBILE.fullmatch(re.sub(r"[^0-9+]", "", phone)):
        # The registry is public: a person's mobile number does not belong on it.
        errors["office_phone"] = _l("Please enter the office landline, not a mobile number.")
    else:
        values["office_phone"] = phone or None

    if _REGION.fullmatch(raw["region_code"]):
        values["region_code"] = raw["region_code"]
    else:
        errors["region_code"] = _l("Please enter the 6-digit region code, for example 410105.")

    try:
        values["status"] = AgencyStatus(raw["status"] or "valid")
    except ValueError:
        errors["status"] = _l("Please choose the licence status.")
    return values, errors


def _plain(value: Any) -> Any:
    """A value as it goes into the audit detail."""
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def _form_values(agency: Agency | None) -> dict[str, str]:
    """The form's initial values from an entry (or empty for a new one)."""
    if agency is None:
        return {"status": "valid"}
    return {name: "" if (v := _plain(getattr(agency, name))) is None else str(v) for name in FIELDS}


def _render_form(agency: Agency | None, values, errors, status: int = 200):
    """The add / edit form, with what was typed and the errors beside each field."""
    page = render_template(
        "staff/agency_form.html",
        agency=agency,
        values=values,
        errors=errors,
        statuses=[s.value for s in AgencyStatus],
        status_labels=STATUS_LABELS,
    )
    return page, status


def _agency_or_404(agency_id: int) -> Agency:
    """A registry entry, or 404."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


def _save(agency: Agency | None, values: dict[str, Any]):
    """Write an entry and its audit event; a licence number taken meanwhile is a field error."""
    creating = agency is None
    if creating:
        agency = Agency()
        db.session.add(agency)
        changes = {name: [None, _plain(values[name])] for name in FIELDS}
    else:
        changes = {
            name: [_plain(getattr(agency, name)), _plain(values[name])]
            for name in FIELDS
            if getattr(agency, name) != values[name]
        }
    for name in FIELDS:
        setattr(agency, name, values[name])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        errors = {"licence_number": _l("This licence number is already in the registry.")}
        return None, errors
    if changes:
        audit.record(
            "agency.create" if creating else "agency.update",
            actor_kind="staff",
            actor_id=current_user.id,
            object_kind="agency",
            object_id=agency.id,
            market_id=current_user.market_id,
            detail={"licence_number": agency.licence_number, "changes": changes},
        )
    db.session.commit()
    return agency, {}


@bp.get("/agencies")
@login_required
def agencies():
    """The registry: every entry, searchable by name or licence number, 50 a page."""
    q = _text(request.args.get("q"))[:60]
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    query = select(Agency)
    if q:
        query = query.where(
            or_(
                Agency.licence_number.contains(normalize_licence_number(q), autoescape=True),
                Agency.name.icontains(q, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page, pages)  # no offset past the end (huge numbers overflow on PostgreSQL)
    rows = db.session.scalars(
        query.order_by(Agency.name, Agency.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    today = local_today()
    return render_template(
        "staff/agency_list.html",
        rows=[(a, verification.agency_standing(a, today)) for a in rows],
        q=q,
        page=page,
        pages=pages,
        total=total,
        status_labels=STATUS_LABELS,
        can_edit=current_user.role in EDITORS,
    )


@bp.get("/agencies/new")
@roles_required(*EDITORS)
def agency_new():
    """An empty form for a new registry entry."""
    return _render_form(None, _form_values(None), {})


@bp.post("/agencies")
@roles_required(*EDITORS)
def agency_create():
    """Add an entry to the registry (audited)."""
    values, errors = parse_agency_form(request.form)
    if not errors:
        agency, errors = _save(None, values)
        if agency is not None:
            flash(_l("Added to the registry."), "info")
            return redirect(url_for("staff.agency_detail", agency_id=agency.id))
    return _render_form(None, request.form.to_dict(), errors, 400)


@bp.get("/agencies/<int:agency_id>")
@login_required
def agency_detail(agency_id: int):
    """One registry entry."""
    agency = _agency_or_404(agency_id)
    return render_template(
        "staff/agency_detail.html",
        agency=agency,
        standing=verification.agency_standing(agency, local_today()),
        status_labels=STATUS_LABELS,
        can_edit=current_user.role in EDITORS,
    )


@bp.get("/agencies/<int:agency_id>/edit")
@roles_required(*EDITORS)
def agency_edit(agency_id: int):
    """The form to change an entry."""
    agency = _agency_or_404(agency_id)
    return _render_form(agency, _form_values(agency), {})


@bp.post("/agencies/<int:agency_id>")
@roles_required(*EDITORS)
def agency_update(agency_id: int):
    """Change an entry (audited with the old and new values)."""
    agency = _agency_or_404(agency_id)
    values, errors = parse_agency_form(request.form, current=agency)
    if not errors:
        saved, errors = _save(agency, values)
        if saved is not None:
            flash(_l("Saved."), "info")
            return redirect(url_for("staff.agency_detail", agency_id=agency_id))
        agency = _agency_or_404(agency_id)
    return _render_form(agency, request.form.to_dict(), errors, 400)
