"""Hiring screens in Chromium: the employer's candidates and hires at 360 px, the worker's
invitation, the staff dispatch board with a one-touch dispatch and its slip, and the hall's big
screen at 1920x1080.

A station with gigs, walk-ins waiting, hires in several states, a wage alert and an appeal is
built through the models and the hire services; people sign in through the real pages. With
--screenshots DIR every screen is saved as hire-<name>.png.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM_FLAGS, _seed
from tests.conftest import TEST_PASSWORD, _make_app
from tests.mobile.test_hire_pages import midday_zone
from webapp.extensions import db

PHONE_VIEWPORT = {"width": 360, "height": 740}
DESK_VIEWPORT = {"width": 1366, "height": 900}
HALL_VIEWPORT = {"width": 1920, "height": 1080}
EMPLOYER_PHONE = "+8613955550001"
WORKER_PHONE = "+8613855550002"
CLEANER, LOADER, WAITER, GARDENER = "4-09-07-01", "4-02-05-01", "4-03-02-05", "4-09-10-01"


class HireServer:
    """The app on a loopback port (same process), with the seeded station's handles."""

    def __init__(self, app, url: str, market_id: int, staff: str):
        self.app, self.url, self.market_id, self.staff = app, url, market_id, staff
        self.gigs: dict[str, str] = {}

    def code_for(self, phone: str) -> str:
        """The newest one-time code texted to the number (memory outbox)."""
        from webapp.services import sms

        with self.app.app_context():
            text = sms.gateway().last_to(phone) or ""
        return re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)

    def status_of(self, gig: str, worker_name: str) -> str | None:
        """The status of a named worker's row on a gig."""
        from webapp.models import Application, Gig, Worker

        with self.app.app_context():
            status = db.session.scalar(
                select(Application.status)
                .join(Gig, Gig.id == Application.gig_id)
                .join(Worker, Worker.id == Application.worker_id)
                .where(Gig.public_id == self.gigs[gig], Worker.name == worker_name)
            )
            return status.value if status else None


def _populate(app, market_id: int) -> dict[str, str]:
    """Gigs, people on site, hires in several states, a wage alert and an appeal."""
    from webapp.identity import parse_resident_id, synthesize_resident_id
    from webapp.models import (
        Application,
        CheckIn,
        CreditEvent,
        Employer,
        Gig,
        Market,
        PhoneAccount,
        StaffUser,
        Worker,
        WorkerTrade,
    )
    from webapp.models.base import utcnow
    from webapp.models.types import (
        CheckInMethod,
        EmployerKind,
        GigStatus,
        PayUnit,
        Settlement,
        SubjectKind,
        VerificationStatus,
    )
    from webapp.services import hires, identity

    now = utcnow().replace(second=0, microsecond=0)
    with app.test_request_context():
        market = db.session.get(Market, market_id)
        market.hotline, market.latitude, market.longitude = "0371-66668888", 34.80, 113.66

        def employer(name, kind=EmployerKind.ENTERPRISE, phone=None):
            row = Employer(
                kind=kind,
                name=name,
                contact_name="李建国",
                market_id=market_id,
                verification_status=VerificationStatus.VERIFIED,
                verified_at=now,
                reverify_due_on=date.today() + timedelta(days=150),
            )
            db.session.add(row)
            db.session.flush()
            identity.store(row, "contact_phone", "+8613700006666")
            if phone:
                account = PhoneAccount(employer_id=row.id)
                identity.store(account, "phone", phone)
            return row

        def gig(owner, title, trade, headcount, hours, pay, unit=PayUnit.DAY):
            starts = now + timedelta(hours=hours)
            row = Gig(
                employer_id=owner.id,
                market_id=market_id,
                trade_code=trade,
                title=title,
                headcount=headcount,
                accepted_count=0,
                work_address="郑州市金水区花园路88号",
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                daily_hours=Decimal("8"),
                pay_amount=Decimal(pay),
                pay_unit=unit,
                settlement=Settlement.DAILY,
                contact_name="李建国",
                valid_until=date.today() + timedelta(days=3),
                status=GigStatus.OPEN,
            )
            db.session.add(row)
            db.session.flush()
            identity.store(row, "contact_phone", "+8613700006666")
            return row

        numbers = iter(range(1, 100))

        def worker(name, trade, *, on_site=None, phone=None, level=0, done=0, no_show=0):
            n = next(numbers)
            rid = parse_resident_id(
                synthesize_resident_id("410105", date(1970, 1, 1) + timedelta(days=97 * n), n, "M")
            )
            row = Worker(
                name=name,
                birth_date=rid.birth_date,
                sex=rid.sex,
                hukou_region=rid.region_code,
                registered_market_id=market_id,
                verification_status=VerificationStatus.VERIFIED,
                verification_method="kiosk_face",
                verified_at=now,
                completed_count=done,
                no_show_count=no_show,
                rating_sum=done * 4,
                rating_count=done,
            )
            identity.store(row, "id_number", rid.number)
            identity.store(row, "phone", phone or f"+861380000{n:04d}")
            row.trades.append(WorkerTrade(trade_code=trade, skill_level=level))
            db.session.flush()
            if on_site is not None:
                db.session.add(
                    CheckIn(
                        worker_id=row.id,
                        market_id=market_id,
                        method=CheckInMethod.ID_CARD_FACE,
                        checked_in_at=now - timedelta(minutes=on_site),
                    )
                )
            return row

        company = employer("郑州宏达物业管理有限公司", phone=EMPLOYER_PHONE)
        logistics = employer("河南顺通仓储物流有限公司")
        person = employer("欧阳娜娜", EmployerKind.INDIVIDUAL)
        cleaning = gig(company, "写字楼保洁三人（包午饭）", CLEANER, 3, 5, "180")
        gig(company, "商场开荒保洁", CLEANER, 5, 26, "220")
        moving = gig(logistics, "仓库卸货搬运工", LOADER, 4, 3, "260")
        gig(logistics, "夜班分拣打包", LOADER, 6, 10, "25", PayUnit.HOUR)
        gig(person, "家里搬家帮手一名", LOADER, 1, 28, "300")
        gig(company, "小区绿化养护", GARDENER, 2, 48, "170")
        gig(logistics, "餐厅传菜服务员", WAITER, 2, 6, "150")
        past = gig(company, "昨日保洁（已完工）", CLEANER, 2, -30, "180")

        workers = {
            "王大锤": worker("王大锤", CLEANER, on_site=75, done=12, no_show=1, level=4),
            "刘翠花": worker("刘翠花", CLEANER, on_site=42, done=3),
            "陈建军": worker("陈建军", LOADER, on_site=25, done=30),
            "张铁柱": worker("张铁柱", LOADER, on_site=8),
            "钱多多": worker("钱多多", WAITER, on_site=15, done=2),
            "赵小明": worker("赵小明", CLEANER, phone=WORKER_PHONE, done=5),
            "孙悟净": worker("孙悟净", CLEANER, done=1),
            "周大福": worker("周大福", CLEANER, done=7),
            "吴秀英": worker("吴秀英", CLEANER, done=21, level=5),
            "郑国强": worker("郑国强", CLEANER, no_show=2),
        }
        boss = hires.Actor("employer", company.id)
        staff = db.session.scalar(select(StaffUser).where(StaffUser.market_id == market_id))
        # the cleaning gig: an invitation out, a sign-up waiting, one taken on
        hires.invite(cleaning, workers["赵小明"], actor=boss, key=None)
        hires.apply(
            cleaning, workers["孙悟净"], actor=hires.Actor("worker", workers["孙悟净"].id), key=None
        )
        hires.apply(
            cleaning, workers["周大福"], actor=hires.Actor("worker", workers["周大福"].id), key=None
        )
        taken = db.session.scalar(
            select(Application).where(Application.worker_id == workers["周大福"].id)
        )
        hires.accept(taken, actor=boss, key=None)
        # yesterday's work, done and unpaid past its due time (欠薪预警), and a no-show appealed
        done_row = Application(
            gig_id=past.id,
            worker_id=workers["陈建军"].id,
            source="staff_dispatch",
            status="completed",
            applied_at=now - timedelta(hours=40),
            accepted_at=now - timedelta(hours=40),
            dispatched_at=now - timedelta(hours=40),
            arrived_at=now - timedelta(hours=30),
            completed_at=now - timedelta(hours=22),
            pay_due_at=now - timedelta(hours=14),
            pay_alert_at=now - timedelta(hours=13),
            agreed_pay_amount=Decimal("180"),
            agreed_pay_unit=PayUnit.DAY,
        )
        absent = Application(
            gig_id=past.id,
            worker_id=workers["刘翠花"].id,
            source="staff_dispatch",
            status="no_show",
            applied_at=now - timedelta(hours=40),
            accepted_at=now - timedelta(hours=40),
            ended_at=now - timedelta(hours=29),
        )
        db.session.add_all([done_row, absent])
        db.session.flush()
        db.session.add(
            CreditEvent(
                subject_kind=SubjectKind.WORKER,
                worker_id=workers["刘翠花"].id,
                kind="no_show",
                points=-10,
                application_id=absent.id,
                note="未到岗",
                appeal_status="pending",
                appeal_note="当天孩子发烧去医院，有病历",
            )
        )
        # this morning a loader was already sent to the warehouse
        hires.staff_dispatch(moving, workers["陈建军"], staff_id=staff.id, key=None)
        db.session.commit()
        return {"cleaning": cleaning.public_id, "moving": moving.public_id}


@pytest.fixture
def hire_server(sqlite_template, tmp_path) -> Iterator[HireServer]:
    """A fresh migrated SQLite file with a busy station, served on 127.0.0.1."""
    path = tmp_path / "hire.db"
    shutil.copy(sqlite_template, path)
    app = _make_app(
        f"sqlite:///{path}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SESSION_COOKIE_SECURE=False,  # plain http on loopback
        BABEL_DEFAULT_TIMEZONE=midday_zone(),  # walk-ins of the last hours are today's
    )
    market_id, staff = _seed(app)
    gigs = _populate(app, market_id)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="hire-server", daemon=True)
    thread.start()
    live = HireServer(app, f"http://127.0.0.1:{server.server_port}", market_id, staff)
    live.gigs = gigs
    yield live
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def chromium(playwright_driver):
    """Debian's Chromium (no camera needed here)."""
    browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
    )
    yield browser
    browser.close()


def _tab(browser, viewport, *, phone: bool = False):
    """A new context and page, Chinese like the station, collecting script errors."""
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="zh-CN",
        timezone_id=midday_zone(),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    return context, page, errors


def _shoot(page, shots: Path | None, name: str, *, full_page: bool = True) -> None:
    if shots is not None:
        page.screenshot(path=str(shots / f"hire-{name}.png"), full_page=full_page)


def _phone_sign_in(page, server: HireServer, phone: str, start: str) -> None:
    page.goto(server.url + start)
    page.fill("input[name=phone]", phone[3:])
    page.click("form[action='/m/signin'] button[type=submit]")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", server.code_for(phone))
    page.click("form[action='/m/signin/verify'] button[type=submit]")
    page.wait_for_url(re.compile(re.escape(start) + "$"))


def _pdf_pages(page) -> list[tuple[int, int]]:
    """The pages Chromium prints, as (width, height) in whole millimetres, from the PDF."""
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4)) for w, h in boxes]


def _fits_phone(page, name: str) -> None:
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"], f"{name}: the page is {width} px wide"


@pytest.mark.browser
def test_employer_candidates_and_hires_on_a_phone(chromium, hire_server, screenshots):
    server = hire_server
    context, page, errors = _tab(chromium, PHONE_VIEWPORT, phone=True)
    cleaning = server.gigs["cleaning"]
    _phone_sign_in(page, server, EMPLOYER_PHONE, f"/m/employer/gigs/{cleaning}/candidates")
    on_site = page.locator("#candidates-on-site > li")
    assert on_site.count() == 2  # the two cleaners waiting in the hall
    assert on_site.first.locator(".badge.onsite").count() == 1
    assert on_site.first.locator(".reasons li").count() >= 1
    assert page.locator("#candidates-registered > li").count() >= 1
    _fits_phone(page, "candidates")
    _shoot(page, screenshots, "1-candidates-360")

    # invite the first walk-in: one tap, then the same page with a note
    first = on_site.first.get_attribute("data-worker")
    on_site.first.locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    assert page.locator(f"#candidates-on-site > li[data-worker='{first}']").count() == 0

    page.goto(server.url + f"/m/employer/gigs/{cleaning}/hires")
    page.wait_for_selector("#group-applied")
    assert page.locator("a[href^='tel:']").count() == 1  # only the one taken on
    assert page.locator(".phone-hidden").count() >= 2
    _fits_phone(page, "hires")
    _shoot(page, screenshots, "2-hires-360")

    page.goto(server.url + f"/m/employer/gigs/{cleaning}/arrival")
    page.wait_for_selector("#arrival-form")
    _fits_phone(page, "arrival")
    _shoot(page, screenshots, "3-arrival-360")
    assert errors == []
    context.close()


@pytest.mark.browser
def test_worker_accepts_an_invitation_on_a_phone(chromium, hire_server, screenshots):
    server = hire_server
    context, page, errors = _tab(chromium, PHONE_VIEWPORT, phone=True)
    _phone_sign_in(page, server, WORKER_PHONE, "/m/worker/applications")
    assert page.locator(".invitation").count() == 1
    _fits_phone(page, "worker invitation")
    _shoot(page, screenshots, "4-worker-invitation-360")
    page.click("form[action$='/step/accept'] button")
    page.wait_for_selector(".flash")
    assert server.status_of("cleaning", "赵小明") == "accepted"
    _shoot(page, screenshots, "5-worker-accepted-360")
    assert errors == []
    context.close()


@pytest.mark.browser
def test_dispatch_board_one_touch_and_the_slip(chromium, hire_server, screenshots):
    server = hire_server
    context, page, errors = _tab(chromium, DESK_VIEWPORT)
    # window.print is recorded, not opened: headless Chromium has no print dialog to close.
    page.add_init_script(
        "window.print = function () { window.__printed = (window.__printed || 0) + 1; };"
    )
    page.goto(server.url + "/staff/login")
    page.fill("input[name=username]", server.staff)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/$"))
    page.goto(server.url + f"/staff/markets/{server.market_id}/dispatch")
    page.wait_for_selector("#dispatch-board")
    waiting = page.locator("#waiting .waiting-row")
    assert waiting.count() == 4  # 陈建军 was sent out this morning
    _shoot(page, screenshots, "6-dispatch-board")

    page.click(f"#gigs a[href*='gig={server.gigs['cleaning']}']")
    page.wait_for_selector("#chosen .candidates")
    assert page.locator("#chosen .candidates > li").count() == 2  # the two cleaners waiting
    page.click("#waiting a.pick >> nth=0")
    page.wait_for_selector("#why-not")
    _shoot(page, screenshots, "7-dispatch-chosen-gig")

    # the htmx poll replaces the board without losing the choice
    page.evaluate(
        """() => { const b = document.getElementById('dispatch-board');
                   return htmx.ajax('GET', b.getAttribute('hx-get'),
                                    {target: '#dispatch-board', swap: 'outerHTML'}); }"""
    )
    assert page.locator("#why-not").count() == 1

    page.locator("#chosen .candidates .dispatch-button").first.click()
    page.wait_for_selector("#slip")
    assert "/slip?autoprint=1" in page.url
    page.wait_for_function("() => window.__printed === 1")
    assert page.locator("#slip svg").count() == 1
    _shoot(page, screenshots, "8-slip-screen")
    page.emulate_media(media="print")
    _shoot(page, screenshots, "9-slip-print-80mm")
    assert _pdf_pages(page) == [(80, 200)]  # one receipt, on the 80 mm roll
    page.emulate_media(media="screen")
    page.click("a[href$='paper=a4']")
    page.wait_for_selector(".slip-a4")
    page.emulate_media(media="print")
    _shoot(page, screenshots, "10-slip-print-a4")
    assert _pdf_pages(page) == [(210, 297)]  # one A4 sheet
    assert errors == []
    context.close()


@pytest.mark.browser
def test_hall_screen_on_a_1920_tv(chromium, hire_server, screenshots):
    server = hire_server
    context, page, errors = _tab(chromium, HALL_VIEWPORT)
    page.goto(server.url + f"/hall/{server.market_id}")
    page.wait_for_selector("#hall-board")
    rows = page.locator(".hall-table tbody tr")
    assert rows.count() == 7  # every open gig fits
    size = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]"
    )
    assert size[0] <= 1920, size  # nothing scrolls on a TV
    assert size[1] <= 1080, size
    body = page.inner_text("body")
    for name in ("王大锤", "王*", "欧阳", "李建国", "*"):
        assert name not in body
    # the clock ticks (hall.js), in large type
    first = page.inner_text("#hall-time")
    page.wait_for_timeout(1100)
    assert page.inner_text("#hall-time") != first
    assert (
        float(
            page.eval_on_selector(".hall-table td", "e => parseFloat(getComputedStyle(e).fontSize)")
        )
        >= 36
    )
    _shoot(page, screenshots, "11-hall-1920", full_page=False)
    assert errors == []
    context.close()
