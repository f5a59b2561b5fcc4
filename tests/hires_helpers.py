"""Builders for the hire lifecycle tests: employers, gigs, workers and hires in any status.

The `new_*` builders write rows straight to the database (fast enough for a matrix of hundreds of
hires) in the caller's app context and flush; the caller commits. A hire built in a held status
takes its place on the gig, so accepted_count stays what the state machine would have made it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

from webapp.extensions import db
from webapp.identity import parse_resident_id, synthesize_resident_id
from webapp.models import Application, Employer, Gig, Market, Worker, WorkerTrade
from webapp.models.base import utcnow
from webapp.models.types import (
    HELD_STATUSES,
    ApplicationSource,
    ApplicationStatus,
    EmployerKind,
    GigStatus,
    MarketLevel,
    PayUnit,
    Settlement,
    VerificationStatus,
)
from webapp.services import gigs, identity, sms

_seq = count(1)
TRADE = "6-29-01-01"  # 瓦工/砌墙工


def new_phone() -> str:
    """A fresh mainland mobile in E.164, different on every call."""
    return f"+86135{next(_seq) + 30_000_000:08d}"


def new_market(region_code: str = "410105") -> Market:
    """An active station."""
    market = Market(
        level=MarketLevel.STATION,
        name=f"对接测试{next(_seq)}零工服务站",
        region_code=region_code,
        opens_at=time(7, 0),
        closes_at=time(18, 0),
        hotline="0371-66668888",
    )
    db.session.add(market)
    db.session.flush()
    return market


def new_employer(market_id: int, *, verified: bool = True, phone: str | None = None) -> Employer:
    """An enterprise employer with a contact phone, verified unless told otherwise."""
    employer = Employer(
        kind=EmployerKind.ENTERPRISE,
        name=f"郑州市对接测试{next(_seq)}劳务有限公司",
        contact_name="王经理",
        market_id=market_id,
        verification_status=(
            VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
        ),
        verification_method="enterprise_licence" if verified else None,
        verified_at=utcnow() if verified else None,
        reverify_due_on=date.today() + timedelta(days=180) if verified else None,
    )
    db.session.add(employer)
    db.session.flush()
    identity.store(employer, "contact_phone", phone or new_phone())
    db.session.flush()
    return employer


def new_worker(
    market_id: int,
    *,
    verified: bool = True,
    phone: str | None = None,
    birth: date | None = None,
    name: str = "赵六",
) -> Worker:
    """A worker with an encrypted identity and phone, verified unless told otherwise."""
    n = next(_seq)
    birth = birth or date(1970, 1, 1) + timedelta(days=n)
    rid = parse_resident_id(synthesize_resident_id("410105", birth, n % 100, "M"), min_age=0)
    worker = Worker(
        name=name,
        birth_date=rid.birth_date,
        sex=rid.sex,
        hukou_region=rid.region_code,
        registered_market_id=market_id,
        verification_status=(
            VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
        ),
        verification_method="kiosk_face" if verified else None,
        verified_at=utcnow() if verified else None,
    )
    identity.store(worker, "id_number", rid.number)
    identity.store(worker, "phone", phone or new_phone())
    worker.trades.append(WorkerTrade(trade_code=TRADE, skill_level=4))
    db.session.flush()
    return worker


def new_gig(
    employer: Employer,
    *,
    headcount: int = 5,
    starts_in: timedelta = timedelta(days=1),
    hours: int = 9,
    settlement: Settlement = Settlement.DAILY,
    auto_accept: bool = False,
    status: GigStatus = GigStatus.OPEN,
    heavy: bool = False,
    title: str = "瓦工师傅 砌墙",
) -> Gig:
    """A posting with a contact phone, open unless told otherwise (starts_in may be negative)."""
    starts = (utcnow() + starts_in).replace(microsecond=0)
    gig = Gig(
        employer_id=employer.id,
        market_id=employer.market_id,
        trade_code=TRADE,
        title=title,
        description="",
        headcount=headcount,
        accepted_count=0,
        work_address="郑州市二七区大学路88号",
        area_code="410103",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        pay_amount=Decimal("300.00"),
        pay_unit=PayUnit.DAY,
        settlement=settlement,
        auto_accept=auto_accept,
        heavy_or_hazardous=heavy,
        contact_name="王经理",
        valid_until=max(starts.astimezone(gigs.local_zone()).date(), gigs.local_today()),
        status=status,
        published_at=utcnow(),
        revision=0,
    )
    gig.employer = employer
    db.session.add(gig)
    db.session.flush()
    identity.store(gig, "contact_phone", identity.reveal(employer, "contact_phone"))
    db.session.flush()
    return gig


_STEPS = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.DISPATCHED,
    ApplicationStatus.ARRIVED,
    ApplicationStatus.COMPLETED,
    ApplicationStatus.PAID_CONFIRMED,
)
_STAMP = {
    ApplicationStatus.APPLIED: "applied_at",
    ApplicationStatus.ACCEPTED: "accepted_at",
    ApplicationStatus.DISPATCHED: "dispatched_at",
    ApplicationStatus.ARRIVED: "arrived_at",
    ApplicationStatus.COMPLETED: "completed_at",
    ApplicationStatus.PAID_CONFIRMED: "paid_confirmed_at",
}
_REACHED = {  # the last step an ended row had reached
    ApplicationStatus.DECLINED: ApplicationStatus.APPLIED,
    ApplicationStatus.WITHDRAWN: ApplicationStatus.APPLIED,
    ApplicationStatus.CANCELLED: ApplicationStatus.ACCEPTED,
    ApplicationStatus.NO_SHOW: ApplicationStatus.DISPATCHED,
}


def new_hire(
    gig: Gig,
    worker: Worker,
    status: ApplicationStatus | str = ApplicationStatus.APPLIED,
    *,
    source: ApplicationSource = ApplicationSource.WORKER_SELF,
    at: datetime | None = None,
) -> Application:
    """A hire already in `status`, with the earlier steps stamped; held ones count on the gig."""
    status = ApplicationStatus(status)
    at = at or utcnow()
    application = Application(
        gig_id=gig.id,
        worker_id=worker.id,
        source=source,
        status=status,
        agreed_pay_amount=gig.pay_amount,
        agreed_pay_unit=gig.pay_unit,
    )
    reached = _REACHED.get(status, status)
    if reached in _STEPS:
        for step in _STEPS[: _STEPS.index(reached) + 1]:
            setattr(application, _STAMP[step], at)
    if status in _REACHED:
        application.ended_at = at
    if status in (ApplicationStatus.COMPLETED, ApplicationStatus.PAID_CONFIRMED):
        application.pay_due_at = at + timedelta(hours=24)
    db.session.add(application)
    if status in HELD_STATUSES:
        gig.accepted_count += 1
    db.session.flush()
    return application


def outbox() -> list[tuple[str, str]]:
    """The memory SMS gateway's messages (TestingConfig SMS_BACKEND="memory")."""
    return sms.gateway().outbox


def texts_to(phone: str) -> list[str]:
    """Every text sent to a number, oldest first."""
    return [text for to, text in outbox() if to == phone]
