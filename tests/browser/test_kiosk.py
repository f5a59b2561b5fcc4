"""The kiosk in a real browser: simulated card reader, fake camera, staff review, idle reset.

Each browser test gets its own server and database (conftest.live_server) and its own registered
kiosk; tests that need the same camera video share one Chromium (the video is a launch argument,
so the `browser` fixture is parametrized, indirectly, by video name).
"""

from __future__ import annotations

import re
import time
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import select

from kiosk import face, visits
from kiosk.cardreader import fixtures
from kiosk.face.liveness import FRONTAL_MAX_YAW, SAME_PERSON_MAX_DISTANCE
from tests.browser import camera
from tests.browser.conftest import (
    BROWSER_MIN_TURN,
    LANDSCAPE,
    SHORT_IDLE_SECONDS,
    needs_faces,
    new_context,
    shoot,
)
from tests.conftest import TEST_PASSWORD
from webapp.extensions import db
from webapp.identity.masking import mask_name
from webapp.models import AuditEvent, CheckIn, KioskVisit, StaffUser, Worker
from webapp.models.types import CheckInMethod, FaceDecision

CARDS = fixtures.load_specs()
# The screens that can follow a face capture (the face screen again only with a notice).
NEW_SCREEN = "#screen [data-screen]:not([data-old-screen])"
CAMERA_PLAYING = (
    "() => { const v = document.querySelector('#screen video');"
    " return !!v && !!v.srcObject && v.readyState >= 2 && v.videoWidth > 0; }"
)


def video(name: str):
    """Run the test in the Chromium whose camera plays this video (see conftest.VIDEOS)."""
    return pytest.mark.parametrize("browser", [name], indirect=True)


def rows(live, model, **where):
    """All rows of a model matching the column values, read in a fresh session."""
    with live.app.app_context():
        query = select(model).filter_by(**where)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def start_face_check(k, card: str) -> None:
    """Place a card, agree to the face comparison, and wait for the camera to play."""
    page = k.page
    k.place_card(card)
    k.screen("consent")
    assert page.is_disabled("#face-yes"), "Continue must wait for the consent box"
    page.check("#screen input[name=agree]")
    page.click("#face-yes")
    k.screen("face")
    page.wait_for_function(CAMERA_PLAYING)


def capture(k) -> str:
    """Press Start, let camera.js take its frames, and return the screen that follows."""
    page = k.page
    page.eval_on_selector("#screen [data-screen]", "s => s.setAttribute('data-old-screen', '')")
    page.click("#screen [data-capture]")
    # ~4.5 s of capture (camera.js), then the server's face check.
    page.wait_for_selector(NEW_SCREEN, timeout=30_000)
    return page.get_attribute("#screen [data-screen]", "data-screen")


def turn_pages_until(page, selector: str) -> None:
    """Press Next on a paged form until the element is shown (at once on a one-page form)."""
    for _ in range(8):
        if page.is_visible(selector):
            return
        page.click("#screen [data-next]")
    raise AssertionError(f"{selector} never showed")


# --------------------------------------------------------------------------- the head turn


@pytest.mark.parametrize("person", ["person_a", "person_b"])
def test_synthetic_head_turn_turns_both_ways_and_stays_the_same_person(videos, person):
    needs_faces()
    turn = videos.head_turn(person)
    print(turn.summary())
    low, high = turn.frontal_yaw
    assert -FRONTAL_MAX_YAW <= low <= high <= FRONTAL_MAX_YAW
    assert turn.yaw["left"] >= BROWSER_MIN_TURN
    assert turn.yaw["right"] <= -BROWSER_MIN_TURN
    assert max(turn.distance.values()) < SAME_PERSON_MAX_DISTANCE
    assert turn.left_right_distance < SAME_PERSON_MAX_DISTANCE
    # The product's own check, on the frames as the server gets them, for either challenge.
    frames = [turn.frontal, turn.turned["left"], turn.turned["right"]]
    samples = [face.encode_single_face(np.asarray(camera.as_captured(f))) for f in frames]
    yaws = [face.yaw_ratio(s.landmarks) for s in samples]
    assert yaws[1] >= BROWSER_MIN_TURN, yaws
    assert yaws[2] <= -BROWSER_MIN_TURN, yaws
    for challenge in ("left", "right"):
        result = face.check_head_turn(samples, challenge, min_turn=BROWSER_MIN_TURN)
        assert result.passed, (challenge, result)
    # A still photo cannot pass: that is what the warp is for.
    still = face.check_head_turn([samples[0]] * 3, "left", min_turn=BROWSER_MIN_TURN)
    assert not still.passed


# --------------------------------------------------------------------------- check-in


@pytest.mark.browser
@video("person_a")
@pytest.mark.parametrize(
    "card",
    [
        "adult_a",  # card photo cut from person_a_1, the photo the camera shows
        "adult_a_other_photo",  # card photo from person_a_2: a different photo of A (0.39)
    ],
)
def test_check_in_with_a_face_that_matches_the_card(kiosk_tab, live_server, card):
    k, page = kiosk_tab, kiosk_tab.page
    name = CARDS[card]["name"]
    k.open()
    k.shoot("welcome")
    k.place_card(card)
    consent = k.screen("consent")
    assert mask_name(name) in consent.inner_text()
    assert name not in page.inner_text("body")  # only the masked name is ever shown
    page.check("#screen input[name=agree]")
    k.shoot("consent")
    page.click("#face-yes")
    k.screen("face")
    page.wait_for_function(CAMERA_PLAYING)
    k.shoot("face")
    shown = capture(k)
    assert shown == "profile", k.text()
    current = page.eval_on_selector(".k-steps li.is-current", "li => li.dataset.step")
    assert current == "4", "the step bar follows the screen shown after the face check"

    # First visit: trades from pictures, a pay on the keypad (one long form, or a form shown
    # a page at a time with Next).
    k.shoot("profile")
    tiles = page.locator("#screen .k-tile")
    tiles.nth(0).click()
    tiles.nth(1).click()
    picked = page.eval_on_selector_all(
        "#screen input[name=trade]:checked", "boxes => boxes.map(b => b.value)"
    )
    assert len(picked) == 2
    turn_pages_until(page, "#screen [data-keypad] [data-key='2']")
    k.shoot("profile-pay")
    for key in "260":
        page.click(f"#screen [data-keypad] [data-key='{key}']")
    assert page.input_value("#pay") == "260"
    save = "#screen [data-screen='profile'] button[type=submit]"
    turn_pages_until(page, save)
    k.shoot("profile-last")
    page.click(save)
    done = k.screen("done")
    assert done.query_selector(".slip-qr svg") is not None, "the slip carries the personal QR"
    assert mask_name(name) in done.inner_text()
    k.shoot("done")

    check_ins = rows(live_server, CheckIn, kiosk_id=k.kiosk_id)
    assert len(check_ins) == 1
    check_in = check_ins[0]
    assert check_in.method == CheckInMethod.ID_CARD_FACE
    assert check_in.face_decision == FaceDecision.MATCH
    assert check_in.liveness_passed is True
    assert check_in.face_distance <= live_server.app.config["FACE_MATCH_THRESHOLD"]
    with live_server.app.app_context():
        worker = db.session.get(Worker, check_in.worker_id)
        assert worker.name == name
        assert sorted(t.trade_code for t in worker.trades) == sorted(picked)
        assert worker.desired_pay_amount == Decimal(260)


@pytest.mark.browser
@video("person_b")
def test_someone_else_at_the_camera_is_not_checked_in(kiosk_tab, live_server):
    k = kiosk_tab
    k.open()
    start_face_check(k, "adult_a")  # person A's card, person B in front of the camera
    shown = capture(k)
    assert live_server.text(visits.FACE_REASONS["liveness"]) not in k.text()
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    if shown == "face":
        assert live_server.text(visits.FACE_REASONS["reject"]) in k.text()
        assert visit.decision == FaceDecision.REJECT
        assert visit.best_distance > live_server.app.config["FACE_REJECT_THRESHOLD"]
        k.shoot("face-did-not-match")
    else:
        assert shown == "assisted", k.text()  # unsure: staff compare the card by eye
        assert visit.review_status == "pending"
    assert visit.check_in_id is None
    assert rows(live_server, CheckIn, kiosk_id=k.kiosk_id) == []


@pytest.mark.browser
@video("no_face")
def test_a_camera_without_a_face_asks_again(kiosk_tab, live_server):
    k = kiosk_tab
    k.open()
    start_face_check(k, "adult_a")
    assert capture(k) == "face"
    notice = k.page.inner_text("#screen .k-notice")
    assert live_server.text(visits.FACE_REASONS["no_face"]) in notice
    k.shoot("face-no-face")
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    assert (visit.failure, visit.face_attempts, visit.step) == ("no_face", 1, "face")
    assert rows(live_server, CheckIn, kiosk_id=k.kiosk_id) == []


@pytest.mark.browser
@video("two_people")
def test_two_faces_in_view_are_refused(kiosk_tab, live_server):
    k = kiosk_tab
    k.open()
    start_face_check(k, "adult_a")
    assert capture(k) == "face"
    notice = k.page.inner_text("#screen .k-notice")
    assert live_server.text(visits.FACE_REASONS["several_faces"]) in notice
    k.shoot("face-several-faces")
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    assert (visit.failure, visit.face_attempts) == ("several_faces", 1)
    assert rows(live_server, CheckIn, kiosk_id=k.kiosk_id) == []


@pytest.mark.browser
@video("no_face")
def test_after_a_missed_face_the_camera_comes_back_for_another_try(kiosk_tab, live_server):
    """camera.js shows the screen after a capture with htmx.swap(), whose htmx:afterSettle has no
    detail.target: kiosk.js must still run its screen set-up (camera, step bar, voice, idle
    timer), or the retry screen has a black video and Start posts the form natively (a 400
    "form expired" page instead of the kiosk)."""
    k, page = kiosk_tab, kiosk_tab.page
    k.open()
    start_face_check(k, "adult_a")
    assert capture(k) == "face"
    # "Tries left: 2": the new face screen must play the camera again ...
    page.wait_for_function(CAMERA_PLAYING, timeout=3_000)
    # ... and a second Start must send new frames (not a plain form post).
    assert capture(k) == "face"
    assert live_server.text(visits.FACE_REASONS["no_face"]) in k.text()
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    assert visit.face_attempts == 2


# --------------------------------------------------------------------------- staff and errors


@pytest.mark.browser
@video("person_a")
def test_declined_consent_goes_to_staff_and_the_kiosk_moves_on_by_itself(
    kiosk_tab, live_server, browser, screenshots
):
    k, page = kiosk_tab, kiosk_tab.page
    name = CARDS["adult_b"]["name"]
    k.open()
    k.place_card("adult_b")
    k.screen("consent")
    page.click("#screen button[name=face][value=no]")
    k.screen("assisted")
    k.shoot("assisted")
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    assert (visit.review_status, visit.review_reason, visit.face_consent) == (
        "pending",
        "declined",
        False,
    )

    # A staff member signs in (a real form with its CSRF token) and confirms in the queue.
    staff_context = new_context(browser, viewport=LANDSCAPE)
    try:
        staff = staff_context.new_page()
        staff.goto(live_server.url + "/staff/login")
        assert staff.get_attribute("input[name=csrf_token]", "value")
        staff.fill("input[name=username]", live_server.admin)
        staff.fill("input[name=password]", TEST_PASSWORD)
        staff.click("form button[type=submit]")
        staff.wait_for_load_state()
        staff.goto(f"{live_server.url}/staff/markets/{live_server.market_id}/queue")
        item = staff.locator("article.queue-item", has_text=name)
        item.wait_for()
        assert CARDS["adult_b"]["name"] in item.inner_text()
        shoot(staff, screenshots, "staff-queue")
        # The queue refreshes itself every 5 s (outerHTML): tick and confirm in one go.
        item.locator("input[name=checked]").check()
        item.locator("button[name=decision][value=approve]").click()
        staff.wait_for_load_state()
        staff.locator("#queue", has_text=name).wait_for(state="detached", timeout=5_000)
    finally:
        staff_context.close()

    # The kiosk polls every 3 s and moves on by itself to the first-visit profile.
    k.screen("profile", timeout=10_000)
    check_in = rows(live_server, CheckIn, kiosk_id=k.kiosk_id)
    assert [c.method for c in check_in] == [CheckInMethod.STAFF_ASSISTED]
    admin = rows(live_server, StaffUser, username=live_server.admin)[0]
    assert check_in[0].assisted_by_id == admin.id
    events = rows(live_server, AuditEvent, action="kiosk_review_approve")
    assert [(e.object_kind, e.object_id, e.actor_id) for e in events] == [
        ("kiosk_visit", str(visit.id), admin.id)
    ]


@pytest.mark.browser
@video("person_a")
def test_a_refused_card_shows_the_reason_and_starts_again(kiosk_tab, live_server):
    k, page = kiosk_tab, kiosk_tab.page
    k.open()
    k.place_card("expired")
    error = k.screen("card-error")
    assert "过期" in error.inner_text()
    k.shoot("card-error")
    page.click("#screen [data-screen='card-error'] button")
    k.screen("welcome")
    assert rows(live_server, KioskVisit, kiosk_id=k.kiosk_id) == []


@pytest.mark.browser
@video("person_a")
def test_an_idle_kiosk_forgets_the_person(kiosk_tab, live_server):
    k, page = kiosk_tab, kiosk_tab.page
    # The kiosk reads its idle time from /kiosk/config.json when the page loads.
    live_server.app.config["KIOSK_IDLE_SECONDS"] = SHORT_IDLE_SECONDS
    k.open()
    masked = mask_name(CARDS["adult_a"]["name"])
    k.place_card("adult_a")
    assert masked in k.screen("consent").inner_text()
    shown_at = time.monotonic()
    k.screen("welcome", timeout=(SHORT_IDLE_SECONDS + 7) * 1000)
    assert time.monotonic() - shown_at >= SHORT_IDLE_SECONDS - 0.5  # idle, not an error
    assert masked not in page.inner_text("body")
    assert CARDS["adult_a"]["name"] not in page.content()
    visit = rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)[0]
    assert visit.ended_at is not None
    assert visit.card_enc is None
    assert visit.card_encoding_enc is None
    # The card still lies on the (simulated) reader: it must not start a new visit by itself.
    page.wait_for_timeout(1_600)  # two reader polls (700 ms)
    assert page.query_selector("#screen [data-screen='welcome']") is not None
    assert len(rows(live_server, KioskVisit, kiosk_id=k.kiosk_id)) == 1


# --------------------------------------------------------------------------- gigs after check-in

MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")
# speechSynthesis, recorded instead of spoken (headless Chromium has no voices).
RECORD_SPEECH = """
window.__said = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, "speechSynthesis", {
  value: { speak: function (u) { window.__said.push(u.text); }, cancel: function () {} },
});
"""


def seed_gigs_and_a_bricklayer(live) -> str:
    """Two open gigs at the station (one 即时快招) and a verified bricklayer: their QR payload."""
    from datetime import date, timedelta

    from webapp.identity import parse_resident_id, synthesize_resident_id
    from webapp.models import Employer, Gig, WorkerTrade
    from webapp.models.base import utcnow
    from webapp.models.types import (
        EmployerKind,
        GigStatus,
        PayUnit,
        Settlement,
        VerificationStatus,
    )
    from webapp.services import identity, qr

    with live.app.app_context():
        employer = Employer(
            kind=EmployerKind.ENTERPRISE,
            name="郑州建工劳务有限公司",
            contact_name="李经理",
            market_id=live.market_id,
            verification_status=VerificationStatus.VERIFIED,
            reverify_due_on=date.today() + timedelta(days=150),
            credit_score=95,
        )
        db.session.add(employer)
        db.session.flush()
        starts = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
        for title, pay, auto, address in (
            ("花园路工地砌墙，今天就干", "280", True, "郑州市金水区花园路与农业路交叉口东北角"),
            ("小区围墙砌筑两天", "240", False, "郑州市金水区丰产路21号院"),
        ):
            gig = Gig(
                employer_id=employer.id,
                market_id=live.market_id,
                trade_code="6-29-01-01",
                title=title,
                headcount=4,
                accepted_count=0,
                work_address=address,
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=9),
                daily_hours=Decimal(8),
                pay_amount=Decimal(pay),
                pay_unit=PayUnit.DAY,
                settlement=Settlement.DAILY,
                provides_meals=True,
                contact_name="王工",
                valid_until=date.today() + timedelta(days=3),
                status=GigStatus.OPEN,
                auto_accept=auto,
            )
            db.session.add(gig)
            db.session.flush()
            identity.store(gig, "contact_phone", "+8613900001111")
            starts += timedelta(days=1)
        rid = parse_resident_id(synthesize_resident_id("410105", date(1978, 6, 1), 7, "M"))
        worker = Worker(
            name="赵建国",
            birth_date=rid.birth_date,
            sex=rid.sex,
            hukou_region=rid.region_code,
            registered_market_id=live.market_id,
            verification_status=VerificationStatus.VERIFIED,
            desired_pay_amount=Decimal(250),
            desired_pay_unit=PayUnit.DAY,
        )
        identity.store(worker, "id_number", rid.number)
        identity.store(worker, "phone", "+8613700000007")
        worker.trades.append(WorkerTrade(trade_code="6-29-01-01", skill_level=4))
        db.session.commit()
        return qr.worker_payload(worker.public_id, worker.qr_version)


@pytest.mark.browser
@video("person_a")
def test_best_gigs_after_check_in_read_aloud_and_one_touch_sign_up(kiosk_tab, live_server):
    k, page = kiosk_tab, kiosk_tab.page
    payload = seed_gigs_and_a_bricklayer(live_server)
    page.context.add_init_script(RECORD_SPEECH)
    k.open()
    page.fill("#qr-code", payload)  # what a keyboard-wedge scanner types
    page.press("#qr-code", "Enter")
    done = k.screen("done")
    titles = [t.inner_text() for t in done.query_selector_all(".k-gig-title")]
    assert titles == ["花园路工地砌墙，今天就干", "小区围墙砌筑两天"]
    first = done.query_selector(".k-gig")
    assert "¥280" in first.inner_text()
    assert first.query_selector_all(".k-gig-reasons li"), "each card says why"
    k.shoot("best-gigs")

    first.query_selector("[data-read]").click()
    said = page.evaluate("() => window.__said")
    assert any("花园路工地砌墙" in text for text in said), said

    # A double tap on Sign up: one row, the dispatch slip once.
    button = first.query_selector(".k-btn-signup")
    button.dblclick()
    slip = k.screen("signed-up")
    assert slip.get_attribute("data-slip-kind") == "dispatch"
    assert page.query_selector("#slip .slip-qr svg") is not None
    assert "139 0000 1111" in page.inner_text("#slip")
    k.shoot("dispatch-slip")
    page.emulate_media(media="print")
    k.shoot("dispatch-slip-print")
    # Printed, the slip is one 80 mm wide page (the thermal roll; @page in kiosk-print-80mm.css).
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    boxes = {tuple(float(v) for v in m) for m in MEDIA_BOX.findall(pdf)}
    assert len(boxes) == 1, boxes
    (box,) = boxes
    assert abs((box[2] - box[0]) - 80 / 25.4 * 72) < 2, box  # 80 mm in points
    if k.shots is not None:
        (k.shots / "dispatch-slip-80mm.pdf").write_bytes(pdf)
    with live_server.app.app_context():
        from webapp.models import Application
        from webapp.models.types import ApplicationStatus

        hires = db.session.scalars(select(Application)).all()
        assert [h.status for h in hires] == [ApplicationStatus.DISPATCHED]
        db.session.expunge_all()

    # Other gigs: the one signed up for is gone from the list.
    page.click("#screen [hx-get$='/gigs']")
    again = k.screen("done")
    titles = [t.inner_text() for t in again.query_selector_all(".k-gig-title")]
    assert titles == ["小区围墙砌筑两天"]
