"""The hall's big screen (/hall/<id>): public, read-only, today's figures, no personal data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.mobile.test_hire_pages import midday_zone
from webapp.extensions import db

CONTACT = "+8613912345678"
WORKER_PHONE = "+8613800001111"
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_MOBILE = re.compile(r"1[3-9]\d\*{4}\d{4}")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture(autouse=True)
def station_at_midday(app):
    """The hall's station is at midday, so "today" holds the check-ins made minutes ago."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = midday_zone()


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def make_employer(app):
    """An employer: make_employer(market_id, kind="enterprise", name=...) -> id."""
    from webapp.models import Employer
    from webapp.models.base import utcnow
    from webapp.models.types import EmployerKind, VerificationStatus
    from webapp.services import identity

    def make(market_id, *, kind="enterprise", name="郑州宏达建筑劳务有限公司"):
        with app.app_context():
            employer = Employer(
                kind=EmployerKind(kind),
                name=name,
                contact_name="李建国",
                market_id=market_id,
                verification_status=VerificationStatus.VERIFIED,
                verified_at=utcnow(),
                reverify_due_on=date.today() + timedelta(days=150),
            )
            db.session.add(employer)
            db.session.flush()
            identity.store(employer, "contact_phone", CONTACT)
            db.session.commit()
            return employer.id

    return make


@pytest.fixture
def make_gig(app):
    """A gig: make_gig(employer_id, title=..., headcount=3, accepted=0, status="open") -> id."""
    from webapp.models import Employer, Gig
    from webapp.models.base import utcnow
    from webapp.models.types import GigStatus, PayUnit, Settlement
    from webapp.services import identity

    def make(employer_id, *, title="写字楼保洁", headcount=3, accepted=0, status="open", hours=3):
        with app.app_context():
            employer = db.session.get(Employer, employer_id)
            starts = utcnow() + timedelta(hours=hours)
            gig = Gig(
                employer_id=employer.id,
                market_id=employer.market_id,
                trade_code="4-09-07-01",
                title=title,
                headcount=headcount,
                accepted_count=accepted,
                work_address="金水路88号大厦",
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=9),
                daily_hours=Decimal("8"),
                pay_amount=Decimal("180"),
                pay_unit=PayUnit.DAY,
                settlement=Settlement.DAILY,
                contact_name="李建国",
                valid_until=date.today() + timedelta(days=2),
                status=GigStatus(status),
            )
            db.session.add(gig)
            db.session.flush()
            identity.store(gig, "contact_phone", CONTACT)
            db.session.commit()
            return gig.id

    return make


def _check_in(app, worker_public_id, market_id, *, days_ago=0):
    """A kiosk check-in of a worker (today, or some days ago)."""
    from sqlalchemy import select

    from webapp.models import CheckIn, Worker
    from webapp.models.base import utcnow
    from webapp.models.types import CheckInMethod

    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_public_id))
        db.session.add(
            CheckIn(
                worker_id=worker.id,
                market_id=market_id,
                method=CheckInMethod.ID_CARD_FACE,
                checked_in_at=utcnow() - timedelta(days=days_ago, minutes=5),
            )
        )
        db.session.commit()


def _hire(app, gig_id, worker_public_id, *, status="dispatched", days_ago=0):
    """An application taken on (and sent to work) today or some days ago."""
    from sqlalchemy import select

    from webapp.models import Application, Worker
    from webapp.models.base import utcnow
    from webapp.models.types import ApplicationSource, ApplicationStatus

    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_public_id))
        at = utcnow() - timedelta(days=days_ago, minutes=1)
        db.session.add(
            Application(
                gig_id=gig_id,
                worker_id=worker.id,
                source=ApplicationSource.STAFF_DISPATCH,
                status=ApplicationStatus(status),
                applied_at=at,
                accepted_at=at,
                dispatched_at=at if status == "dispatched" else None,
            )
        )
        db.session.commit()


@pytest.fixture
def hall(app, make_market, make_worker, make_employer, make_gig):
    """A city with a station (its hall) and a sister station; people, gigs and hires today."""
    city = make_market("city", name="郑州市零工市场", region_code="410100")
    station = make_market(parent=city, name="花园路街道零工服务站", hotline="0371-66668888")
    other = make_market(parent=city, name="其他街道零工服务站", region_code="410103")
    company = make_employer(station)
    person = make_employer(station, kind="individual", name="欧阳娜娜")
    elsewhere = make_employer(other, name="别处物业有限公司")
    gigs = {
        "cleaning": make_gig(company, title="写字楼保洁三人", headcount=3, accepted=1),
        "moving": make_gig(person, title="搬家帮手一人", headcount=1),
        "full": make_gig(company, title="已经招满的活", headcount=2, accepted=2),
        "draft": make_gig(company, title="还没发布的草稿", status="draft"),
        "other": make_gig(elsewhere, title="别处的活", headcount=2),
    }
    walkers = [
        make_worker(station, name="张三丰", phone=f"+86138000011{n:02d}")[0] for n in range(3)
    ]
    for public_id in walkers:
        _check_in(app, public_id, station)
    _check_in(app, walkers[0], station)  # twice today: still one person
    yesterday = make_worker(station, name="李四光", phone=WORKER_PHONE)[0]
    _check_in(app, yesterday, station, days_ago=1)
    _hire(app, gigs["cleaning"], walkers[0])  # accepted and dispatched today
    _hire(app, gigs["full"], walkers[1], status="accepted")
    _hire(app, gigs["full"], yesterday, days_ago=1)  # yesterday's: not today's figures
    return {"city": city, "station": station, "other": other, "gigs": gigs}


def _figure(html: str, name: str) -> int:
    """A figure tile's number."""
    found = re.search(rf'id="fig-{name}">(\d+)<', html)
    assert found, name
    return int(found.group(1))


def test_hall_shows_open_gigs_and_todays_figures_without_signing_in(client, hall):
    response = client.get(f"/hall/{hall['station']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "写字楼保洁三人" in html
    assert "搬家帮手一人" in html
    assert "已经招满的活" not in html  # no places left
    assert "还没发布的草稿" not in html
    assert "别处的活" not in html  # another station's hall
    assert "¥180" in html
    assert _figure(html, "walk-ins") == 3  # people, not check-ins; yesterday's not counted
    assert _figure(html, "gigs-open") == 2
    assert _figure(html, "places-open") == 3  # 2 cleaning + 1 moving
    assert _figure(html, "filled") == 2  # accepted today (yesterday's hire not counted)
    assert _figure(html, "dispatched") == 1
    assert "0371-66668888" in html  # the station's public hotline
    assert 'id="hall-time"' in html
    assert 'hx-trigger="every 30s"' in html
    assert 'http-equiv="refresh"' in html
    assert response.headers["Cache-Control"] == "no-cache"


def test_hall_shows_no_personal_data(client, hall):
    html = client.get(f"/hall/{hall['station']}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    for name in ("张三丰", "张*", "李四光", "李*", "欧阳娜娜", "欧阳*", "欧*", "李建国"):
        assert name not in text, name
    assert "Individual employer" in text  # the private employer, unnamed
    assert "郑州宏达建筑劳务有限公司" in text  # a unit's registered name is public
    assert not FULL_MOBILE.search(text)
    assert not MASKED_MOBILE.search(text)
    assert not ID_NUMBER.search(text)
    assert "*" not in text  # nothing masked either: nothing personal at all


def test_a_city_hall_rolls_up_its_stations(client, hall):
    html = client.get(f"/hall/{hall['city']}").get_data(as_text=True)
    assert "写字楼保洁三人" in html
    assert "别处的活" in html
    assert _figure(html, "gigs-open") == 3


def test_the_poll_gets_the_board_alone(client, hall):
    response = client.get(f"/hall/{hall['station']}", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<main class="hall-board" id="hall-board"')
    assert "写字楼保洁三人" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_unknown_or_closed_markets_are_404(app, client, hall, make_market):
    from webapp.models import Market

    closed = make_market(name="停用的服务站")
    with app.app_context():
        db.session.get(Market, closed).is_active = False
        db.session.commit()
    assert client.get(f"/hall/{closed}").status_code == 404
    assert client.get("/hall/999999").status_code == 404
    assert client.post(f"/hall/{hall['station']}").status_code in {400, 405}


def test_many_gigs_show_what_fits_and_how_many_more(client, hall, make_employer, make_gig):
    employer = make_employer(hall["other"], name="大量招工有限公司")
    for n in range(12):
        make_gig(employer, title=f"批量岗位{n:02d}", hours=10 + n)
    html = client.get(f"/hall/{hall['other']}").get_data(as_text=True)
    assert html.count('<td class="c-title">') == 10
    assert "And 3 more gigs" in html


def test_an_empty_hall_says_so(client, make_market):
    station = make_market(name="新开的服务站")
    html = client.get(f"/hall/{station}").get_data(as_text=True)
    assert "No open gigs right now" in html
    assert _figure(html, "walk-ins") == 0
