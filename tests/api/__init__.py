"""Builders shared by the API tests: accounts with tokens, employers, workers, gigs, sign-ups.

Each builder opens its own app context and commits, and returns plain values (public ids,
tokens, numbers), never ORM rows, so tests never hold an app context open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from webapp.extensions import db
from webapp.identity import parse_resident_id, synthesize_resident_id
from webapp.models import Application, Employer, Gig, PhoneAccount, Worker, WorkerTrade
from webapp.models.base import utcnow
from webapp.models.types import EmployerKind, GigStatus, VerificationStatus
from webapp.services import applications, gigs, identity, phone_auth

# A full 18-character resident ID, and a mainland mobile (11 digits, optionally after 86).
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
_PUBLIC_ID = re.compile(r'"[0-9a-f]{32}"')
_seq = count(1)


def without_public_ids(text: str) -> str:
    """A response text with its random public ids blanked (a run of digits in one is no leak)."""
    return _PUBLIC_ID.sub('""', text)


@dataclass(frozen=True)
class Caller:
    """An account as a test sees it: its bearer token and what it speaks for."""

    token: str
    account_id: str  # public id
    phone: str
    employer_id: str | None = None  # public id
    worker_id: str | None = None  # public id
    worker_id_number: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this caller."""
        return {"Authorization": f"Bearer {self.token}"}


def next_phone() -> str:
    """A fresh mobile number in E.164 (a different one on every call)."""
    return f"+86139{next(_seq) + 10_000_000:08d}"


def local_start(days_ahead: int = 2, hour: int = 8) -> datetime:
    """A start time some days ahead, in the market's time zone (aware)."""
    zone = ZoneInfo("Asia/Shanghai")  # the test config's market time zone
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, 0), tzinfo=zone)


def gig_body(days_ahead: int = 2, **overrides: Any) -> dict[str, Any]:
    """A clean posting (it passes screening) as an API client would send it."""
    starts = local_start(days_ahead)
    body = {
        "trade_code": "6-29-01-01",
        "title": "瓦工师傅5名 包吃住",
        "description": "二七区自建房砌墙，按天算工，18周岁以上，身体健康。",
        "headcount": 5,
        "work_address": "郑州市二七区大学路88号",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=9)).isoformat(),
        "daily_hours": 8,
        "pay_amount": "330.00",
        "pay_unit": "day",
        "settlement": "daily",
        "provides_meals": True,
        "provides_lodging": True,
    }
    body.update(overrides)
    return body


def make_account(
    app,
    market_id: int,
    *,
    employer: str | None = None,
    worker: str | None = None,
    employer_name: str = "郑州市建工劳务有限公司",
    employer_kind: str = "enterprise",
    worker_name: str = "李四",
    worker_birth: date = date(1980, 6, 1),
    trades: tuple[str, ...] = ("6-29-01-01",),
) -> Caller:
    """A phone account with an API token; employer / worker: None, "verified" or "unverified"."""
    phone = next_phone()
    with app.app_context():
        account = PhoneAccount()
        identity.store(account, "phone", phone)
        employer_row = worker_row = None
        number = None
        if employer:
            employer_row = Employer(
                kind=EmployerKind(employer_kind),
                name=employer_name,
                contact_name="王经理",
                market_id=market_id,
            )
            db.session.add(employer_row)
            db.session.flush()
            identity.store(employer_row, "contact_phone", phone)
            if employer == "verified":
                employer_row.verification_status = VerificationStatus.VERIFIED
                employer_row.verification_method = "enterprise_licence"
                employer_row.verified_at = utcnow()
                employer_row.reverify_due_on = date.today() + timedelta(days=180)
            else:
                employer_row.verification_status = VerificationStatus.PENDING
            account.employer_id = employer_row.id
        if worker:
            number = synthesize_resident_id("410105", worker_birth, next(_seq) % 100, "F")
            rid = parse_resident_id(number, min_age=0)
            worker_row = Worker(
                name=worker_name,
                birth_date=rid.birth_date,
                sex=rid.sex,
                hukou_region=rid.region_code,
                registered_market_id=market_id,
            )
            identity.store(worker_row, "id_number", rid.number)
            identity.store(worker_row, "phone", phone)
            for code in trades:
                worker_row.trades.append(WorkerTrade(trade_code=code, skill_level=4))
            if worker == "verified":
                worker_row.verification_status = VerificationStatus.VERIFIED
                worker_row.verification_method = "kiosk"
                worker_row.verified_at = utcnow()
            account.worker_id = worker_row.id
        db.session.flush()
        token = phone_auth.open_session(account, "api")
        db.session.commit()
        return Caller(
            token=token,
            account_id=account.public_id,
            phone=phone,
            employer_id=employer_row.public_id if employer_row else None,
            worker_id=worker_row.public_id if worker_row else None,
            worker_id_number=number,
        )


def make_gig(
    app, caller: Caller, *, publish: bool = True, days_ahead: int = 2, **overrides: Any
) -> str:
    """A gig of the caller's employer, published (open) unless publish=False; its public id."""
    with app.app_context():
        account = db.session.scalar(
            db.select(PhoneAccount).where(PhoneAccount.public_id == caller.account_id)
        )
        body = gig_body(days_ahead, **overrides)
        values = gigs.parse_input(body, employer=account.employer, account=account)
        gig = gigs.create_draft(account.employer, account, values)
        if publish:
            outcome = gigs.publish(gig, account)
            assert outcome.status == GigStatus.OPEN, outcome.findings
        db.session.commit()
        return gig.public_id


def make_application(app, worker: Caller, gig_id: str) -> str:
    """Sign a worker up for a gig through the service; the application's public id."""
    with app.app_context():
        worker_row = db.session.scalar(
            db.select(Worker).where(Worker.public_id == worker.worker_id)
        )
        gig = gigs.find_public(gig_id)
        application, _ = applications.sign_up(worker_row, gig, idempotency_key=f"seed-{gig_id}")
        db.session.commit()
        return application.public_id


def set_gig_status(app, gig_id: str, status: str, **columns: Any) -> None:
    """Force a gig's status (and other columns) for a test."""
    with app.app_context():
        gig = gigs.find_public(gig_id)
        gig.status = GigStatus(status)
        for name, value in columns.items():
            setattr(gig, name, value)
        db.session.commit()


def gig_row(app, gig_id: str) -> dict[str, Any]:
    """A few columns of a gig, read back from the database."""
    with app.app_context():
        gig = db.session.scalar(db.select(Gig).where(Gig.public_id == gig_id))
        return {
            "status": gig.status.value,
            "revision": gig.revision,
            "title": gig.title,
            "headcount": gig.headcount,
            "pay_amount": gig.pay_amount,
            "count": db.session.scalar(db.select(db.func.count(Gig.id))),
        }


def application_count(app) -> int:
    """How many applications there are."""
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Application.id)))


def cookie_token(app, caller: Caller) -> str:
    """A phone-page (cookie) session token of the caller's account."""
    with app.app_context():
        account = db.session.scalar(
            db.select(PhoneAccount).where(PhoneAccount.public_id == caller.account_id)
        )
        token = phone_auth.open_session(account, "cookie")
        db.session.commit()
        return token


def last_code(app, phone: str) -> str:
    """The one-time code in the last text message sent to a number (memory SMS gateway)."""
    from webapp.services import sms

    with app.app_context():
        text = sms.gateway().last_to(phone)
    match = re.search(r"[0-9]{6}", text or "")
    assert match, f"no code texted to {phone}: {text!r}"
    return match.group(0)
