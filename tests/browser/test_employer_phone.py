"""The employer's whole phone flow in Chromium at a 360x740 phone viewport.

Sign in with the code from the memory SMS outbox (the live server runs in this process, in a
thread, so the test reads the same outbox), verify as an enterprise with a generated licence
photo, staff approve through the service layer, post a gig, preview it, publish it, see it open.
Every page must fit the 360-px width (no horizontal scroll). With --screenshots DIR, each page
is saved as employer-phone-<step>.png.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM_FLAGS, _seed
from tests.conftest import _make_app
from tests.mobile.conftest import make_jpeg, new_id_number, new_uscc
from webapp.extensions import db

PHONE_VIEWPORT = {"width": 360, "height": 740}
PHONE = "+8613955556666"
NO_SIDE_SCROLL = "() => document.scrollingElement.scrollWidth"


class PhoneServer:
    """The app served on a loopback port in a daemon thread (same process as the test)."""

    def __init__(self, app, url: str, market_id: int, staff: str):
        self.app, self.url, self.market_id, self.staff = app, url, market_id, staff

    def code_for(self, phone: str) -> str:
        """The newest one-time code texted to the number (memory outbox)."""
        from webapp.services import sms

        with self.app.app_context():
            text = sms.gateway().last_to(phone) or ""
        return re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)

    def approve_employer(self, phone: str) -> None:
        """Staff approve the employer's waiting request (service layer)."""
        from webapp.models import StaffUser
        from webapp.services import identity, verification

        with self.app.test_request_context():
            account = identity.find_account_by_phone(phone)
            request = verification.pending_request(account.employer)
            staff = db.session.scalar(select(StaffUser).where(StaffUser.username == self.staff))
            verification.decide(request, staff, approve=True, reason="")
            db.session.commit()

    def gig_status(self, public_id: str) -> str:
        """A gig's status, read in a fresh session."""
        from webapp.models import Gig

        with self.app.app_context():
            return db.session.scalar(select(Gig.status).where(Gig.public_id == public_id)).value


@pytest.fixture
def phone_server(sqlite_template, tmp_path) -> Iterator[PhoneServer]:
    """A fresh migrated SQLite file with one station and its admin, served on 127.0.0.1."""
    path = tmp_path / "phone.db"
    shutil.copy(sqlite_template, path)
    app = _make_app(
        f"sqlite:///{path}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SESSION_COOKIE_SECURE=False,  # plain http on loopback
    )
    market_id, _username = _seed(app)  # the station and its admin, as the kiosk tests have
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="phone-server", daemon=True)
    thread.start()
    yield PhoneServer(app, f"http://127.0.0.1:{server.server_port}", market_id, "station_admin")
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()  # return the session's connection first
        db.engine.dispose()


@pytest.fixture
def phone(playwright_driver, screenshots):
    """A Chromium tab at a 360x740 phone viewport (touch, mobile meta viewport honoured)."""
    browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS
    )
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    yield page, errors
    context.close()
    browser.close()


def check_page(page, shots: Path | None, name: str) -> None:
    """The page fits a 360-px phone; with --screenshots, save it whole."""
    page.wait_for_load_state("load")
    width = page.evaluate(NO_SIDE_SCROLL)
    assert width <= PHONE_VIEWPORT["width"], f"{name}: the page is {width} px wide"
    if shots is not None:
        page.screenshot(path=str(shots / f"employer-phone-{name}.png"), full_page=True)


@pytest.mark.browser
def test_employer_flow_on_a_phone(phone, phone_server, screenshots, tmp_path):
    page, errors = phone
    server = phone_server
    licence = tmp_path / "licence.jpg"
    licence.write_bytes(make_jpeg(1200, 850, exif=True))

    # 1. Signing in: the employer pages send a stranger to the number form, then to the code.
    page.goto(server.url + "/m/employer")
    assert "/m/signin" in page.url
    check_page(page, screenshots, "1-number")
    page.fill("input[name=phone]", "139 5555 6666")
    page.click("form[action='/m/signin'] button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code_input = page.locator("input[name=code]")
    assert code_input.get_attribute("inputmode") == "numeric"
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    assert page.is_disabled("button[data-resend-after]")  # mobile.js counts down the resend
    check_page(page, screenshots, "2-code")
    code_input.fill(server.code_for(PHONE))
    page.click("form[action='/m/signin/verify'] button[type=submit]")
    page.wait_for_url(re.compile(r"/m/employer$"))
    check_page(page, screenshots, "3-employer-home")

    # 2. Real-name verification as an enterprise, with a licence photo from the camera.
    page.goto(server.url + "/m/employer/verify")
    check_page(page, screenshots, "4-choose-kind")
    page.click("a[href='/m/employer/verify?kind=enterprise']")
    page.wait_for_selector("input[name=uscc]")
    page.fill("input[name=name]", "郑州宏达建筑劳务有限公司")
    page.fill("input[name=uscc]", new_uscc())
    page.set_input_files("input[name=licence]", str(licence))
    page.wait_for_selector("#p-licence:not([hidden])")  # the preview of the chosen photo
    page.fill("input[name=contact_name]", "李建国")
    page.fill("input[name=contact_id]", new_id_number())
    page.select_option("select[name=industry_division]", "47")
    page.fill("input[name=address]", "郑州市金水区花园路1号")
    page.select_option("select[name=market_id]", str(server.market_id))
    check_page(page, screenshots, "5-enterprise-form")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("#verification-status .status-pending")
    check_page(page, screenshots, "6-waiting-for-review")

    # 3. Staff approve (service layer); the employer sees it.
    server.approve_employer(PHONE)
    page.goto(server.url + "/m/employer")
    page.wait_for_selector("#verification-status .status-verified")
    check_page(page, screenshots, "7-verified-home")

    # 4. Post a gig with the standard fields, see the preview.
    page.click("a[href='/m/employer/gigs/new']")
    page.wait_for_selector("select[name=trade_code]")
    start = date.today() + timedelta(days=2)
    page.select_option("select[name=trade_code]", "4-02-05-01")
    page.fill("input[name=title]", "搬运工2人后天上午")
    page.fill("textarea[name=description]", "仓库卸货，男女不限，包午饭，年满18周岁。")
    page.fill("input[name=headcount]", "2")
    page.fill("input[name=work_address]", "金水区花园路88号仓库")
    page.fill("input[name=starts_at]", f"{start}T08:00")
    page.fill("input[name=ends_at]", f"{start}T17:00")
    page.fill("input[name=pay_amount]", "200")
    page.select_option("select[name=pay_unit]", "day")
    page.select_option("select[name=settlement]", "daily")
    page.check("input[name=provides_meals]")
    check_page(page, screenshots, "8-gig-form")
    page.click("form[action='/m/employer/gigs/new'] button[type=submit]")
    page.wait_for_selector("#preview")
    assert "搬运工2人后天上午" in page.inner_text("#preview")
    assert "¥200" in page.inner_text("#preview")
    assert page.locator("#gig-status.status-draft").count() == 1
    public_id = re.search(r"/m/employer/gigs/([0-9a-f]{32})$", page.url).group(1)
    check_page(page, screenshots, "9-preview")

    # 5. Publish: it opens.
    page.click(f"form[action='/m/employer/gigs/{public_id}/publish'] button")
    page.wait_for_selector("#gig-status.status-open")
    check_page(page, screenshots, "10-open")
    assert server.gig_status(public_id) == "open"
    page.goto(server.url + "/m/employer")
    page.wait_for_selector("#my-gigs .status-open")
    check_page(page, screenshots, "11-my-gigs")
    assert errors == []
