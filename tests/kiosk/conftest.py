"""Kiosk fixtures: a registered kiosk, fixture cards, camera frames from the shared faces."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from kiosk.cardreader.fixtures import default_photo_dir, fixture_payloads
from webapp.extensions import db
from webapp.models import Market, StaffUser

FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"


def needs_faces():
    """Skip a test when ../shared/faces is not there (it is never committed)."""
    if not FACES.is_dir():
        pytest.skip("../shared/faces is absent: face tests need the shared test photos")


def frame(name: str, size=(640, 480)) -> bytes:
    """A camera-like JPEG frame: the photo letterboxed into 640x480, as a webcam would give."""
    needs_faces()
    image = Image.open(FACES / name).convert("RGB")
    image.thumbnail(size)
    canvas = Image.new("RGB", size, (30, 30, 30))
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=88)
    return out.getvalue()


@pytest.fixture
def cards():
    """Vendor JSON for every fixture card (photos from ../shared/faces when present)."""
    return fixture_payloads(photo_dir=default_photo_dir())


@pytest.fixture
def kiosk_client(app, make_market, make_staff):
    """A test client whose browser holds a registered kiosk's device cookie."""
    from kiosk import devices

    market_id = make_market(capacity=50)
    admin = make_staff(market_id, role="station_admin")
    with app.app_context():
        kiosk, token = devices.register_kiosk(
            db.session.get(Market, market_id),
            "大厅左侧",
            "portrait",
            db.session.scalar(db.select(StaffUser).where(StaffUser.username == admin)),
        )
        db.session.commit()
    client = app.test_client()
    client.set_cookie(devices.COOKIE_NAME, token, path="/kiosk")
    client.market_id = market_id
    client.admin = admin
    return client


def visit_token(html: str) -> str:
    """The visit token a kiosk screen carries."""
    match = re.search(r'data-visit-token="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def csrf(client) -> str:
    """A CSRF token for the kiosk client's session."""
    html = client.get("/kiosk/").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def post(client, url, data=None, **kw):
    """POST as htmx does, with the CSRF header."""
    headers = {"HX-Request": "true", "X-CSRFToken": csrf(client)}
    return client.post(url, data=data or {}, headers=headers, **kw)


def read_card(client, payload: dict):
    """The kiosk browser hands a card read to the server."""
    return post(client, "/kiosk/card", {"payload": json.dumps(payload)})
