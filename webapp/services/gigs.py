"""Gig postings (用工需求): the standard fields, screening, publishing, review, revisions, expiry.

The standard fields follow 豫人社规〔2024〕2号 item 八: employer identity, trade and headcount,
place and duration, pay and settlement, hiring time and contact, plus a validity end. Every change,
status changes included, writes an immutable GigRevision. Publishing screens the posting
(webapp/screening): "block" keeps it a draft with the reasons shown, "review" sends it to staff,
"pass" opens it, and only a verified employer may publish.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from webapp import refdata
from webapp.extensions import db
from webapp.identity import IdentityError, mask_phone, normalize_mobile
from webapp.models import Employer, Gig, GigRevision, Market, PhoneAccount, StaffUser
from webapp.models.base import utcnow
from webapp.models.types import GigChannel, GigStatus, PayUnit, Settlement
from webapp.screening import Posting, screen
from webapp.services import audit, identity, verification

MAX_HEADCOUNT = 500
MAX_VALIDITY_DAYS = 60
MAX_START_AHEAD_DAYS = 90
MAX_DURATION_DAYS = 180
MAX_PAY = Decimal("100000")
EDITABLE = {GigStatus.DRAFT, GigStatus.PENDING_REVIEW, GigStatus.OPEN, GigStatus.REJECTED}
FIELDS = (
    "trade_code",
    "title",
    "description",
    "headcount",
    "work_address",
    "area_code",
    "starts_at",
    "ends_at",
    "daily_hours",
    "pay_amount",
    "pay_unit",
    "settlement",
    "provides_meals",
    "provides_lodging",
    "provides_transport",
    "provides_tools",
    "provides_insurance",
    "skill_level_required",
    "certificates_required",
    "heavy_or_hazardous",
    "auto_accept",
    "contact_name",
    "contact_phone",
    "valid_until",
)
BOOLEANS = (
    "provides_meals",
    "provides_lodging",
    "provides_transport",
    "provides_tools",
    "provides_insurance",
    "heavy_or_hazardous",
    "auto_accept",
)


class GigError(ValueError):
    """A change refused, with a message fit to show."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class GigInputError(ValueError):
    """A form or JSON body with field errors: {field: message}."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


def local_zone() -> ZoneInfo:
    """The market's time zone (one per deployment)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def local_today() -> date:
    """Today's date where the market is."""
    return utcnow().astimezone(local_zone()).date()


# -- parsing --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(
        unicodedata.normalize("NFKC", _plain_text(value)).replace("\r", "").split(" ")
    ).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _plain_text(value: Any) -> str:
    """A str without control characters or lone surrogates (no database stores those)."""
    if not isinstance(value, str):
        raise TypeError
    if _CONTROL.search(value):
        raise ValueError
    return value


def _prose(value: Any) -> str:
    """Free text as typed (Chinese punctuation kept), spaces collapsed, line breaks removed."""
    return " ".join(_plain_text(value).split())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"1", "on", "true", "yes", "y"}
    raise TypeError


def _int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValueError
    number = int(value) if isinstance(value, int) else int(_text(value))
    if not low <= number <= high:
        raise ValueError
    return number


def _decimal(value: Any, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    try:
        number = Decimal(str(value) if isinstance(value, int | float | Decimal) else _text(value))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or not low < number <= high or number.as_tuple().exponent < -2:
        raise ValueError
    return number


def _local_datetime(value: Any) -> datetime:
    """'YYYY-MM-DDTHH:MM' (a phone's datetime-local) or ISO 8601 with an offset, to aware UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(_text(value).replace(" ", "T").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(ZoneInfo("UTC"))


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(_text(value)[:10])


def _certificates(value: Any) -> list[str]:
    if isinstance(value, list):
        items = [_text(v) for v in value]
    else:
        items = re.split(r"[,，、;；\n]+", _text(value))
    items = [i for i in items if i]
    if len(items) > 5 or any(len(i) > 30 for i in items):
        raise ValueError
    return items


def parse_input(
    data: Mapping[str, Any],
    *,
    employer: Employer,
    account: PhoneAccount | None = None,
    current: Gig | None = None,
) -> dict[str, Any]:
    """Validate a posting's fields (form strings or JSON values); GigInputError lists every error.

    Missing optional fields fall back to the current gig's values (edits) or to sensible defaults:
    the station's district, the employer's contact person and the signed-in phone.
    """
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    now, today = utcnow(), local_today()

    def get(name: str) -> Any:
        if name in data:  # given, or emptied on purpose (None then means "cleared")
            return None if data[name] in (None, "") else data[name]
        if current is not None and name not in BOOLEANS:
            return getattr(current, name) if name != "contact_phone" else None
        return None

    def field(name: str, parse, message, *, required: bool = True) -> None:
        raw = get(name)
        if raw is None:
            if required:
                errors[name] = message
            return
        try:
            values[name] = parse(raw)
        except (TypeError, ValueError, IdentityError, KeyError, OverflowError):
            errors[name] = message

    def trade_code(raw):
        return refdata.trade(_text(raw)).code

    field("trade_code", trade_code, _l("Please choose the trade."))

    def title(raw):
        text = _prose(raw)
        if not 4 <= len(text) <= 40:
            raise ValueError
        return text

    field("title", title, _l("Please give a short title of 4 to 40 characters."))

    def description(raw):
        text = _plain_text(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > 2000:
            raise ValueError
        return text

    field(
        "description",
        description,
        _l("The description can have at most 2000 characters."),
        required=False,
    )
    if "description" not in values and "description" not in errors:
        values["description"] = (
            current.description if current is not None and "description" not in data else ""
        )
    field(
        "headcount",
        lambda raw: _int(raw, 1, MAX_HEADCOUNT),
        _l("How many people? A number from 1 to %(n)s.", n=MAX_HEADCOUNT),
    )

    def address(raw):
        text = _prose(raw)
        if not 4 <= len(text) <= 200:
            raise ValueError
        return text

    field("work_address", address, _l("Please give the work address (where to go)."))

    def area(raw):
        code = _text(raw)
        if not re.fullmatch(r"\d{6}", code):
            raise ValueError
        refdata.region(code)
        return code

    field("area_code", area, _l("Please choose the district."), required=False)
    if "area_code" not in values and "area_code" not in errors:
        values["area_code"] = employer.market.region_code

    field("starts_at", _local_datetime, _l("Please give the start date and time."))
    field("ends_at", _local_datetime, _l("Please give the end date and time."))
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is not None:
        moved = current is None or starts != current.starts_at
        if moved and starts < now - timedelta(hours=1):
            errors["starts_at"] = _l("The start time has already passed.")
        elif starts > now + timedelta(days=MAX_START_AHEAD_DAYS):
            errors["starts_at"] = _l(
                "The start can be at most %(n)s days ahead.", n=MAX_START_AHEAD_DAYS
            )
    if starts is not None and ends is not None:
        if ends <= starts:
            errors["ends_at"] = _l("The end must be after the start.")
        elif ends - starts > timedelta(days=MAX_DURATION_DAYS):
            errors["ends_at"] = _l("A gig can last at most %(n)s days.", n=MAX_DURATION_DAYS)
    field(
        "daily_hours",
        lambda raw: _decimal(raw, Decimal("0"), Decimal("12")).quantize(Decimal("0.1")),
        _l("Hours a day: a number up to 12."),
        required=False,
    )
    field(
        "pay_amount",
        lambda raw: _decimal(raw, Decimal("0"), MAX_PAY).quantize(Decimal("0.01")),
        _l("Please give the pay in yuan (for example 200 or 25.5)."),
    )
    field("pay_unit", lambda raw: PayUnit(_text(raw)), _l("Please say what the pay is per."))
    field(
        "settlement", lambda raw: Settlement(_text(raw)), _l("Please say when the pay is settled.")
    )
    for name in BOOLEANS:
        raw = data.get(name)
        try:
            values[name] = _bool(raw) if name in data else bool(current and getattr(current, name))
        except TypeError:
            errors[name] = _l("Please answer yes or no.")
    field(
        "skill_level_required",
        lambda raw: _int(raw, 0, 5),
        _l("Please choose a skill level."),
        required=False,
    )
    values.setdefault("skill_level_required", 0)
    field(
        "certificates_required",
        _certificates,
        _l("At most 5 certificates, each up to 30 characters."),
        required=False,
    )
    if "trade_code" in values:
        trade = refdata.trade(values["trade_code"])
        if "certificates_required" not in values and "certificates_required" not in errors:
            # A new posting starts with the trade's legal certificate; an emptied field clears.
            fresh = current is None and "certificates_required" not in data
            values["certificates_required"] = (
                [trade.certificate] if fresh and trade.certificate else []
            )
        values["heavy_or_hazardous"] = values.get("heavy_or_hazardous") or trade.heavy_or_hazardous

    def contact(raw):
        return verification.check_person_name(raw, "contact_name")

    field("contact_name", contact, _l("Please give the contact person's name."), required=False)
    if "contact_name" not in values and "contact_name" not in errors:
        values["contact_name"] = employer.contact_name
    field(
        "contact_phone",
        lambda raw: normalize_mobile(_text(raw)),
        _l("Please give a mobile number for the contact."),
        required=False,
    )
    if "contact_phone" not in values and "contact_phone" not in errors and current is None:
        phone = identity.reveal(account, "phone") if account else None
        phone = phone or identity.reveal(employer, "contact_phone")
        if phone:
            values["contact_phone"] = phone
        else:
            errors["contact_phone"] = _l("Please give a mobile number for the contact.")

    def validity(raw):
        day = _date(raw)
        if day < today or day > today + timedelta(days=MAX_VALIDITY_DAYS):
            raise ValueError
        return day

    field(
        "valid_until",
        validity,
        _l(
            "Please give the last day to sign up: from today, at most %(n)s days ahead.",
            n=MAX_VALIDITY_DAYS,
        ),
        required=False,
    )
    if "valid_until" not in values and "valid_until" not in errors and starts is not None:
        values["valid_until"] = max(starts.astimezone(local_zone()).date(), today)
    if (
        ends is not None
        and values.get("valid_until")
        and "ends_at" not in errors
        and values["valid_until"] > ends.astimezone(local_zone()).date()
    ):
        errors["valid_until"] = _l("The last day to sign up cannot be after the gig ends.")
    if current is not None and values.get("headcount", current.headcount) < current.accepted_count:
        errors["headcount"] = _l(
            "%(n)s people are already taken on; the headcount cannot be lower.",
            n=current.accepted_count,
        )
    if errors:
        raise GigInputError(errors)
    return values


# -- revisions and screening ----------------------------------------------------------------------


def snapshot(gig: Gig) -> dict[str, Any]:
    """The posting as it stands, for a revision (the contact phone masked: it stays encrypted)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return getattr(value, "value", value)

    data = {name: plain(getattr(gig, name)) for name in FIELDS if name != "contact_phone"}
    data["contact_phone"] = mask_phone(identity.reveal(gig, "contact_phone"))
    data["status"] = gig.status.value
    data["screening"] = gig.screening
    return data


def _revise(gig: Gig, actor_kind: str, actor_id: int | None, reason: str) -> GigRevision:
    gig.revision = (gig.revision or 0) + 1
    db.session.flush()
    revision = GigRevision(
        gig_id=gig.id,
        revision=gig.revision,
        actor_kind=actor_kind,
        actor_id=actor_id,
        reason=reason[:200],
        snapshot=snapshot(gig),
    )
    db.session.add(revision)
    return revision


def run_screening(gig: Gig) -> str:
    """Screen the posting now; store the findings on the gig; return the decision."""
    result = screen(Posting.from_gig(gig), today=local_today())
    gig.screening = result.records()
    gig.screening_decision = result.decision
    return result.decision


def _apply(gig: Gig, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name == "contact_phone":
            identity.store(gig, "contact_phone", value)
        else:
            setattr(gig, name, value)


# -- employer actions -----------------------------------------------------------------------------


def create_draft(
    employer: Employer,
    account: PhoneAccount | None,
    values: Mapping[str, Any],
    *,
    channel: GigChannel = GigChannel.QR,
) -> Gig:
    """A new draft posting (revision 1), screened so the preview can show the findings."""
    gig = Gig(
        employer_id=employer.id,
        market_id=employer.market_id,
        status=GigStatus.DRAFT,
        channel=channel,
        accepted_count=0,
        revision=0,
    )
    gig.employer = employer
    _apply(gig, {k: v for k, v in values.items() if k != "contact_phone"})
    db.session.add(gig)
    db.session.flush()
    if "contact_phone" in values:
        identity.store(gig, "contact_phone", values["contact_phone"])
    run_screening(gig)
    _revise(gig, "employer", account and account.id, "created")
    return gig


def update_gig(
    gig: Gig, values: Mapping[str, Any], *, actor_kind: str, actor_id: int | None
) -> str:
    """Edit a posting; an open or waiting one is screened again. Returns the resulting status."""
    if gig.status not in EDITABLE:
        raise GigError("not_editable", _l("This posting is closed and can no longer be changed."))
    _apply(gig, values)
    decision = run_screening(gig)
    reason = "edited"
    if gig.status == GigStatus.REJECTED:
        gig.status, reason = GigStatus.DRAFT, "edited after rejection"
    elif gig.status in {GigStatus.OPEN, GigStatus.PENDING_REVIEW}:
        if decision == "block":
            gig.status, reason = GigStatus.DRAFT, "edited; blocked by screening"
        elif decision == "review":
            gig.status, reason = GigStatus.PENDING_REVIEW, "edited; sent to review"
    _revise(gig, actor_kind, actor_id, reason)
    return gig.status.value


@dataclass(frozen=True)
class PublishOutcome:
    """What publishing did: the status now, and the screening decision behind it."""

    status: GigStatus
    decision: str
    findings: list[dict]


def publish(gig: Gig, account: PhoneAccount | None) -> PublishOutcome:
    """Screen and publish a draft: open, waiting for staff review, or blocked with reasons."""
    if gig.status not in {GigStatus.DRAFT, GigStatus.REJECTED}:
        raise GigError("not_draft", _l("This posting has already been published."))
    if not verification.is_verified(gig.employer):
        raise GigError(
            "employer_unverified",
            _l("Postings are published once your real-name verification is approved."),
        )
    if gig.valid_until < local_today() or gig.ends_at <= utcnow():
        raise GigError("expired", _l("The dates have passed. Please change them first."))
    decision = run_screening(gig)
    if decision == "block":
        gig.status, reason = GigStatus.DRAFT, "publish blocked by screening"
    elif decision == "review":
        gig.status, reason = GigStatus.PENDING_REVIEW, "sent to staff review"
    else:
        gig.status, reason = GigStatus.OPEN, "published"
        gig.published_at = utcnow()
    _revise(gig, "employer", account and account.id, reason)
    return PublishOutcome(gig.status, decision, gig.screening)


def close(gig: Gig, *, actor_kind: str, actor_id: int | None, reason: str = "closed") -> None:
    """Stop taking sign-ups (the employer, or staff)."""
    if gig.status in {GigStatus.CLOSED, GigStatus.EXPIRED}:
        raise GigError("already_closed", _l("This posting is already closed."))
    gig.status, gig.closed_at = GigStatus.CLOSED, utcnow()
    _revise(gig, actor_kind, actor_id, reason)


# -- staff ----------------------------------------------------------------------------------------


def review(gig: Gig, staff: StaffUser, *, approve: bool, reason: str) -> None:
    """Staff decide a posting sent to review: open it, or reject it with the reason shown."""
    if gig.status != GigStatus.PENDING_REVIEW:
        raise GigError("not_pending", _l("This posting is not waiting for review."))
    reason = " ".join((reason or "").split())[:500]
    if not approve and not reason:
        raise GigError("reason_missing", _l("Please say why, so the employer can put it right."))
    now = utcnow()
    gig.reviewed_by_id, gig.reviewed_at, gig.review_note = staff.id, now, reason or None
    if approve:
        gig.status, gig.published_at = GigStatus.OPEN, gig.published_at or now
    else:
        gig.status = GigStatus.REJECTED
    _revise(gig, "staff", staff.id, ("approved: " if approve else "rejected: ") + reason)
    audit.record(
        "gig.approve" if approve else "gig.reject",
        actor_kind="staff",
        actor_id=staff.id,
        object_kind="gig",
        object_id=gig.public_id,
        market_id=gig.market_id,
        detail={"reason": reason, "revision": gig.revision},
    )


def expire_due(now: datetime | None = None) -> int:
    """Close every open or waiting gig whose validity or end has passed (the scheduler's job)."""
    now = now or utcnow()
    today = now.astimezone(local_zone()).date()
    due = db.session.scalars(
        select(Gig).where(
            Gig.status.in_([GigStatus.OPEN, GigStatus.PENDING_REVIEW, GigStatus.FILLED]),
            or_(Gig.valid_until < today, Gig.ends_at <= now),
        )
    ).all()
    count = 0
    for gig in due:
        # A conditional update, so two runs at once expire each gig once.
        changed = db.session.execute(
            update(Gig)
            .where(Gig.id == gig.id, Gig.status == gig.status)
            .values(status=GigStatus.EXPIRED, closed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            db.session.refresh(gig)
            _revise(gig, "system", None, "expired")
            count += 1
    return count


# -- reading --------------------------------------------------------------------------------------


def open_gigs_query(market_id: int | None = None):
    """Open gigs still taking sign-ups, soonest first."""
    query = select(Gig).where(Gig.status == GigStatus.OPEN, Gig.valid_until >= local_today())
    if market_id is not None:
        query = query.where(Gig.market_id == market_id)
    return query.order_by(Gig.starts_at, Gig.id)


def is_taking_signups(gig: Gig) -> bool:
    """True while workers can sign up."""
    return (
        gig.status == GigStatus.OPEN
        and gig.valid_until >= local_today()
        and gig.accepted_count < gig.headcount
    )


def find_public(public_id: str) -> Gig | None:
    """A gig by its public id (any status; callers decide who may see it)."""
    if not isinstance(public_id, str) or not re.fullmatch(r"[0-9a-f]{32}", public_id):
        return None
    return db.session.scalar(select(Gig).where(Gig.public_id == public_id))


def employer_gigs(employer: Employer) -> list[Gig]:
    """All of an employer's postings, newest first."""
    return list(
        db.session.scalars(
            select(Gig).where(Gig.employer_id == employer.id).order_by(Gig.id.desc())
        )
    )


def market_of(gig: Gig) -> Market:
    """The gig's market."""
    return gig.market
