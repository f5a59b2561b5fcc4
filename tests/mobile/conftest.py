"""Fixtures for the phone pages (/m/), for any test that needs a signed-in phone.

- `phone_login(client, phone, next=None)` signs a number in through the real forms: it asks for
  a code, reads it from the memory SMS outbox (TestingConfig SMS_BACKEND="memory") and types it.
  A number may ask for one code a minute (OTP_RESEND_SECONDS): to sign the same number in twice
  in one test, call `age_codes(phone)` in between.
- `verified_employer(...)` builds a phone account with an employer, verified by staff, through the
  services (the submission as on the phone, then a staff decision); it signs nobody in.
- `make_jpeg(...)` makes a real photo (with EXIF if asked) for upload tests.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select, update

from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.identity import normalize_mobile, synthesize_resident_id, synthesize_uscc

_seq = count(1)
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def make_jpeg(
    width: int = 800, height: int = 600, *, exif: bool = False, text: str = "营业执照"
) -> bytes:
    """A JPEG photo of the given size; with exif=True it carries a camera make and GPS data."""
    image = Image.new("RGB", (width, height), (235, 230, 215))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, width - 20, height - 20), outline=(180, 30, 30), width=6)
    draw.text((40, 40), text.encode("ascii", "replace").decode(), fill=(20, 20, 20))
    for y in range(80, height - 40, 24):
        draw.line((40, y, width - 40, y), fill=(90, 90, 90), width=2)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "TestCamera"  # Make
        data[0x0110] = "Phone 1"  # Model
        gps = data.get_ifd(0x8825)
        gps[1], gps[2] = "N", (34.0, 45.0, 30.0)
        gps[3], gps[4] = "E", (113.0, 39.0, 10.0)
        image.save(out, format="JPEG", quality=90, exif=data)
    else:
        image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def new_uscc() -> str:
    """A checksum-valid credit code, different on every call."""
    return synthesize_uscc("9", "1", "410105", f"{next(_seq) % 10**8:08d}")


def new_id_number(birth: date = date(1980, 5, 17), sex: str = "M") -> str:
    """A checksum-valid ID number of an adult, different on each call (up to 100 per birth day)."""
    n = next(_seq)
    return synthesize_resident_id("410105", birth + timedelta(days=n // 100), n % 100, sex)


def new_phone() -> str:
    """A fresh mainland mobile number in E.164."""
    return f"+86139{next(_seq) % 10**8:08d}"


@pytest.fixture
def sms_code(app):
    """The newest one-time code texted to a number: sms_code(phone) -> "123456" or None."""
    from webapp.services import sms

    def read(phone: str) -> str | None:
        with app.app_context():
            text = sms.gateway().last_to(normalize_mobile(phone))
        match = CODE.search(text or "")
        return match.group(1) if match else None

    return read


@pytest.fixture
def age_codes(app):
    """Make a number's codes look `seconds` older (so it may ask again): age_codes(phone, 120)."""
    from webapp.models import OtpChallenge
    from webapp.services import identity

    def age(phone: str, seconds: int = 3600) -> None:
        with app.app_context():
            index = identity.blind_index().compute(normalize_mobile(phone), kind="phone")
            rows = db.session.scalars(
                select(OtpChallenge).where(OtpChallenge.phone_index == index)
            ).all()
            for row in rows:
                db.session.execute(
                    update(OtpChallenge)
                    .where(OtpChallenge.id == row.id)
                    .values(
                        created_at=row.created_at - timedelta(seconds=seconds),
                        expires_at=row.expires_at - timedelta(seconds=seconds),
                    )
                )
            db.session.commit()

    return age


@pytest.fixture
def phone_login(client, sms_code):
    """Sign a number in through the real forms: phone_login(client, phone, next=None) -> response.

    The response is the one to the code form's POST (a 303 to `next` or /m/me on success).
    """

    def do(c=None, phone: str = "+8613812345678", next: str | None = None):
        c = c or client
        page = c.get("/m/signin" + (f"?next={next}" if next else ""))
        token = csrf_token_from(page.get_data(as_text=True))
        data = {"phone": phone, "csrf_token": token}
        if next:
            data["next"] = next
        sent = c.post("/m/signin", data=data)
        assert sent.status_code == 303, sent.get_data(as_text=True)
        code = sms_code(phone)
        assert code, "no code in the SMS outbox"
        return c.post("/m/signin/verify", data={"code": code, "csrf_token": token})

    return do


@dataclass(frozen=True)
class EmployerInfo:
    """What a test needs of an employer built by `verified_employer`."""

    phone: str
    account_id: int
    employer_id: int
    employer_public_id: str
    market_id: int


@pytest.fixture
def verified_employer(app, make_market, make_staff):
    """Build an employer account through the services: verified_employer(...) -> EmployerInfo.

    kind: "enterprise" (with a licence photo) or "individual" (face photo); verified=False
    leaves the request waiting for staff. Nobody is signed in: use phone_login(info.phone).
    """
    from webapp.models import PhoneAccount, StaffUser
    from webapp.services import identity, verification

    def make(
        phone: str | None = None,
        *,
        kind: str = "enterprise",
        market_id: int | None = None,
        name: str | None = None,
        verified: bool = True,
    ) -> EmployerInfo:
        phone = normalize_mobile(phone or new_phone())
        market_id = market_id or make_market()
        staff_name = make_staff(market_id, role="station_admin") if verified else None
        with app.test_request_context():
            account = identity.find_account_by_phone(phone)
            if account is None:
                account = PhoneAccount()
                identity.store(account, "phone", phone)
                db.session.flush()
            if kind == "enterprise":
                request = verification.submit_enterprise(
                    account,
                    market_id=market_id,
                    name=name or f"郑州测试{next(_seq)}建筑有限公司",
                    uscc=new_uscc(),
                    contact_name="李四",
                    contact_id=new_id_number(),
                    licence=io.BytesIO(make_jpeg()),
                    address="郑州市金水区测试路1号",
                )
            else:
                request = verification.submit_individual(
                    account,
                    market_id=market_id,
                    name=name or "王五",
                    id_number=new_id_number(),
                    face_photo=io.BytesIO(make_jpeg(text="face")),
                )
            if verified:
                staff = db.session.scalar(select(StaffUser).where(StaffUser.username == staff_name))
                verification.decide(request, staff, approve=True, reason="")
            db.session.commit()
            return EmployerInfo(
                phone=phone,
                account_id=account.id,
                employer_id=account.employer.id,
                employer_public_id=account.employer.public_id,
                market_id=market_id,
            )

    return make


@pytest.fixture
def station(make_market):
    """An active station with its public contact details."""
    return make_market(
        name="测试街道零工服务站",
        address="金水路100号",
        hotline="0371-66668888",
        complaint_channel="拨打12333或到服务站窗口",
        opening_hours="每天 7:00-18:00",
    )
