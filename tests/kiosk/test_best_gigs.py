"""After check-in the kiosk shows the gigs that fit best; one touch signs up; a slip prints."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.kiosk.conftest import post, visit_token
from webapp.extensions import db
from webapp.models import Application, Employer, Gig, Worker, WorkerTrade
from webapp.models.base import utcnow
from webapp.models.types import (
    ApplicationStatus,
    EmployerKind,
    GigStatus,
    PayUnit,
    Settlement,
    VerificationStatus,
)
from webapp.services import identity, qr

STATIC = Path(__file__).resolve().parents[2] / "static" / "css"
BRICK = "6-29-01-01"  # 砌筑工
CLEANER = "4-09-07-01"  # 保洁员
CONTACT = "+8613900001111"


@pytest.fixture
def station(app, kiosk_client):
    """The kiosk's market, with a verified employer: returns a gig builder."""
    with app.app_context():
        employer = Employer(
            kind=EmployerKind.ENTERPRISE,
            name="郑州建工劳务有限公司",
            contact_name="李经理",
            market_id=kiosk_client.market_id,
            verification_status=VerificationStatus.VERIFIED,
            reverify_due_on=date.today() + timedelta(days=150),
            credit_score=95,
        )
        db.session.add(employer)
        db.session.commit()
        employer_id = employer.id

    def make_gig(title="工地砌墙两天", trade=BRICK, *, hours_ahead=3, **kw) -> str:
        starts = utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours_ahead)
        with app.app_context():
            gig = Gig(
                employer_id=employer_id,
                market_id=kiosk_client.market_id,
                trade_code=trade,
                title=title,
                headcount=kw.pop("headcount", 3),
                accepted_count=0,
                work_address="郑州市金水区花园路8号",
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=9),
                pay_amount=Decimal("260"),
                pay_unit=PayUnit.DAY,
                settlement=Settlement.DAILY,
                contact_name="王工",
                valid_until=date.today() + timedelta(days=5),
                status=GigStatus.OPEN,
                **kw,
            )
            db.session.add(gig)
            db.session.flush()
            identity.store(gig, "contact_phone", CONTACT)
            db.session.commit()
            return gig.public_id

    return make_gig


@pytest.fixture
def bricklayer(app, kiosk_client, make_worker):
    """A verified bricklayer hoping for ¥220 a day: returns their personal QR payload."""
    public_id, _number = make_worker(kiosk_client.market_id)
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        worker.verification_status = VerificationStatus.VERIFIED
        worker.desired_pay_amount, worker.desired_pay_unit = Decimal(220), PayUnit.DAY
        worker.trades.append(WorkerTrade(trade_code=BRICK, skill_level=0))
        db.session.commit()
        return qr.worker_payload(public_id, worker.qr_version)


def check_in(client, payload) -> str:
    """Check in with the personal QR code; the screen that follows."""
    response = post(client, "/kiosk/qr", {"code": payload})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_gigs(html: str) -> list[str]:
    """The gig public ids of the cards shown, in order."""
    return re.findall(r'data-gig="([0-9a-f]{32})"', html)


def sign_up_form(html: str, public_id: str) -> tuple[str, str]:
    """The sign-up URL and idempotency key of one card."""
    card = html[html.index(f'data-gig="{public_id}"') :]
    url = re.search(r'hx-post="([^"]+/signup)"', card).group(1)
    key = re.search(r'name="key" value="([^"]+)"', card).group(1)
    return url, key


def applications(app) -> list[Application]:
    with app.app_context():
        rows = db.session.scalars(select(Application)).all()
        db.session.expunge_all()
        return rows


def test_check_in_shows_the_best_gigs_with_reasons(app, kiosk_client, station, bricklayer):
    near = station("工地砌墙两天")
    later = station("下周砌墙", hours_ahead=24 * 5)
    station("商场保洁", trade=CLEANER)  # not this worker's trade
    html = check_in(kiosk_client, bricklayer)
    assert 'data-screen="done"' in html
    assert "<html" not in html
    assert shown_gigs(html) == [near, later]
    first = html[html.index(f'data-gig="{near}"') : html.index(f'data-gig="{later}"')]
    assert "工地砌墙两天" in first
    assert "郑州建工劳务有限公司" in first
    assert "¥260" in first
    assert "郑州市金水区花园路8号" in first
    assert 'class="k-gig-reasons"' in first
    reasons = re.findall(r"<li>([^<]+)</li>", first)
    assert any("¥260" in r and "¥220" in r for r in reasons), reasons  # pay above the wish
    assert any("瓦工" in r for r in reasons), reasons  # the trade fits
    # Read aloud: the card's words, for speechSynthesis (static/js/kiosk.js).
    spoken = re.search(r'data-read="([^"]+)"', first).group(1)
    assert "工地砌墙两天" in spoken
    assert "¥260" in spoken
    # The contact phone is not shown before the worker is taken on.
    assert "13900001111" not in html
    assert "139 0000 1111" not in html
    assert 'class="slip"' in html  # the personal QR slip is still there to print


def test_no_fitting_gig_points_to_the_staff_window(app, kiosk_client, station, bricklayer):
    station("商场保洁", trade=CLEANER)
    html = check_in(kiosk_client, bricklayer)
    assert shown_gigs(html) == []
    assert 'class="k-no-gigs"' in html
    assert 'role="status"' in html


def test_a_double_tap_signs_up_once(app, kiosk_client, station, bricklayer):
    gig_id = station()
    html = check_in(kiosk_client, bricklayer)
    url, key = sign_up_form(html, gig_id)
    first = post(kiosk_client, url, {"key": key})
    second = post(kiosk_client, url, {"key": key})
    assert first.status_code == second.status_code == 200
    for response in (first, second):
        body = response.get_data(as_text=True)
        assert 'data-screen="signed-up"' in body
        assert 'data-slip-kind="receipt"' in body
    rows = applications(app)
    assert len(rows) == 1
    assert rows[0].status == ApplicationStatus.APPLIED
    assert rows[0].source == "kiosk_recommendation"


def test_an_auto_accept_gig_prints_a_dispatch_slip(app, kiosk_client, station, bricklayer):
    gig_id = station("即时快招：搬砖", auto_accept=True)
    html = check_in(kiosk_client, bricklayer)
    token = visit_token(html)
    url, key = sign_up_form(html, gig_id)
    body = post(kiosk_client, url, {"key": key}).get_data(as_text=True)
    assert 'data-screen="signed-up"' in body
    assert 'data-slip-kind="dispatch"' in body
    slip = body[body.index('id="slip"') :]
    assert "<svg" in slip  # the worker's personal QR, scanned by the employer on arrival
    assert "139 0000 1111" in slip  # the gig's contact, now that the worker is sent there
    assert "即时快招：搬砖" in slip
    assert "郑州市金水区花园路8号" in slip
    assert "¥260" in slip
    (row,) = applications(app)
    assert row.status == ApplicationStatus.DISPATCHED
    # Back to the list: the gig signed up for is not offered again.
    again = kiosk_client.get(f"/kiosk/v/{token}/gigs", headers={"HX-Request": "true"})
    assert gig_id not in shown_gigs(again.get_data(as_text=True))


def test_a_gig_waiting_for_the_employer_prints_a_receipt(app, kiosk_client, station, bricklayer):
    gig_id = station()
    html = check_in(kiosk_client, bricklayer)
    url, key = sign_up_form(html, gig_id)
    body = post(kiosk_client, url, {"key": key}).get_data(as_text=True)
    assert 'data-slip-kind="receipt"' in body
    slip = body[body.index('id="slip"') :]
    assert "<svg" in slip
    assert "139 0000 1111" not in slip  # shown once the employer takes the worker on
    assert "13900001111" not in slip


def test_a_gig_gone_meanwhile_is_refused_in_plain_words(app, kiosk_client, station, bricklayer):
    gig_id = station()
    html = check_in(kiosk_client, bricklayer)
    url, key = sign_up_form(html, gig_id)
    with app.app_context():
        gig = db.session.scalar(select(Gig).where(Gig.public_id == gig_id))
        gig.status = GigStatus.CLOSED
        db.session.commit()
    response = post(kiosk_client, url, {"key": key})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-screen="signup-refused"' in body
    assert applications(app) == []


def test_signing_up_after_the_visit_ended_starts_again(app, kiosk_client, station, bricklayer):
    gig_id = station()
    html = check_in(kiosk_client, bricklayer)
    token = visit_token(html)
    url, key = sign_up_form(html, gig_id)
    post(kiosk_client, f"/kiosk/v/{token}/end")
    body = post(kiosk_client, url, {"key": key}).get_data(as_text=True)
    assert 'data-screen="welcome"' in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0


@pytest.mark.parametrize(("paper", "size"), [("80mm", "size: 80mm 200mm"), ("a4", "size: A4")])
def test_slips_print_on_80mm_rolls_and_a4(app, kiosk_client, station, bricklayer, paper, size):
    app.config["KIOSK_PAPER"] = paper
    page = kiosk_client.get("/kiosk/").get_data(as_text=True)
    link = f"css/kiosk-print-{paper}.css"
    assert re.search(rf'<link rel="stylesheet" media="print" href="[^"]*{link}"', page)
    assert f'data-paper="{paper}"' in page
    css = (STATIC / f"kiosk-print-{paper}.css").read_text()
    assert "@page" in css
    assert size in css
    served = kiosk_client.get(f"/static/{link}")
    assert served.status_code == 200
    served.close()
    gig_id = station(auto_accept=True)
    html = check_in(kiosk_client, bricklayer)
    url, key = sign_up_form(html, gig_id)
    body = post(kiosk_client, url, {"key": key}).get_data(as_text=True)
    assert f'data-paper="{paper}"' in body


def test_an_unknown_paper_setting_falls_back_to_the_roll(app, kiosk_client):
    app.config["KIOSK_PAPER"] = "letter"
    page = kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert "kiosk-print-80mm.css" in page


def test_the_sign_up_needs_a_checked_in_visit(app, kiosk_client, station):
    gig_id = station()
    response = post(kiosk_client, f"/kiosk/v/not-a-token/gigs/{gig_id}/signup", {"key": "k"})
    assert 'data-screen="welcome"' in response.get_data(as_text=True)
