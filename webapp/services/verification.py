"""Real-name verification (实名认证) of employers and phone workers, for 双实名 hire records.

Submissions run automatic checks first (ID checksum and age, USCC, the HR-agency registry), then
go to the configured adapter: staff review is the built-in implementation; an external real-name
service (e.g. the national network identity service) plugs in through `RealNameAdapter`. Staff
decide with a reason the applicant sees; employers re-verify every REVERIFY_MONTHS months. Face
photos are deleted as soon as a decision is made; licence photos stay with the employer's file.
"""

from __future__ import annotations

import calendar
import importlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp import refdata
from webapp.extensions import db
from webapp.identity import IdentityError, mask_id_number, parse_resident_id, validate_uscc
from webapp.models import (
    Agency,
    Document,
    Employer,
    Market,
    PhoneAccount,
    StaffUser,
    VerificationRequest,
    Worker,
)
from webapp.models.base import utcnow
from webapp.models.types import (
    AgencyStatus,
    EmployerKind,
    MarketLevel,
    RequestStatus,
    SubjectKind,
    VerificationStatus,
)
from webapp.services import audit, identity, uploads

PERSON_NAME = re.compile(r"[\u4e00-\u9fff·•]{2,20}|[A-Za-z][A-Za-z .'-]{1,48}[A-Za-z]")
METHODS = {
    "enterprise_licence": _l("Business licence and contact person's ID"),
    "individual_face": _l("ID number and a face photo"),
    "station_card": _l("ID card read at the station"),
    "agency_registry": _l("HR service licence in the agency registry"),
    "kiosk_face": _l("ID card and face at a station kiosk"),
    "staff": _l("ID card checked by station staff"),
}


class VerificationError(ValueError):
    """A submission refused, with the form field at fault and a message fit to show."""

    def __init__(self, code: str, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


# -- adapters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdapterResult:
    """What an adapter says: approve, reject or refer to staff, with its reason and checks."""

    decision: str  # "approve", "reject" or "refer"
    reason: str = ""
    checks: list[dict] = field(default_factory=list)


class RealNameAdapter(Protocol):
    """A real-name service: given the claims of a request, approve, reject or refer it."""

    name: str

    def check(self, request: VerificationRequest, claims: dict[str, str]) -> AdapterResult:
        """Decide or refer (claims: name, id_number, uscc ... as submitted, in clear)."""
        ...


class StaffReviewAdapter:
    """The built-in adapter: every request goes to the staff review queue."""

    name = "staff_review"

    def check(self, request: VerificationRequest, claims: dict[str, str]) -> AdapterResult:
        """Refer to staff."""
        return AdapterResult("refer")


def adapter() -> RealNameAdapter:
    """The configured adapter: "staff_review" or "package.module:Class"."""
    spec = current_app.config.get("REALNAME_ADAPTER") or "staff_review"
    if spec == "staff_review":
        return StaffReviewAdapter()
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise RuntimeError(f"REALNAME_ADAPTER must be staff_review or module:Class, not {spec!r}")
    return getattr(importlib.import_module(module_name), class_name)()


# -- field checks ---------------------------------------------------------------------------------


def _clean(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


def check_person_name(value: str | None, field_name: str = "name") -> str:
    """A person's name as on the ID card, or VerificationError."""
    name = (
        _clean(value).replace(" ", "")
        if re.search(r"[\u4e00-\u9fff]", value or "")
        else _clean(value)
    )
    if not PERSON_NAME.fullmatch(name):
        raise VerificationError(
            "name_invalid", _l("Please enter the name exactly as on the ID card."), field_name
        )
    return name


def check_unit_name(value: str | None) -> str:
    """An enterprise or agency name as on its licence, or VerificationError."""
    name = _clean(value)
    if not 4 <= len(name) <= 120:
        raise VerificationError(
            "unit_name_invalid",
            _l("Please enter the full name as on the business licence."),
            "name",
        )
    return name


def check_id_number(value: str | None, field_name: str = "id_number") -> str:
    """A valid resident ID number of someone at least 16, or VerificationError."""
    try:
        return parse_resident_id(value or "", min_age=current_app.config["MIN_WORKER_AGE"]).number
    except IdentityError as exc:
        raise VerificationError(exc.code, exc.message, field_name) from None


def check_uscc(value: str | None) -> str:
    """A valid unified social credit code, or VerificationError."""
    try:
        return validate_uscc(value or "")
    except IdentityError as exc:
        raise VerificationError(exc.code, exc.message, "uscc") from None


def _station(market_id: int | None) -> Market:
    market = db.session.get(Market, market_id) if market_id else None
    if market is None or not market.is_active:
        raise VerificationError("market_invalid", _l("Please choose your station."), "market_id")
    return market


def _licence_key(value: str) -> str:
    """A licence number compared loosely: NFKC (full-width brackets), no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def find_agency(licence_number: str) -> Agency | None:
    """The registry entry of a licence number (width of brackets, spaces and case ignored)."""
    key = _licence_key(licence_number)
    if not key:
        return None
    exact = db.session.scalar(
        select(Agency).where(Agency.licence_number == "".join((licence_number or "").split()))
    )
    if exact is not None:
        return exact
    # The registry is small (a city's licensed agencies): compare the normalised forms.
    for agency in db.session.scalars(select(Agency)):
        if _licence_key(agency.licence_number) == key:
            return agency
    return None


def agency_standing(agency: Agency | None, on: date | None = None) -> str:
    """valid / missing / expired / suspended / revoked for a registry entry."""
    if agency is None:
        return "missing"
    if agency.status != AgencyStatus.VALID:
        return agency.status.value
    if agency.valid_until < (on or utcnow().date()):
        return "expired"
    return "valid"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# -- status ---------------------------------------------------------------------------------------


def effective_status(subject: Employer | Worker) -> VerificationStatus:
    """The status as it stands today (a verified employer past re-verification is expired)."""
    status = subject.verification_status
    if (
        isinstance(subject, Employer)
        and status == VerificationStatus.VERIFIED
        and subject.reverify_due_on is not None
        and subject.reverify_due_on < utcnow().date()
    ):
        return VerificationStatus.EXPIRED
    return status


def is_verified(subject: Employer | Worker | None) -> bool:
    """True if the subject's real-name status stands today."""
    return subject is not None and effective_status(subject) == VerificationStatus.VERIFIED


def snapshot(subject: Employer | Worker) -> dict:
    """The subject's verification as it stands now, for a hire record (双实名)."""
    return {
        "status": effective_status(subject).value,
        "method": subject.verification_method,
        "verified_at": subject.verified_at.isoformat() if subject.verified_at else None,
        "verified_by": subject.verified_by_id,
    }


def _requests_of(subject: Employer | Worker):
    column = (
        VerificationRequest.employer_id
        if isinstance(subject, Employer)
        else VerificationRequest.worker_id
    )
    return select(VerificationRequest).where(column == subject.id)


def latest_request(subject: Employer | Worker | None) -> VerificationRequest | None:
    """The newest request of an employer or worker."""
    if subject is None or subject.id is None:
        return None
    return db.session.scalar(_requests_of(subject).order_by(VerificationRequest.id.desc()).limit(1))


def pending_request(subject: Employer | Worker | None) -> VerificationRequest | None:
    """The request of this subject waiting for a decision, if any."""
    if subject is None or subject.id is None:
        return None
    return db.session.scalar(
        _requests_of(subject).where(VerificationRequest.status == RequestStatus.PENDING)
    )


def reverify_soon(employer: Employer, days: int = 30) -> bool:
    """True when a verified employer's re-verification falls due within `days`."""
    due = employer.reverify_due_on
    return due is not None and (due - utcnow().date()).days <= days


# -- submissions ----------------------------------------------------------------------------------


def _open_request(
    account: PhoneAccount,
    subject: Employer | Worker,
    method: str,
    market_id: int | None,
    checks: list[dict],
) -> VerificationRequest:
    if pending_request(subject) is not None:
        raise VerificationError(
            "already_pending", _l("Your details are already waiting for review.")
        )
    is_employer = isinstance(subject, Employer)
    request = VerificationRequest(
        subject_kind=SubjectKind.EMPLOYER if is_employer else SubjectKind.WORKER,
        employer_id=subject.id if is_employer else None,
        worker_id=None if is_employer else subject.id,
        method=method,
        market_id=market_id,
        submitted_by_id=account.id,
        checks=checks,
    )
    db.session.add(request)
    if not is_verified(subject):
        # A verified subject keeps its standing while a re-verification (or, for a worker, a
        # claim from another phone) waits: a pending request must not stop anyone working.
        subject.verification_status = VerificationStatus.PENDING
    db.session.flush()
    return request


def _attach(request: VerificationRequest, stream, purpose: str, account: PhoneAccount) -> None:
    """Store an uploaded image for the request; a bad upload is an error at its form field."""
    field_name = "licence" if purpose == "licence" else "face_photo"
    try:
        document = uploads.save_image(stream, purpose, owner_account_id=account.id)
    except uploads.UploadError as exc:
        raise VerificationError(exc.code, exc.message, field_name) from None
    document.request_id = request.id


def _run_adapter(request: VerificationRequest, claims: dict[str, str]) -> VerificationRequest:
    """Let the configured adapter decide or refer; record what it said."""
    chosen = adapter()
    request.adapter = chosen.name
    result = chosen.check(request, claims)
    request.checks = [*request.checks, *result.checks]
    if result.decision in {"approve", "reject"}:
        _apply(request, None, approve=result.decision == "approve", reason=result.reason)
    return request


def _employer_for(account: PhoneAccount, kind: EmployerKind, market: Market) -> Employer:
    """The account's employer (made on first submission); a verified one cannot change kind."""
    employer = account.employer
    if employer is None:
        employer = Employer(kind=kind, name="", contact_name="", market_id=market.id)
        db.session.add(employer)
        db.session.flush()
        account.employer = employer
        identity.store(employer, "contact_phone", identity.reveal(account, "phone"))
    elif employer.kind != kind and employer.verification_status == VerificationStatus.VERIFIED:
        raise VerificationError(
            "kind_locked", _l("A verified employer cannot change its type. Please ask staff.")
        )
    if pending_request(employer) is not None:
        raise VerificationError(
            "already_pending", _l("Your details are already waiting for review.")
        )
    employer.kind = kind
    employer.market_id = market.id
    return employer


def _identity_of(employer: Employer) -> tuple:
    """What a verification vouches for: who the employer is and who acts for it."""
    return (employer.kind, employer.name, employer.uscc, employer.contact_id_index)


def _hold_if_changed(employer: Employer, before: tuple) -> None:
    """A verified employer whose identity changes is no longer verified until staff decide."""
    if _identity_of(employer) != before and employer.verified_at is not None:
        employer.verification_status = VerificationStatus.PENDING


def _uscc_checks(uscc: str, employer: Employer) -> list[dict]:
    checks = [{"check": "uscc_format", "ok": True}]
    other = db.session.scalar(
        select(Employer.id).where(Employer.uscc == uscc, Employer.id != employer.id).limit(1)
    )
    if other is not None:
        checks.append(
            {"check": "uscc_unique", "ok": False, "note": "registered by another account"}
        )
    return checks


def submit_enterprise(
    account: PhoneAccount,
    *,
    market_id: int | None,
    name: str,
    uscc: str,
    contact_name: str,
    contact_id: str,
    licence,
    industry_division: str | None = None,
    address: str | None = None,
) -> VerificationRequest:
    """An enterprise: USCC, licence photo, and the contact person's name and ID number."""
    market = _station(market_id)
    name, uscc = check_unit_name(name), check_uscc(uscc)
    contact_name = check_person_name(contact_name, "contact_name")
    contact_id = check_id_number(contact_id, "contact_id")
    if licence is None:
        raise VerificationError(
            "licence_missing", _l("Please add a photo of the business licence."), "licence"
        )
    employer = _employer_for(account, EmployerKind.ENTERPRISE, market)
    before = _identity_of(employer)
    employer.name, employer.uscc, employer.contact_name = name, uscc, contact_name
    if industry_division:
        try:
            division = refdata.industry(industry_division)
        except KeyError:
            raise VerificationError(
                "industry_invalid",
                _l("Please choose the industry from the list."),
                "industry_division",
            ) from None
        if division.level != "division":
            raise VerificationError(
                "industry_invalid",
                _l("Please choose the industry from the list."),
                "industry_division",
            )
        employer.industry_division, employer.industry_section = division.code, division.parent
    employer.address = _clean(address)[:200] or employer.address
    identity.store(employer, "contact_id", contact_id)
    checks = [*_uscc_checks(uscc, employer), {"check": "contact_id_format", "ok": True}]
    request = _open_request(account, employer, "enterprise_licence", market.id, checks)
    _hold_if_changed(employer, before)
    _attach(request, licence, "licence", account)
    return _run_adapter(
        request, {"name": name, "uscc": uscc, "contact_name": contact_name, "id_number": contact_id}
    )


def submit_individual(
    account: PhoneAccount,
    *,
    market_id: int | None,
    name: str,
    id_number: str,
    face_photo=None,
    at_station: bool = False,
) -> VerificationRequest:
    """An individual employer: name and ID number, then a face photo or the card at the station."""
    market = _station(market_id)
    name, id_number = check_person_name(name), check_id_number(id_number)
    if face_photo is None and not at_station:
        raise VerificationError(
            "face_missing",
            _l("Please take a photo of your face, or choose to show your ID card at the station."),
            "face_photo",
        )
    employer = _employer_for(account, EmployerKind.INDIVIDUAL, market)
    before = _identity_of(employer)
    employer.name = employer.contact_name = name
    employer.uscc = None
    identity.store(employer, "contact_id", id_number)
    method = "station_card" if at_station else "individual_face"
    request = _open_request(
        account, employer, method, market.id, [{"check": "id_format", "ok": True}]
    )
    _hold_if_changed(employer, before)
    if not at_station:
        _attach(request, face_photo, "face_photo", account)
    return _run_adapter(request, {"name": name, "id_number": id_number})


def submit_agency(
    account: PhoneAccount,
    *,
    market_id: int | None,
    name: str,
    uscc: str,
    licence_number: str,
    contact_name: str,
    contact_id: str,
) -> VerificationRequest:
    """An HR agency: its 人力资源服务许可证 must be in the registry, valid, and match the USCC."""
    market = _station(market_id)
    name, uscc = check_unit_name(name), check_uscc(uscc)
    contact_name = check_person_name(contact_name, "contact_name")
    contact_id = check_id_number(contact_id, "contact_id")
    agency = find_agency(licence_number)
    standing = agency_standing(agency)
    if standing != "valid":
        messages = {
            "missing": _l("This licence number is not in the agency registry. Please check it."),
            "expired": _l("This HR service licence has expired."),
        }
        raise VerificationError(
            f"agency_{standing}",
            messages.get(standing, _l("This HR service licence is not valid at present.")),
            "licence_number",
        )
    if agency.uscc != uscc:
        raise VerificationError(
            "agency_uscc_mismatch",
            _l("The credit code does not match the one registered for this licence."),
            "uscc",
        )
    employer = _employer_for(account, EmployerKind.HR_AGENCY, market)
    before = _identity_of(employer)
    employer.name, employer.uscc, employer.contact_name = name, uscc, contact_name
    employer.agency_id = agency.id
    identity.store(employer, "contact_id", contact_id)
    checks = [
        *_uscc_checks(uscc, employer),
        {"check": "agency_registry", "ok": True, "note": agency.licence_number},
        {"check": "agency_name", "ok": _clean(agency.name) == name},
    ]
    request = _open_request(account, employer, "agency_registry", market.id, checks)
    _hold_if_changed(employer, before)
    return _run_adapter(request, {"name": name, "uscc": uscc, "id_number": contact_id})


def submit_worker(
    account: PhoneAccount,
    *,
    market_id: int | None,
    name: str,
    id_number: str,
    face_photo=None,
    at_station: bool = False,
) -> VerificationRequest:
    """A worker on a phone: name and ID number, then a face photo or the card at the station.

    A number already registered (at a kiosk) for someone else's phone is not linked until staff
    approve: typing somebody's ID number must never hand over their record.
    """
    market = _station(market_id)
    name, id_number = check_person_name(name), check_id_number(id_number)
    if face_photo is None and not at_station:
        raise VerificationError(
            "face_missing",
            _l("Please take a photo of your face, or choose to show your ID card at the station."),
            "face_photo",
        )
    if account.worker is not None and is_verified(account.worker):
        raise VerificationError("already_verified", _l("You are already verified."))
    existing = identity.find_worker_by_id_number(id_number)
    checks: list[dict] = [{"check": "id_format", "ok": True}]
    if existing is not None:
        linked = db.session.scalar(
            select(PhoneAccount.id).where(
                PhoneAccount.worker_id == existing.id, PhoneAccount.id != account.id
            )
        )
        if linked is not None:
            raise VerificationError(
                "id_taken",
                _l("This ID number is registered with another phone. Please ask station staff."),
                "id_number",
            )
        checks.append({"check": "name_matches_record", "ok": existing.name == name})
        worker = existing
    else:
        if account.worker is not None:  # an earlier, unverified submission with another number
            worker = account.worker
        else:
            worker = Worker(
                name=name,
                id_number_index="",
                birth_date=date.min,
                sex="M",
                hukou_region="000000",
                registered_market_id=market.id,
            )
        rid = parse_resident_id(id_number, min_age=0)
        worker.name, worker.birth_date, worker.sex = name, rid.birth_date, rid.sex
        worker.hukou_region = rid.region_code
        identity.store(worker, "id_number", id_number)
        phone = identity.reveal(account, "phone")
        if worker.phone_enc is None and identity.find_worker_by_phone(phone) is None:
            identity.store(worker, "phone", phone)
        account.worker = worker
    method = "station_card" if at_station else "individual_face"
    request = _open_request(account, worker, method, market.id, checks)
    if not at_station:
        _attach(request, face_photo, "face_photo", account)
    return _run_adapter(request, {"name": name, "id_number": id_number})


# -- decisions ------------------------------------------------------------------------------------


def _apply(
    request: VerificationRequest, staff: StaffUser | None, *, approve: bool, reason: str
) -> None:
    now = utcnow()
    subject = request.employer or request.worker
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_at, request.decided_by_id, request.reason = now, staff and staff.id, reason
    if approve:
        subject.verification_status = VerificationStatus.VERIFIED
        subject.verification_method = request.method
        subject.verified_at, subject.verified_by_id = now, staff and staff.id
        if isinstance(subject, Employer):
            months = current_app.config["REVERIFY_MONTHS"]
            subject.reverify_due_on = add_months(now.date(), months)
            subject.verification_note = reason or None
        elif request.submitted_by_id is not None:
            account = db.session.get(PhoneAccount, request.submitted_by_id)
            if account is not None and account.worker_id is None:
                account.worker = subject
    elif isinstance(subject, Employer):
        subject.verification_status = VerificationStatus.REJECTED
        subject.verification_note = reason
    elif not is_verified(subject):
        # A rejected claim on a worker verified at a kiosk leaves that worker as they were.
        subject.verification_status = VerificationStatus.REJECTED
    for document in request.documents:
        if document.purpose == "face_photo" and document.deleted_at is None:
            uploads.delete_image(document)  # the face photo served its one purpose
    audit.record(
        "verification.approve" if approve else "verification.reject",
        actor_kind="staff" if staff else "system",
        actor_id=staff and staff.id,
        object_kind=request.subject_kind.value,
        object_id=subject.public_id,
        market_id=request.market_id,
        detail={"request": request.public_id, "method": request.method, "reason": reason},
    )


def decide(request: VerificationRequest, staff: StaffUser, *, approve: bool, reason: str) -> None:
    """Staff approve or reject a pending request; a rejection needs a reason the applicant sees."""
    if request.status != RequestStatus.PENDING:
        raise VerificationError("not_pending", _l("This request has already been decided."))
    reason = _clean(reason)[:500]
    if not approve and not reason:
        raise VerificationError(
            "reason_missing", _l("Please say why, so the applicant can put it right."), "reason"
        )
    if approve and request.method == "station_card":
        raise VerificationError(
            "card_needed", _l("Read the applicant's ID card to approve this request."), "id_number"
        )
    _apply(request, staff, approve=approve, reason=reason)


def confirm_with_card(request: VerificationRequest, staff: StaffUser, id_number: str) -> None:
    """Approve a station_card request when the card read (or typed) at the window matches."""
    if request.status != RequestStatus.PENDING:
        raise VerificationError("not_pending", _l("This request has already been decided."))
    number = check_id_number(id_number)
    subject = request.employer or request.worker
    name = "contact_id" if isinstance(subject, Employer) else "id_number"
    if identity.reveal(subject, name) != number:
        raise VerificationError(
            "card_mismatch",
            _l("The card does not match the ID number given on the phone."),
            "id_number",
        )
    _apply(request, staff, approve=True, reason=str(_l("ID card checked at the station.")))


def claims_for_staff(request: VerificationRequest) -> dict[str, str]:
    """What staff see of a request: names and masked numbers (full numbers only on purpose)."""
    subject = request.employer or request.worker
    if isinstance(subject, Employer):
        number = identity.reveal(subject, "contact_id")
        return {
            "kind": subject.kind.value,
            "name": subject.name,
            "uscc": subject.uscc or "",
            "contact_name": subject.contact_name,
            "contact_id": mask_id_number(number) if number else "",
            "agency_licence": subject.agency.licence_number if subject.agency else "",
        }
    number = identity.reveal(subject, "id_number")
    return {"kind": "worker", "name": subject.name, "id_number": mask_id_number(number)}


def document_visible_to(document: Document, account: PhoneAccount | None) -> bool:
    """A document's owner may see it (staff are checked by market scope in their views)."""
    return account is not None and document.owner_account_id == account.id


def station_choices() -> list[Market]:
    """Active stations in region order: the station lists and the "which station" field."""
    return list(
        db.session.scalars(
            select(Market)
            .where(Market.level == MarketLevel.STATION, Market.is_active.is_(True))
            .order_by(Market.region_code, Market.id)
        )
    )
