"""Fixtures for the service-layer tests: an app context, a station, accounts and images."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from webapp.extensions import db


@pytest.fixture
def ctx(app):
    """An application context with a request (services read config and the session)."""
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        yield
        db.session.rollback()


@pytest.fixture
def station(ctx, make_market):
    """An active station in 郑州市金水区."""
    from webapp.models import Market

    return db.session.get(Market, make_market(region_code="410105"))


@pytest.fixture
def staff(ctx, station, make_staff):
    """A station staff member of that station."""
    from sqlalchemy import select

    from webapp.models import StaffUser

    username = make_staff(station.id)
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


@pytest.fixture
def new_account(ctx):
    """Make a phone account for a number: new_account("13800000001") -> PhoneAccount."""
    from webapp.models import PhoneAccount
    from webapp.services import identity

    def make(phone: str = "13800000001") -> PhoneAccount:
        account = PhoneAccount()
        identity.store(account, "phone", "+86" + phone)
        db.session.commit()
        return account

    return make


def jpeg(size=(800, 600), exif: bool = False) -> io.BytesIO:
    """A JPEG in memory, optionally with EXIF (camera make and a GPS tag)."""
    image = Image.new("RGB", size, (200, 180, 160))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {1: "N", 2: (34.0, 45.0, 0.0)}  # GPSInfo
        image.save(buffer, format="JPEG", exif=data)
    else:
        image.save(buffer, format="JPEG")
    buffer.seek(0)
    return buffer


def resident_id(birth=date(1980, 5, 17), seq=7, sex="M") -> str:
    """A valid synthetic ID number from 郑州市金水区."""
    from webapp.identity import synthesize_resident_id

    return synthesize_resident_id("410105", birth, seq, sex)


def uscc(org: str = "MA2PBM9H") -> str:
    """A valid synthetic unified social credit code."""
    from webapp.identity import synthesize_uscc

    return synthesize_uscc("9", "1", "410105", org)
