"""Browser tests: the kiosk in Debian's Chromium, driven by Playwright, with a fake camera.

- A live server: the app (TestingConfig) on a migrated temporary SQLite file, served by werkzeug
  on 127.0.0.1 (a free port) in a daemon thread, with the simulated card reader.
- One Chromium per camera video (the video is a launch argument), launched from
  /usr/bin/chromium with the flags this closed network needs; never a downloaded browser build.
- `--screenshots DIR` saves a PNG of every screen the tests pass through, in portrait 1080x1920
  and landscape 1920x1080.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser import camera
from tests.conftest import TEST_PASSWORD, _make_app
from webapp.extensions import db

FACES = Path(__file__).resolve().parents[2].parent / "shared" / "faces"
CHROMIUM = Path("/usr/bin/chromium")
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
# The product's idle reset (60 s). The idle test lowers it for its own page only: a 3-second
# idle would also fire during a face capture (about 4 s without a touch) or between two polls
# of the staff-review screen (every 3 s).
IDLE_SECONDS = 60
SHORT_IDLE_SECONDS = 3
BROWSER_MIN_TURN = 0.20  # LIVENESS_MIN_TURN for the browser tests (why: live_server)
# The kiosk's closed network: no background connections, no sandbox as root, a fresh profile.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CAMERA_FLAGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
VIDEOS = ("person_a", "person_b", "no_face", "two_people")


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        metavar="DIR",
        default=None,
        help="browser tests: save a PNG of every kiosk screen (portrait and landscape) in DIR",
    )


def needs_faces() -> None:
    """Skip when ../shared/faces is absent (the test photos are never committed)."""
    if not FACES.is_dir():
        pytest.skip(f"{FACES} is absent: the browser tests need the shared test photos")


def needs_chromium() -> None:
    """Skip when Debian's chromium is not installed (.ci/run installs it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (see .ci/run)")


# --------------------------------------------------------------------------- camera videos


class Videos:
    """The camera videos, made on first use and kept for the session."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: dict[str, Path] = {}
        self.turns: dict[str, camera.HeadTurn] = {}

    def head_turn(self, name: str) -> camera.HeadTurn:
        """The synthetic head turn of person_a_1.jpg or person_b_1.jpg."""
        if name not in self.turns:
            photo = FACES / f"{name}_1.jpg"
            self.turns[name] = camera.head_turn_video(photo, self.folder / f"{name}.y4m")
            self.paths[name] = self.folder / f"{name}.y4m"
        return self.turns[name]

    def path(self, name: str) -> Path:
        """The Y4M file for a video name (see VIDEOS)."""
        needs_faces()
        if name in self.paths:
            return self.paths[name]
        if name in ("person_a", "person_b"):
            self.head_turn(name)
        elif name == "no_face":
            self.paths[name] = camera.still_video(camera.no_face_frame(), self.folder / "nf.y4m")
        elif name == "two_people":
            frame = camera.letterbox(camera.Image.open(FACES / "two_people.jpg"))
            self.paths[name] = camera.still_video(frame, self.folder / "two.y4m")
        else:
            raise KeyError(name)
        return self.paths[name]


@pytest.fixture(scope="session")
def videos(tmp_path_factory) -> Videos:
    """Camera videos made from ../shared/faces."""
    return Videos(tmp_path_factory.mktemp("camera"))


# --------------------------------------------------------------------------- live server


class LiveServer:
    """The app served on a loopback port, with handles the tests need."""

    def __init__(self, app, url: str, log: list[str]):
        self.app = app
        self.url = url
        self.log = log
        self.market_id: int | None = None
        self.admin: str | None = None

    def text(self, message) -> str:
        """A (lazy) message as the kiosk shows it, in Chinese."""
        with self.app.test_request_context(), force_locale("zh_CN"):
            return str(message)

    def register_kiosk(self, orientation: str = "portrait") -> tuple[int, str]:
        """A new kiosk of the market (own face-attempt counters), and its device token."""
        from kiosk import devices
        from webapp.models import Market, StaffUser

        with self.app.app_context():
            staff = db.session.scalar(select(StaffUser).where(StaffUser.username == self.admin))
            kiosk, token = devices.register_kiosk(
                db.session.get(Market, self.market_id), "大厅", orientation, staff
            )
            db.session.commit()
            return kiosk.id, token


class _LogToList(logging.Handler):
    """Keep the server's log lines (request lines and tracebacks) for failure reports."""

    def __init__(self, sink: list[str]):
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(self.format(record))


def _seed(app) -> tuple[int, str]:
    """A station market with a station admin."""
    from datetime import time

    from webapp.models import Market, StaffUser
    from webapp.models.types import MarketLevel, StaffRole
    from webapp.services.auth import hash_password

    with app.app_context():
        market = Market(
            level=MarketLevel.STATION,
            name="金水区零工驿站",
            region_code="410105",
            opens_at=time(0, 0),
            closes_at=time(23, 59),
            capacity=50,
        )
        db.session.add(market)
        db.session.flush()
        db.session.add(
            StaffUser(
                username="station_admin",
                display_name="站长",
                password_hash=hash_password(TEST_PASSWORD),
                role=StaffRole.STATION_ADMIN,
                market_id=market.id,
            )
        )
        db.session.commit()
        return market.id, "station_admin"


@pytest.fixture
def live_server(sqlite_template, tmp_path) -> Iterator[LiveServer]:
    """The app on its own migrated SQLite file, served on 127.0.0.1 in a daemon thread.

    One per test (about 0.3 s): every test starts with an empty market, so a first visit is a
    first visit whatever ran before, and face attempts never carry over.
    """
    needs_faces()
    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)  # migrated once from empty by flask_migrate.upgrade
    app = _make_app(
        f"sqlite:///{path}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        KIOSK_CARD_READER="simulated",
        KIOSK_SIM_PHOTO_DIR=str(FACES),
        SESSION_COOKIE_SECURE=False,  # plain http on loopback
        KIOSK_IDLE_SECONDS=IDLE_SECONDS,
        # The calibrated match threshold is 0.38. Person A's two photos sit at about 0.39 (the
        # card of adult_a_other_photo is cut from person_a_2, the camera shows person_a_1),
        # inside the calibrated staff-review band, as faces.md's real browser frame was (0.38).
        # 0.45 keeps that genuine pair on the match path; person B against person A's card
        # (0.82-0.93) stays far above the reject line (0.70).
        FACE_MATCH_THRESHOLD=0.45,
        # The product asks for a turn of 0.25 (yaw ratio). The synthetic head turn reaches, at
        # worst over JPEG/shift/blur versions of its frames, +0.24 / -0.26 for person A and
        # +/-0.34 for person B (see camera.py; the 5-point landmarks are whole pixels, so a
        # frame's yaw moves by a few hundredths between versions): 0.25 would sit at the edge
        # of what a believable warp of person A gives. 0.20 is still well above a frontal
        # frame (FRONTAL_MAX_YAW 0.12), so the check keeps its meaning.
        LIVENESS_MIN_TURN=BROWSER_MIN_TURN,
    )
    log: list[str] = []
    handler = _LogToList(log)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger("werkzeug"), app.logger]
    for logger in loggers:
        logger.addHandler(handler)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}", log)
    live.market_id, live.admin = _seed(app)
    yield live
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    for logger in loggers:
        logger.removeHandler(handler)
    with app.app_context():
        db.session.remove()  # return the session's connection first
        db.engine.dispose()


# --------------------------------------------------------------------------- browsers


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's driver (it drives the system Chromium; no browser is downloaded)."""
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(request, playwright_driver, videos):
    """Chromium whose camera plays the video named by the test's parameter (indirect)."""
    video = videos.path(request.param)
    # No --user-data-dir here: Playwright refuses it in launch() and always starts Chromium on
    # a fresh, empty temporary profile of its own, which is what the closed network needs.
    launched = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_FLAGS,
            *CAMERA_FLAGS,
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield launched
    launched.close()


class KioskPage:
    """A kiosk browser tab with its own registered kiosk, console log and screenshot helper."""

    def __init__(self, page, live: LiveServer, kiosk_id: int, shots: Path | None):
        self.page = page
        self.live = live
        self.kiosk_id = kiosk_id
        self.shots = shots
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"console.{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def open(self) -> None:
        """Load the kiosk shell and wait for the welcome screen and the simulator panel."""
        self.page.goto(self.live.url + "/kiosk/")
        self.wait("welcome")
        self.page.wait_for_selector("#sim-panel button[data-card='adult_a']")

    def screen(self, name: str, timeout: float = 15_000):
        """Wait until this screen is the one shown."""
        return self.page.wait_for_selector(f"#screen [data-screen='{name}']", timeout=timeout)

    wait = screen

    def place_card(self, key: str) -> None:
        """Place a fixture card on the simulated reader."""
        self.page.click(f"#sim-panel button[data-card='{key}']")

    def text(self) -> str:
        """The visible text of the current screen."""
        return self.page.inner_text("#screen")

    def shoot(self, name: str) -> None:
        """With --screenshots: PNGs of the whole page in portrait and landscape."""
        shoot(self.page, self.shots, name)


def shoot(page, folder: Path | None, name: str) -> None:
    """Save PNGs of the page in portrait and landscape in folder (with --screenshots).

    Kiosk screens scroll inside #screen (the page itself never scrolls): each further
    screenful of #screen is saved as name-orientation-2.png, -3, ... Other pages: full page.
    """
    if folder is None:
        return
    before = page.viewport_size
    for label, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        page.set_viewport_size(size)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 150)))")
        pages = page.evaluate(
            """() => { const s = document.getElementById('screen');
                       return s ? Math.ceil((s.scrollHeight - 2) / s.clientHeight) : 0; }"""
        )
        if not pages:
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
            continue
        for number in range(pages):
            page.evaluate(
                "n => { const s = document.getElementById('screen');"
                " s.scrollTop = n * s.clientHeight; }",
                number,
            )
            suffix = f"-{number + 1}" if number else ""
            page.screenshot(path=str(folder / f"{name}-{label}{suffix}.png"))
        page.evaluate("() => { document.getElementById('screen').scrollTop = 0; }")
    page.set_viewport_size(before)


@pytest.fixture(scope="session")
def screenshots(request) -> Path | None:
    """The --screenshots folder, created, or None."""
    value = request.config.getoption("--screenshots")
    if not value:
        return None
    folder = Path(value)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_context(browser, viewport=PORTRAIT):
    """A fresh browser context (own cookies and sessionStorage), Chinese like the kiosk."""
    return browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")


@pytest.fixture
def kiosk_tab(request, browser, live_server, screenshots) -> Iterator[KioskPage]:
    """A new registered kiosk and a browser tab holding its device cookie."""
    kiosk_id, token = live_server.register_kiosk()
    context = new_context(browser)
    context.add_cookies(
        [
            {
                "name": "gm_kiosk",
                "value": token,
                "domain": "127.0.0.1",
                "path": "/kiosk",
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    kiosk_page = KioskPage(page, live_server, kiosk_id, screenshots)
    yield kiosk_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print("---- browser console ----")
        print("\n".join(kiosk_page.console) or "(nothing)")
        print("---- server log ----")
        print("\n".join(live_server.log) or "(nothing)")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell that a test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
