"""Signed QR codes on phones: scanning, the code images, and the printable A4 posters."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer
from PIL import Image

from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CONTACT = "+8613912345678"
FULL_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
GIG_STATUSES = ["draft", "pending_review", "open", "filled", "closed", "expired", "rejected"]


@pytest.fixture
def make_gig(app):
    """A verified enterprise's gig in a status: make_gig(market_id, status) -> public_id."""
    from webapp.models import Employer, Gig
    from webapp.models.base import utcnow
    from webapp.models.types import (
        EmployerKind,
        GigStatus,
        PayUnit,
        Settlement,
        VerificationStatus,
    )
    from webapp.services import identity

    def make(market_id, status="open", title="仓库装卸临时工"):
        with app.app_context():
            employer = Employer(
                kind=EmployerKind.ENTERPRISE,
                name="郑州顺达物流有限公司",
                contact_name="王建军",
                market_id=market_id,
                verification_status=VerificationStatus.VERIFIED,
                verified_at=utcnow(),
                reverify_due_on=date.today() + timedelta(days=150),
            )
            db.session.add(employer)
            db.session.flush()
            identity.store(employer, "contact_phone", CONTACT)
            starts = utcnow() + timedelta(days=1)
            gig = Gig(
                employer_id=employer.id,
                market_id=market_id,
                trade_code="4-09-07-01",
                title=title,
                headcount=5,
                accepted_count=2,
                work_address="经开区第八大街12号",
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                pay_amount=Decimal("200"),
                pay_unit=PayUnit.DAY,
                settlement=Settlement.DAILY,
                provides_meals=True,
                provides_insurance=True,
                contact_name="王建军",
                valid_until=date.today() + timedelta(days=1),
                status=GigStatus(status),
            )
            db.session.add(gig)
            db.session.flush()
            identity.store(gig, "contact_phone", CONTACT)
            db.session.commit()
            return gig.public_id

    return make


def visible_text(html: str) -> str:
    """The text a reader sees (no tags, attributes or QR paths: random ids there are not phones)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S))


def payload_of(app, maker, *args) -> str:
    """A payload made by the app's own signer."""
    with app.app_context():
        return maker(*args)


def _flip(text: str, index: int) -> str:
    """The text with one character changed to another of the same alphabet."""
    char = text[index]
    return text[:index] + ("B" if char != "B" else "C") + text[index + 1 :]


# -- scanning -------------------------------------------------------------------------------------


def test_signed_gig_code_leads_to_the_gig(app, client, station, make_gig):
    from webapp.services import qr

    gig_id = make_gig(station)
    response = client.get("/m/q/" + payload_of(app, qr.gig_payload, gig_id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/m/g/{gig_id}")
    assert client.get(response.headers["Location"]).status_code == 200


def test_station_code_remembers_the_station_and_shows_its_gigs(app, client, station):
    from webapp.services import qr

    response = client.get("/m/q/" + payload_of(app, qr.market_payload, station))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/m/markets/{station}")
    with client.session_transaction() as session:
        assert session["market_id"] == station


def test_code_of_a_closed_station_is_404(app, client, make_market):
    from webapp.services import qr

    closed = make_market(is_active=False)
    assert client.get("/m/q/" + payload_of(app, qr.market_payload, closed)).status_code == 404


def test_a_workers_personal_code_shows_nothing_about_them(app, client, station, make_worker):
    from webapp.services import qr

    public_id, number = make_worker(station, name="刘德顺")
    response = client.get("/m/q/" + payload_of(app, qr.worker_payload, public_id, 1))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "scan-worker" in body
    for secret in (public_id, number, "刘", "13812345678", "138****5678"):
        assert secret not in body
    assert response.headers["Cache-Control"] == "no-store"


def _altered_codes(app, gig_id: str) -> dict[str, str]:
    """Codes that must all be refused: altered, another kind, another secret, not ours."""
    from webapp.services import qr

    good = payload_of(app, qr.gig_payload, gig_id)
    prefix, kind, signed = good.split(":", 2)
    data, signature = signed.split(".")
    start = len(prefix) + len(kind) + 2
    foreign = URLSafeSerializer("another-secret", salt="qr-g").dumps({"g": gig_id})
    return {
        "data altered": _flip(good, start + 3),
        "signature altered": _flip(good, start + len(data) + 1 + 5),
        "kind changed to worker": f"{prefix}:w:{signed}",
        "kind changed to market": f"{prefix}:m:{signed}",
        "unknown kind": f"{prefix}:x:{signed}",
        "other prefix": f"GM2:{kind}:{signed}",
        "other secret": f"{prefix}:g:{foreign}",
        "no signature": f"{prefix}:g:{data}",
        "not ours": "https://example.com/pay-a-deposit",
        "garbage": "GM1:g:%%%",
    }


def test_forged_or_altered_codes_get_a_plain_refusal(app, client, station, make_gig):
    gig_id = make_gig(station)
    for name, code in _altered_codes(app, gig_id).items():
        response = client.get("/m/q/" + code)
        assert response.status_code == 400, name
        assert "Location" not in response.headers, name
        body = response.get_data(as_text=True)
        assert "scan-refused" in body, name
        assert gig_id not in body, name
        assert "signature" not in body.lower(), name
        assert response.headers["Cache-Control"] == "no-store"


def test_payload_helpers_reject_malformed_data(app):
    from webapp.services import qr

    with app.app_context():
        assert qr.read(qr.gig_payload("a" * 32)) == ("g", {"g": "a" * 32})
        assert qr.read(qr.market_payload(7)) == ("m", {"m": 7})
        with pytest.raises(qr.QrError):
            qr.gig_id_of(qr.read(qr.sign("g", {"g": "../../etc"}))[1])
        with pytest.raises(qr.QrError):
            qr.market_id_of(qr.read(qr.sign("m", {"m": "7"}))[1])
        with pytest.raises(qr.QrError):
            qr.market_id_of({"m": True})


# -- code images ----------------------------------------------------------------------------------


def _capture(monkeypatch, name):
    """Record the text each call of qr.<name> encodes."""
    from webapp.services import qr

    seen: list[str] = []
    original = getattr(qr, name)

    def spy(text, **kwargs):
        seen.append(text)
        return original(text, **kwargs)

    monkeypatch.setattr(qr, name, spy)
    return seen


def _payload_in(url: str) -> str:
    """The payload part of a /m/q/ URL."""
    path = urlsplit(url).path
    assert path.startswith("/m/q/"), url
    return path[len("/m/q/") :]


def test_gig_code_png_is_a_real_png_of_a_signed_scan_url(
    app, client, station, make_gig, monkeypatch
):
    from webapp.services import qr

    gig_id = make_gig(station)
    seen = _capture(monkeypatch, "png")
    response = client.get(f"/m/g/{gig_id}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "public" in response.headers["Cache-Control"]
    assert "max-age" in response.headers["Cache-Control"]
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG"
        image.verify()
    assert urlsplit(seen[0]).scheme in {"http", "https"}  # absolute, for a phone camera
    with app.app_context():
        assert qr.read(_payload_in(seen[0])) == ("g", {"g": gig_id})
    # The URL in the code works.
    follow = client.get(urlsplit(seen[0]).path)
    assert follow.headers["Location"].endswith(f"/m/g/{gig_id}")


def test_gig_code_svg_parses(app, client, station, make_gig, monkeypatch):
    from webapp.services import qr

    gig_id = make_gig(station)
    seen = _capture(monkeypatch, "svg")
    response = client.get(f"/m/g/{gig_id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    assert "<script" not in response.get_data(as_text=True)
    with app.app_context():
        assert qr.read(_payload_in(seen[0])) == ("g", {"g": gig_id})


@pytest.mark.parametrize("status", GIG_STATUSES)
def test_gig_code_only_for_open_waiting_or_filled_gigs(client, station, make_gig, status):
    gig_id = make_gig(station, status=status)
    expected = 200 if status in {"open", "pending_review", "filled"} else 404
    for fmt in ("svg", "png"):
        assert client.get(f"/m/g/{gig_id}/qr.{fmt}").status_code == expected, fmt


def test_unknown_format_or_gig_is_404(client, station, make_gig):
    gig_id = make_gig(station)
    assert client.get(f"/m/g/{gig_id}/qr.gif").status_code == 404
    assert client.get(f"/m/g/{'0' * 32}/qr.png").status_code == 404


def test_station_code_images(app, client, station, make_market, monkeypatch):
    from webapp.services import qr

    seen = _capture(monkeypatch, "png")
    response = client.get(f"/m/markets/{station}/qr.png")
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG"
    with app.app_context():
        assert qr.read(_payload_in(seen[0])) == ("m", {"m": station})
    svg = client.get(f"/m/markets/{station}/qr.svg")
    assert svg.status_code == 200
    ET.fromstring(svg.data)
    assert "public" in svg.headers["Cache-Control"]
    closed = make_market(is_active=False)
    assert client.get(f"/m/markets/{closed}/qr.png").status_code == 404
    assert client.get("/m/markets/999999/qr.svg").status_code == 404


# -- posters --------------------------------------------------------------------------------------


def _assert_printable(body: str) -> None:
    """A poster links the print CSS and script, has no inline script or style, no full mobile."""
    assert "/static/css/poster.css" in body
    assert "/static/js/poster.js" in body
    assert "data-print" in body
    assert "<svg" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)  # no inline script (CSP)
    assert " style=" not in body  # no inline style (CSP)
    assert not FULL_MOBILE.search(visible_text(body))
    assert CONTACT[3:] not in body


def test_station_poster(app, client, station, monkeypatch):
    from webapp.services import qr

    seen = _capture(monkeypatch, "svg")
    response = client.get(f"/m/markets/{station}/poster")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    _assert_printable(body)
    for text in ("测试街道零工服务站", "金水路100号", "每天 7:00-18:00", "0371-66668888"):
        assert text in body
    assert "拨打12333" in body  # the complaint channel
    assert body.count("<ol>") == 2  # three steps for workers, three for employers
    with app.app_context():
        assert qr.read(_payload_in(seen[0])) == ("m", {"m": station})


def test_station_poster_of_unknown_or_closed_station_is_404(client, make_market):
    assert client.get("/m/markets/999999/poster").status_code == 404
    assert client.get(f"/m/markets/{make_market(is_active=False)}/poster").status_code == 404


def test_gig_poster_shows_the_gig_and_no_phone(app, client, station, make_gig, monkeypatch):
    from webapp.services import qr

    gig_id = make_gig(station)
    seen = _capture(monkeypatch, "svg")
    response = client.get(f"/m/g/{gig_id}/poster")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    _assert_printable(body)
    for text in ("仓库装卸临时工", "保洁/清洁工", "¥200", "经开区第八大街12号"):
        assert text in body
    assert "郑州顺达物流有限公司" in body
    assert "0371-66668888" in body  # the station's hotline, not the contact's phone
    assert "139****5678" not in body  # no contact at all
    assert "王建军" not in body
    assert re.search(r"<dd>\s*3\s*</dd>", body)  # headcount left: 5 - 2
    with app.app_context():
        assert qr.read(_payload_in(seen[0])) == ("g", {"g": gig_id})


@pytest.mark.parametrize("status", ["draft", "closed", "expired", "rejected"])
def test_gig_poster_only_for_gigs_with_a_code(client, station, make_gig, status):
    assert client.get(f"/m/g/{make_gig(station, status=status)}/poster").status_code == 404


def test_poster_of_a_gig_waiting_for_review_is_for_its_employer_and_staff(
    app, client, station, make_gig, make_staff, login
):
    from webapp.models import Gig, PhoneAccount
    from webapp.services import identity, phone_auth

    gig_id = make_gig(station, status="pending_review")
    assert client.get(f"/m/g/{gig_id}/poster").status_code == 404
    with app.app_context():
        gig = db.session.query(Gig).filter_by(public_id=gig_id).one()
        account = PhoneAccount(employer_id=gig.employer_id)
        identity.store(account, "phone", "+8613700000099")
        token = phone_auth.open_session(account, "cookie")
        db.session.commit()
    owner = app.test_client()
    with owner.session_transaction() as session:
        session[phone_auth.SESSION_KEY] = token
    response = owner.get(f"/m/g/{gig_id}/poster")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    staff = app.test_client()
    assert login(make_staff(station), c=staff).status_code == 302
    assert staff.get(f"/m/g/{gig_id}/poster").status_code == 200
    elsewhere = app.test_client()
    assert login(make_staff(_other_station(app)), c=elsewhere).status_code == 302
    assert elsewhere.get(f"/m/g/{gig_id}/poster").status_code == 404


def _other_station(app) -> int:
    """A station outside the gig's market subtree."""
    from webapp.models import Market
    from webapp.models.types import MarketLevel

    with app.app_context():
        market = Market(level=MarketLevel.STATION, name="另一个零工服务站", region_code="410102")
        db.session.add(market)
        db.session.commit()
        return market.id


def test_print_css_sets_a4_and_hides_navigation():
    css = (ROOT / "static/css/poster.css").read_text()
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    print_block = css[css.index("@media print") :]
    for selector in (".topbar", ".lang", ".no-print", "nav"):
        assert selector in print_block.split("{", 1)[1].split("}", 1)[0]
    script = (ROOT / "static/js/poster.js").read_text()
    assert "window.print()" in script
