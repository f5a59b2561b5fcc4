"""Staff side of the kiosk: device registration, on-site occupancy, closing time."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.conftest import csrf_token_from
from webapp.extensions import db
from webapp.models import CheckIn, Kiosk, Market, Worker
from webapp.models.types import CheckInMethod
from webapp.services import checkins

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_admin_registers_a_kiosk_whose_code_pairs_the_device(
    app, client, make_market, make_staff, login
):
    market_id = make_market()
    login(make_staff(market_id, role="station_admin"))
    page = client.get(f"/staff/markets/{market_id}/kiosks").get_data(as_text=True)
    shown = client.post(
        f"/staff/markets/{market_id}/kiosks",
        data={"name": "大厅左侧", "orientation": "landscape", "csrf_token": csrf_token_from(page)},
    ).get_data(as_text=True)
    token = re.search(r'class="mono big-code">([^<]+)<', shown).group(1)
    device = app.test_client()
    setup = device.get("/kiosk/setup").get_data(as_text=True)
    paired = device.post(
        "/kiosk/setup", data={"token": token, "csrf_token": csrf_token_from(setup)}
    )
    assert paired.status_code == 302
    cookie = paired.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert 'data-screen="welcome"' in device.get("/kiosk/").get_data(as_text=True)
    with app.app_context():
        kiosk = db.session.scalars(select(Kiosk)).one()
        assert kiosk.token_hash != token  # only the hash is stored
        assert kiosk.orientation == "landscape"
    # The code is shown once: the list page does not repeat it.
    assert token not in client.get(f"/staff/markets/{market_id}/kiosks").get_data(as_text=True)


def test_station_staff_cannot_register_kiosks_and_bad_codes_fail(
    client, make_market, make_staff, login
):
    market_id = make_market()
    login(make_staff(market_id, role="station_staff"))
    page = client.get(f"/staff/markets/{market_id}/kiosks").get_data(as_text=True)
    response = client.post(
        f"/staff/markets/{market_id}/kiosks",
        data={"name": "x", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 403
    device = client.application.test_client()
    setup = device.get("/kiosk/setup").get_data(as_text=True)
    bad = device.post("/kiosk/setup", data={"token": "guess", "csrf_token": csrf_token_from(setup)})
    assert bad.status_code == 400


def test_revoked_kiosks_stop_working(app, kiosk_client, login):
    with app.app_context():
        kiosk_id = db.session.scalar(select(Kiosk.id))
    staff = app.test_client()
    login(kiosk_client.admin, c=staff)
    page = staff.get(f"/staff/markets/{kiosk_client.market_id}/kiosks").get_data(as_text=True)
    staff.post(f"/staff/kiosks/{kiosk_id}/revoke", data={"csrf_token": csrf_token_from(page)})
    assert 'data-screen="unregistered"' in kiosk_client.get("/kiosk/").get_data(as_text=True)


def _check_in(app, market_id, worker_public_id, at):
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_public_id))
        row = CheckIn(
            worker_id=worker.id, market_id=market_id, method=CheckInMethod.QR, checked_in_at=at
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_on_site_page_warns_at_capacity(app, client, make_market, make_staff, make_worker, login):
    market_id = make_market(capacity=2)
    now = datetime.now(SHANGHAI).astimezone(ZoneInfo("UTC"))
    for phone in ("+8613800000001", "+8613800000002"):
        public_id, _ = make_worker(market_id, phone=phone)
        _check_in(app, market_id, public_id, now - timedelta(minutes=5))
    login(make_staff(market_id))
    page = client.get(f"/staff/markets/{market_id}/onsite").get_data(as_text=True)
    assert "occupancy-full" in page
    fragment = client.get(
        f"/staff/markets/{market_id}/onsite", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'hx-trigger="every 10s"' in fragment


def test_occupancy_levels(app, make_market):
    market_id = make_market(capacity=10)
    with app.app_context():
        market = db.session.get(Market, market_id)
        assert checkins.Occupancy(0, 10).level == "ok"
        assert checkins.Occupancy(9, 10).level == "near"
        assert checkins.Occupancy(10, 10).level == "full"
        assert checkins.Occupancy(10, None).level == "ok"
        assert checkins.occupancy(market).on_site == 0


def test_open_check_ins_close_at_closing_time(app, make_market, make_worker):
    market_id = make_market(closes_at=time(18, 0))
    morning = datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
    a, _ = make_worker(market_id, phone="+8613800000011")
    b, _ = make_worker(market_id, phone="+8613800000012")
    yesterday = _check_in(app, market_id, a, morning - timedelta(days=1))
    today = _check_in(app, market_id, b, morning)
    with app.app_context():
        # At noon only yesterday's is closed, at its own closing time.
        assert checkins.close_at_closing_time(morning.replace(hour=12)) == 1
        db.session.commit()
        row = db.session.get(CheckIn, yesterday)
        assert row.checked_out_at == datetime(2026, 3, 1, 18, 0, tzinfo=SHANGHAI)
        assert db.session.get(CheckIn, today).checked_out_at is None
        # After 18:00 today's closes too; running again changes nothing.
        assert checkins.close_at_closing_time(morning.replace(hour=18, minute=20)) == 1
        assert checkins.close_at_closing_time(morning.replace(hour=18, minute=40)) == 0
        db.session.commit()
        assert db.session.get(CheckIn, today).checked_out_at == datetime(
            2026, 3, 2, 18, 0, tzinfo=SHANGHAI
        )
