"""Staff review queue (审核): real-name verification requests and postings sent to review.

Station staff and station admins decide; supervisors and auditors may read but not decide.
Everything is limited to the markets under the staff member's own market (anything else is a
404, so nobody learns it exists). Every decision, every full ID number shown and every uploaded
image viewed goes to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from webapp import refdata
from webapp.extensions import db
from webapp.identity import mask_name, mask_phone
from webapp.models import (
    Document,
    Employer,
    Gig,
    GigRevision,
    Market,
    StaffUser,
    VerificationRequest,
)
from webapp.models.types import GigStatus, RequestStatus, StaffRole
from webapp.services import audit, gigs, identity, uploads, verification
from webapp.services.scoping import roles_required, visible_market_ids
from webapp.templating import is_htmx, local_time, yuan
from webapp.views.staff import bp

# Who may decide, show a full ID number or open an uploaded photo: the people at the station.
REVIEWERS = (StaffRole.STATION_STAFF, StaffRole.STATION_ADMIN)
QUEUE_LIMIT = 200
BLOCKED_LIMIT = 30
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")

KIND_LABELS = {
    "enterprise": _l("Enterprise"),
    "individual": _l("Individual employer"),
    "hr_agency": _l("HR agency"),
    "worker": _l("Worker"),
}
REQUEST_STATUS_LABELS = {
    "pending": _l("Waiting for review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
DOCUMENT_LABELS = {"licence": _l("Business licence photo"), "face_photo": _l("Face photo")}
# check code -> (label when it passed, label when it failed)
CHECK_LABELS = {
    "uscc_format": (_l("Credit code is well formed"), _l("Credit code is not well formed")),
    "uscc_unique": (
        _l("Credit code not used by another account"),
        _l("Credit code already registered by another account"),
    ),
    "contact_id_format": (
        _l("Contact person's ID number is valid"),
        _l("Contact person's ID number is not valid"),
    ),
    "id_format": (_l("ID number is valid"), _l("ID number is not valid")),
    "agency_registry": (
        _l("Licence found in the agency registry"),
        _l("Licence not found in the agency registry"),
    ),
    "agency_name": (
        _l("Name matches the agency registry"),
        _l("Name differs from the agency registry"),
    ),
    "name_matches_record": (
        _l("Name matches the kiosk record of this ID number"),
        _l("Name does not match the kiosk record of this ID number"),
    ),
}
FIELD_LABELS = {
    "trade_code": _l("Trade"),
    "title": _l("Title"),
    "description": _l("Description"),
    "headcount": _l("Headcount"),
    "work_address": _l("Work address"),
    "area_code": _l("District"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "daily_hours": _l("Hours a day"),
    "pay_amount": _l("Pay"),
    "pay_unit": _l("Pay per"),
    "settlement": _l("Settlement"),
    "provides_meals": _l("Meals provided"),
    "provides_lodging": _l("Lodging provided"),
    "provides_transport": _l("Transport provided"),
    "provides_tools": _l("Tools provided"),
    "provides_insurance": _l("Insurance provided"),
    "skill_level_required": _l("Skill level required"),
    "certificates_required": _l("Certificates required"),
    "heavy_or_hazardous": _l("Heavy or hazardous work"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact mobile"),
    "valid_until": _l("Last day to sign up"),
    "status": _l("Status"),
    "screening": _l("Screening findings"),
}
ACTOR_LABELS = {"employer": _l("Employer"), "staff": _l("Staff"), "system": _l("System")}


# -- the revision diff (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two revision snapshots."""

    field: str
    before: Any
    after: Any


def _comparable(name: str, value: Any) -> Any:
    """Screening findings compare by their rule codes; everything else as stored."""
    if name == "screening":
        return sorted(str(f.get("code", "")) for f in (value or []) if isinstance(f, Mapping))
    return value


def snapshot_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields that changed from one GigRevision snapshot to the next, in the form's order.

    A field missing on one side counts as None; screening findings are compared by rule code.
    With no earlier snapshot (the first revision) there is nothing to compare: an empty list.
    """
    if before is None:
        return []
    order = [*gigs.FIELDS, "status", "screening"]
    names = order + sorted((set(before) | set(after)) - set(order))
    changes = []
    for name in names:
        if name not in before and name not in after:
            continue
        old = _comparable(name, before.get(name))
        new = _comparable(name, after.get(name))
        if old != new:
            changes.append(FieldChange(name, old, new))
    return changes


# -- helpers --------------------------------------------------------------------------------------


def _is_reviewer() -> bool:
    """Whether the signed-in staff member may decide and see full identities."""
    return current_user.role in REVIEWERS


def _fragment_or_page(page: str, fragment: str, **context):
    """The fragment alone for htmx, else the page around it."""
    return render_template(fragment if is_htmx() else page, **context)


def _by_public_id(model, public_id: str):
    """A row by public id, or 404 for anything that is not one."""
    if not _PUBLIC_ID.fullmatch(public_id or ""):
        abort(404)
    row = db.session.scalar(select(model).where(model.public_id == public_id))
    if row is None:
        abort(404)
    return row


def _request_in_scope(public_id: str) -> VerificationRequest:
    """A verification request of a market the staff member may see; 404 otherwise."""
    req = _by_public_id(VerificationRequest, public_id)
    if req.market_id is None or req.market_id not in visible_market_ids(current_user):
        abort(404)
    return req


def _gig_in_scope(public_id: str) -> Gig:
    """A gig of a market the staff member may see; 404 otherwise."""
    gig = _by_public_id(Gig, public_id)
    if gig.market_id not in visible_market_ids(current_user):
        abort(404)
    return gig


def check_rows(checks: list | None) -> list[dict]:
    """The automatic checks as labelled rows, failed ones first."""
    rows = []
    for check in checks or []:
        if not isinstance(check, Mapping):
            continue
        code, ok = str(check.get("check", "")), bool(check.get("ok"))
        labels = CHECK_LABELS.get(code)
        note = check.get("note") if labels is None or code == "agency_registry" else None
        rows.append(
            {
                "code": code,
                "ok": ok,
                "label": labels[0 if ok else 1] if labels else code,
                "note": note,
            }
        )
    return sorted(rows, key=lambda row: row["ok"])


def _subject_name(req: VerificationRequest) -> str:
    """Enterprise names in full; a person's name masked in lists."""
    if req.employer is not None and req.employer.kind.value != "individual":
        return req.employer.name
    subject = req.employer or req.worker
    return mask_name(subject.name)


def _kind(req: VerificationRequest) -> str:
    """enterprise / individual / hr_agency / worker."""
    return req.employer.kind.value if req.employer is not None else "worker"


def _staff_names(ids) -> dict[int, str]:
    """Display names of staff members by id."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))
        ).all()
    )


def _market_names(ids) -> dict[int, str]:
    """Market names by id."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Market.id, Market.name).where(Market.id.in_(ids))).all())


# -- verification requests ------------------------------------------------------------------------


def _pending_requests() -> list[VerificationRequest]:
    """Pending requests of the visible markets, oldest first."""
    return list(
        db.session.scalars(
            select(VerificationRequest)
            .where(
                VerificationRequest.status == RequestStatus.PENDING,
                VerificationRequest.market_id.in_(visible_market_ids(current_user)),
            )
            .order_by(VerificationRequest.created_at, VerificationRequest.id)
            .limit(QUEUE_LIMIT)
        )
    )


@bp.get("/review/verifications")
@login_required
def review_verifications():
    """Real-name requests waiting for a decision (refreshes itself)."""
    items = [
        {
            "req": req,
            "kind": _kind(req),
            "name": _subject_name(req),
            "failed": [row for row in check_rows(req.checks) if not row["ok"]],
        }
        for req in _pending_requests()
    ]
    return _fragment_or_page(
        "staff/review_verifications.html",
        "staff/review_verifications_rows.html",
        items=items,
        methods=verification.METHODS,
        kind_labels=KIND_LABELS,
        market_names=_market_names({i["req"].market_id for i in items}),
        limit=QUEUE_LIMIT,
    )


def _render_request(
    req: VerificationRequest,
    *,
    status: int = 200,
    errors: Mapping[str, Any] | None = None,
    values: Mapping[str, str] | None = None,
    revealed: str | None = None,
):
    """The request's page: claims (masked), checks, photos, history and the decision forms."""
    subject = req.employer or req.worker
    column = (
        VerificationRequest.employer_id
        if isinstance(subject, Employer)
        else VerificationRequest.worker_id
    )
    history = list(
        db.session.scalars(
            select(VerificationRequest)
            .where(column == subject.id, VerificationRequest.id != req.id)
            .order_by(VerificationRequest.id.desc())
        )
    )
    deciders = _staff_names([req.decided_by_id, *(h.decided_by_id for h in history)])
    reviewer = _is_reviewer()
    body = render_template(
        "staff/review_verification.html",
        req=req,
        subject=subject,
        kind=_kind(req),
        claims=verification.claims_for_staff(req),
        checks=check_rows(req.checks),
        documents=req.documents,
        history=history,
        deciders=deciders,
        methods=verification.METHODS,
        kind_labels=KIND_LABELS,
        status_labels=REQUEST_STATUS_LABELS,
        document_labels=DOCUMENT_LABELS,
        pending=req.status == RequestStatus.PENDING,
        can_decide=reviewer and req.status == RequestStatus.PENDING,
        can_reveal=reviewer,
        can_view_documents=reviewer,
        errors=errors or {},
        values=values or {},
        revealed=revealed,
    )
    return body, status


@bp.get("/review/verifications/<public_id>")
@login_required
def review_verification(public_id: str):
    """One request: masked claims, automatic checks, photos, earlier requests, decision forms."""
    return _render_request(_request_in_scope(public_id))


@bp.post("/review/verifications/<public_id>/reveal")
@roles_required(*REVIEWERS)
def review_verification_reveal(public_id: str):
    """Show the full ID number once, for a stated reason; the view is audited."""
    req = _request_in_scope(public_id)
    reason = " ".join((request.form.get("reason") or "").split())
    if not reason:
        return _render_request(
            req, status=400, errors={"reveal_reason": _l("Say why you need the full number.")}
        )
    subject = req.employer or req.worker
    field = "contact_id" if isinstance(subject, Employer) else "id_number"
    audit.record(
        "view_identity",
        actor_kind="staff",
        actor_id=current_user.id,
        object_kind=req.subject_kind.value,
        object_id=subject.public_id,
        market_id=req.market_id,
        detail={"reason": reason[:200], "fields": [field], "request": req.public_id},
    )
    db.session.commit()
    return _render_request(req, revealed=identity.reveal(subject, field) or "")


@bp.post("/review/verifications/<public_id>/decide")
@roles_required(*REVIEWERS)
def review_verification_decide(public_id: str):
    """Approve, or reject with a reason the applicant will see."""
    req = _request_in_scope(public_id)
    decision = request.form.get("decision")
    reason = request.form.get("reason") or ""
    if decision not in {"approve", "reject"}:
        abort(400)
    try:
        verification.decide(req, current_user, approve=decision == "approve", reason=reason)
    except verification.VerificationError as exc:
        db.session.rollback()
        if exc.code == "not_pending":
            flash(exc.message, "info")
            return redirect(url_for("staff.review_verification", public_id=public_id))
        return _render_request(
            req, status=400, errors={exc.field or "reason": exc.message}, values={"reason": reason}
        )
    db.session.commit()
    flash(_l("Approved.") if decision == "approve" else _l("Rejected."), "info")
    return redirect(url_for("staff.review_verification", public_id=public_id))


@bp.post("/review/verifications/<public_id>/card")
@roles_required(*REVIEWERS)
def review_verification_card(public_id: str):
    """Approve a 'card at the station' request when the card read or typed here matches."""
    req = _request_in_scope(public_id)
    if req.method != "station_card":
        abort(404)
    try:
        verification.confirm_with_card(req, current_user, request.form.get("id_number") or "")
    except verification.VerificationError as exc:
        db.session.rollback()
        if exc.code == "not_pending":
            flash(exc.message, "info")
            return redirect(url_for("staff.review_verification", public_id=public_id))
        # The typed number is not echoed back: a full ID number never goes into a page unasked.
        return _render_request(req, status=400, errors={"id_number": exc.message})
    db.session.commit()
    flash(_l("ID card matches. Approved."), "info")
    return redirect(url_for("staff.review_verification", public_id=public_id))


@bp.get("/review/documents/<public_id>")
@roles_required(*REVIEWERS)
def review_document(public_id: str):
    """An uploaded licence or face photo of a request in scope; every view is audited."""
    document = _by_public_id(Document, public_id)
    req = document.request
    if req is None or req.market_id is None:
        abort(404)
    if req.market_id not in visible_market_ids(current_user) or document.deleted_at is not None:
        abort(404)
    try:
        data = uploads.read_image(document)
    except FileNotFoundError:
        abort(404)
    audit.record(
        "view_document",
        actor_kind="staff",
        actor_id=current_user.id,
        object_kind="document",
        object_id=document.public_id,
        market_id=req.market_id,
        detail={"purpose": document.purpose, "request": req.public_id},
    )
    db.session.commit()
    response = Response(data, mimetype=document.content_type)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


# -- postings -------------------------------------------------------------------------------------


@bp.get("/review/gigs")
@login_required
def review_gigs():
    """Postings sent to staff review, oldest first, and recently blocked drafts (read-only)."""
    ids = visible_market_ids(current_user)
    pending = list(
        db.session.scalars(
            select(Gig)
            .where(Gig.status == GigStatus.PENDING_REVIEW, Gig.market_id.in_(ids))
            .order_by(Gig.created_at, Gig.id)
            .limit(QUEUE_LIMIT)
        )
    )
    last_change = (
        select(GigRevision.gig_id, func.max(GigRevision.created_at).label("at"))
        .group_by(GigRevision.gig_id)
        .subquery()
    )
    blocked = db.session.execute(
        select(Gig, last_change.c.at)
        .join(last_change, last_change.c.gig_id == Gig.id)
        .where(
            Gig.status == GigStatus.DRAFT,
            Gig.screening_decision == "block",
            Gig.market_id.in_(ids),
        )
        .order_by(last_change.c.at.desc(), Gig.id.desc())
        .limit(BLOCKED_LIMIT)
    ).all()
    return _fragment_or_page(
        "staff/review_gigs.html",
        "staff/review_gigs_rows.html",
        pending=pending,
        blocked=blocked,
        limit=QUEUE_LIMIT,
    )


def _display(name: str, value: Any) -> str:
    """A snapshot value as plain text for the diff table."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if name == "pay_amount":
        try:
            return yuan(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if name in {"starts_at", "ends_at"}:
        try:
            return local_time(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if name == "trade_code":
        try:
            return f"{refdata.trade(value).name} ({value})"
        except KeyError:
            return str(value)
    return str(value)


def _revision_rows(gig: Gig) -> list[dict]:
    """Each revision with who made it, why, and what changed from the one before."""
    staff = _staff_names(r.actor_id for r in gig.revisions if r.actor_kind == "staff")
    rows, previous = [], None
    for rev in gig.revisions:
        changes = [
            {
                "label": FIELD_LABELS.get(c.field, c.field),
                "before": _display(c.field, c.before),
                "after": _display(c.field, c.after),
            }
            for c in snapshot_diff(previous, rev.snapshot or {})
        ]
        actor = ACTOR_LABELS.get(rev.actor_kind, rev.actor_kind)
        if rev.actor_kind == "staff" and rev.actor_id in staff:
            actor = f"{actor} · {staff[rev.actor_id]}"
        rows.append({"rev": rev, "actor": actor, "changes": changes})
        previous = rev.snapshot or {}
    return rows[::-1]  # newest first


def _render_gig(gig: Gig, *, status: int = 200, error=None, reason: str = ""):
    """A posting's page: fields, screening findings, revisions with diffs, the decision form."""
    try:
        trade = refdata.trade(gig.trade_code).name
    except KeyError:
        trade = gig.trade_code
    body = render_template(
        "staff/review_gig.html",
        gig=gig,
        trade=trade,
        contact_phone=mask_phone(identity.reveal(gig, "contact_phone") or ""),
        revisions=_revision_rows(gig),
        employer_status=verification.effective_status(gig.employer).value,
        kind_labels=KIND_LABELS,
        can_decide=_is_reviewer() and gig.status == GigStatus.PENDING_REVIEW,
        error=error,
        reason=reason,
    )
    return body, status


@bp.get("/review/gigs/<public_id>")
@login_required
def review_gig(public_id: str):
    """One posting in scope with its findings and revision history."""
    return _render_gig(_gig_in_scope(public_id))


@bp.post("/review/gigs/<public_id>/decide")
@roles_required(*REVIEWERS)
def review_gig_decide(public_id: str):
    """Open the posting, or reject it with a reason the employer will see."""
    gig = _gig_in_scope(public_id)
    decision = request.form.get("decision")
    reason = request.form.get("reason") or ""
    if decision not in {"approve", "reject"}:
        abort(400)
    try:
        gigs.review(gig, current_user, approve=decision == "approve", reason=reason)
    except gigs.GigError as exc:
        db.session.rollback()
        if exc.code == "not_pending":
            flash(exc.message, "info")
            return redirect(url_for("staff.review_gig", public_id=public_id))
        return _render_gig(gig, status=400, error=exc.message, reason=reason)
    db.session.commit()
    flash(_l("Posting opened.") if decision == "approve" else _l("Posting rejected."), "info")
    return redirect(url_for("staff.review_gig", public_id=public_id))
