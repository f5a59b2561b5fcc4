"""Fixtures for the staff review queue and the agency registry, built through the services.

Verification requests come from `verification.submit_*` with a PhoneAccount made here; postings
from `gigs.create_draft` / `gigs.publish`, so the screening findings and revisions are real.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
from PIL import Image

from webapp.extensions import db

_seq = count(1)


def photo(color=(180, 120, 60), size=(320, 240)) -> io.BytesIO:
    """A small real PNG (the upload service re-encodes it)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    out.seek(0)
    return out


def new_uscc(n: int | None = None) -> str:
    """A fresh valid credit code with letters in it (so it never looks like an ID number)."""
    from webapp.identity import synthesize_uscc

    n = next(_seq) if n is None else n
    return synthesize_uscc("9", "1", "410105", f"MA{n:06d}")


def new_id_number(sex: str = "M") -> str:
    """A fresh checksum-valid ID number of an adult."""
    from webapp.identity import synthesize_resident_id

    n = next(_seq)
    return synthesize_resident_id(
        "410105", date(1970 + n % 30, 1 + n % 12, 1 + n % 28), n % 100, sex
    )


def new_phone() -> str:
    """A fresh mainland mobile in E.164."""
    return f"+86139{next(_seq):08d}"


@pytest.fixture
def region(make_market):
    """A city with two stations, and a station of another city (out of scope for the first)."""
    city = make_market("city", name="郑州市零工市场", region_code="410100")
    here = make_market(parent=city, region_code="410105")
    there = make_market(parent=city, region_code="410103")
    other_city = make_market("city", name="洛阳市零工市场", region_code="410300")
    far = make_market(parent=other_city, region_code="410311")
    return {"city": city, "here": here, "there": there, "other_city": other_city, "far": far}


@pytest.fixture
def make_account(app):
    """A phone account for a fresh number: make_account() -> account id."""
    from webapp.models import PhoneAccount
    from webapp.services import identity

    def make(phone: str | None = None) -> int:
        with app.app_context():
            account = PhoneAccount()
            identity.store(account, "phone", phone or new_phone())
            db.session.commit()
            return account.id

    return make


@pytest.fixture
def make_agency(app):
    """A registry entry: make_agency(licence_number=..., name=..., **fields) -> agency id."""
    from webapp.models import Agency
    from webapp.models.types import AgencyStatus

    def make(
        licence_number=None,
        name=None,
        uscc=None,
        valid_until=None,
        status="valid",
        **fields,
    ) -> int:
        n = next(_seq)
        with app.app_context():
            agency = Agency(
                name=name or f"河南测试{n}人力资源有限公司",
                uscc=uscc or new_uscc(),
                licence_number=licence_number or f"4101052024{n:05d}",
                issuing_authority=fields.pop(
                    "issuing_authority", "郑州市金水区人力资源和社会保障局"
                ),
                valid_from=fields.pop("valid_from", date(2024, 1, 1)),
                valid_until=valid_until or date.today() + timedelta(days=365),
                region_code=fields.pop("region_code", "410105"),
                status=AgencyStatus(status),
                **fields,
            )
            db.session.add(agency)
            db.session.commit()
            return agency.id

    return make


@pytest.fixture
def submit(app, make_account, make_agency):
    """Submit a verification request: submit(kind, market_id, **overrides) -> request public_id.

    kind: enterprise, individual, individual_card, agency, worker, worker_card.
    """
    from webapp.models import Agency, PhoneAccount
    from webapp.services import verification

    def do(kind: str, market_id: int, account_id: int | None = None, **overrides) -> str:
        account_id = account_id or make_account()
        agency_id = make_agency() if kind == "agency" else None
        with app.app_context():
            account = db.session.get(PhoneAccount, account_id)
            if kind == "enterprise":
                args = {
                    "name": "郑州测试建筑劳务有限公司",
                    "uscc": new_uscc(),
                    "contact_name": "李四",
                    "contact_id": new_id_number(),
                    "licence": photo(),
                } | overrides
                req = verification.submit_enterprise(account, market_id=market_id, **args)
            elif kind in {"individual", "individual_card"}:
                args = {"name": "王五", "id_number": new_id_number()} | overrides
                if kind == "individual":
                    args.setdefault("face_photo", photo((90, 90, 200)))
                req = verification.submit_individual(
                    account, market_id=market_id, at_station=kind == "individual_card", **args
                )
            elif kind == "agency":
                agency = db.session.get(Agency, agency_id)
                args = {
                    "name": agency.name,
                    "uscc": agency.uscc,
                    "licence_number": agency.licence_number,
                    "contact_name": "赵六",
                    "contact_id": new_id_number(),
                } | overrides
                req = verification.submit_agency(account, market_id=market_id, **args)
            elif kind in {"worker", "worker_card"}:
                args = {"name": "孙七", "id_number": new_id_number()} | overrides
                if kind == "worker":
                    args.setdefault("face_photo", photo((60, 160, 90)))
                req = verification.submit_worker(
                    account, market_id=market_id, at_station=kind == "worker_card", **args
                )
            else:
                raise ValueError(kind)
            db.session.commit()
            return req.public_id

    return do


def _local(day: date, at: time) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, at, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def make_gig(app, submit):
    """A posting through the services: make_gig(market_id, description=..., publish=True).

    The employer is verified first (approved by a staff member of the market); the posting is
    created, then published (screening decides open / pending_review / draft when blocked), then
    edited once if `edit` is given, so there are revisions to compare. Returns the public id.
    """
    from webapp.models import PhoneAccount, StaffUser, VerificationRequest
    from webapp.models.types import StaffRole
    from webapp.services import gigs, verification
    from webapp.services.auth import hash_password

    def make(
        market_id: int,
        *,
        title="写字楼保洁员3名",
        description="金水区写字楼日常保洁，女士优先，每天4小时。",
        publish=True,
        edit: dict | None = None,
    ) -> str:
        request_id = submit("enterprise", market_id)
        with app.app_context():
            staff = StaffUser(
                username=f"approver{next(_seq)}",
                display_name="审核员",
                password_hash=hash_password("x" * 12),
                role=StaffRole.STATION_STAFF,
                market_id=market_id,
            )
            db.session.add(staff)
            req = db.session.scalar(
                db.select(VerificationRequest).where(VerificationRequest.public_id == request_id)
            )
            verification.decide(req, staff, approve=True, reason="")
            employer = req.employer
            account = db.session.get(PhoneAccount, req.submitted_by_id)
            tomorrow = gigs.local_today() + timedelta(days=1)
            values = gigs.parse_input(
                {
                    "trade_code": "4-09-07-01",
                    "title": title,
                    "description": description,
                    "headcount": "3",
                    "work_address": "郑州市金水区花园路100号",
                    "starts_at": _local(tomorrow, time(8)).isoformat(),
                    "ends_at": _local(tomorrow, time(12)).isoformat(),
                    "pay_amount": "26",
                    "pay_unit": "hour",
                    "settlement": "daily",
                },
                employer=employer,
                account=account,
            )
            gig = gigs.create_draft(employer, account, values)
            if publish:
                gigs.publish(gig, account)
            if edit:
                changed = gigs.parse_input(edit, employer=employer, account=account, current=gig)
                gigs.update_gig(gig, changed, actor_kind="employer", actor_id=account.id)
            db.session.commit()
            return gig.public_id

    return make
