"""The kiosk check-in flow on the server: card, consent, face, staff path, QR, face-only."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select, text

from kiosk import face as face_module
from kiosk.face import LivenessResult
from tests.conftest import csrf_token_from
from tests.kiosk.conftest import frame, needs_faces, post, read_card, visit_token
from webapp.extensions import db
from webapp.models import AuditEvent, CheckIn, FaceTemplate, KioskVisit, Worker
from webapp.services import identity


@pytest.fixture
def live(monkeypatch):
    """Pretend the head turn was seen (liveness has its own tests; frames here are stills)."""
    monkeypatch.setattr(
        face_module, "check_head_turn", lambda *a, **k: LivenessResult(True, None, ())
    )


def faces(name, n=3):
    """n camera frames of the same still photo."""
    return [(io.BytesIO(frame(name)), f"f{i}.jpg") for i in range(n)]


def test_unregistered_devices_cannot_check_anyone_in(app, client, cards):
    page = client.get("/kiosk/").get_data(as_text=True)
    response = client.post(
        "/kiosk/card",
        data={"payload": json.dumps(cards["adult_a"])},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(page)},
    )
    assert response.status_code == 403
    assert 'data-screen="unregistered"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskVisit)) == 0


def test_card_read_opens_a_visit_and_keeps_no_plain_identity(app, kiosk_client, cards):
    payload = cards["adult_a"]
    response = read_card(kiosk_client, payload)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-screen="consent"' in body
    assert "<html" not in body  # an htmx fragment
    assert payload["certNumber"] not in body
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM kiosk_visit")).mappings().one()
        assert payload["certNumber"] not in " ".join(str(v) for v in row.values())
        assert row["step"] == "consent"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("under_16", "16"),
        ("expired", "过期"),
        ("bad_checksum", "身份证"),
        ("read_error", "读"),
    ],
)
def test_bad_cards_are_refused_in_plain_words(app, kiosk_client, cards, key, expected):
    response = read_card(kiosk_client, cards[key])
    body = response.get_data(as_text=True)
    assert 'data-screen="card-error"' in body
    assert expected in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskVisit)) == 0


def _consent(client, token, agree=True, keep=False):
    data = {"face": "yes" if agree else "no"}
    if agree:
        data["agree"] = "on"
    if keep:
        data["keep"] = "on"
    return post(client, f"/kiosk/v/{token}/consent", data)


def test_declined_consent_goes_to_staff_who_confirm_with_an_audit_record(
    app, kiosk_client, cards, login
):
    token = visit_token(read_card(kiosk_client, cards["adult_b"]).get_data(as_text=True))
    body = _consent(kiosk_client, token, agree=False).get_data(as_text=True)
    assert 'data-screen="assisted"' in body
    # Staff see the person in the queue and confirm after comparing the card by eye.
    staff = app.test_client()
    login(kiosk_client.admin, c=staff)
    queue = staff.get(f"/staff/markets/{kiosk_client.market_id}/queue").get_data(as_text=True)
    assert cards["adult_b"]["partyName"] in queue
    assert cards["adult_b"]["certNumber"] not in queue  # masked even for staff
    with app.app_context():
        visit_id = db.session.scalar(select(KioskVisit.id))
    token_csrf = csrf_token_from(queue)
    refused = staff.post(
        f"/staff/visits/{visit_id}/decide", data={"decision": "approve", "csrf_token": token_csrf}
    )
    assert refused.status_code == 302  # not ticked: nothing happens
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    staff.post(
        f"/staff/visits/{visit_id}/decide",
        data={"decision": "approve", "checked": "on", "csrf_token": token_csrf},
    )
    with app.app_context():
        check_in = db.session.scalars(select(CheckIn)).one()
        assert check_in.method == "staff_assisted"
        assert check_in.assisted_by_id is not None
        assert [e.action for e in db.session.scalars(select(AuditEvent))] == [
            "kiosk_review_approve"
        ]
    # The kiosk's poll moves on by itself (286 stops polling) to the first-visit profile.
    status = kiosk_client.get(f"/kiosk/v/{token}/status", headers={"HX-Request": "true"})
    assert status.status_code == 286
    assert 'data-screen="profile"' in status.get_data(as_text=True)


def test_same_person_checks_in_by_face(app, kiosk_client, cards, live):
    needs_faces()
    # These two photos of person A sit at about 0.39 (card photo against a 640x480 frame),
    # in the calibrated 'review' band; this test is about the flow after a match, so it widens
    # the match band, as a station may after calibrating on its own photos.
    app.config["FACE_MATCH_THRESHOLD"] = 0.45
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    assert 'data-screen="face"' in _consent(kiosk_client, token, keep=True).get_data(as_text=True)
    body = post(
        kiosk_client, f"/kiosk/v/{token}/face", {"frame": faces("person_a_2.jpg")}
    ).get_data(as_text=True)
    assert 'data-screen="profile"' in body, body[:400]
    with app.app_context():
        check_in = db.session.scalars(select(CheckIn)).one()
        assert check_in.method == "id_card_face"
        assert check_in.face_decision == "match"
        assert check_in.face_distance < app.config["FACE_MATCH_THRESHOLD"]
        worker = db.session.get(Worker, check_in.worker_id)
        assert identity.worker_id_number(worker) == cards["adult_a"]["certNumber"]
        assert db.session.scalar(select(func.count()).select_from(FaceTemplate)) == 1
    # The first-visit profile: trades from pictures, level, pay, availability.
    done = post(
        kiosk_client,
        f"/kiosk/v/{token}/profile",
        {
            "trade": ["6-29-01-01", "6-29-01-03"],
            "skill": "5",
            "pay": "300",
            "unit": "day",
            "days": "any",
            "hours": "full",
        },
    ).get_data(as_text=True)
    assert 'data-screen="done"' in done
    assert "<svg" in done  # the personal QR on the slip
    with app.app_context():
        worker = db.session.scalars(select(Worker)).one()
        assert sorted(t.trade_code for t in worker.trades) == ["6-29-01-01", "6-29-01-03"]
        assert str(worker.desired_pay_amount) == "300.00"


def test_someone_else_in_front_of_the_card_is_not_matched(app, kiosk_client, cards, live):
    needs_faces()
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    _consent(kiosk_client, token)
    body = post(
        kiosk_client, f"/kiosk/v/{token}/face", {"frame": faces("person_b_1.jpg")}
    ).get_data(as_text=True)
    assert 'data-screen="profile"' not in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
        visit = db.session.scalars(select(KioskVisit)).one()
        assert visit.decision in ("review", "reject")


def test_two_faces_in_view_are_refused(app, kiosk_client, cards, live):
    needs_faces()
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    _consent(kiosk_client, token)
    body = post(
        kiosk_client, f"/kiosk/v/{token}/face", {"frame": faces("two_people.jpg", 1)}
    ).get_data(as_text=True)
    assert 'data-screen="face"' in body
    assert 'role="alert"' in body  # the reason is shown (and spoken)
    with app.app_context():
        assert db.session.scalars(select(KioskVisit)).one().failure == "several_faces"
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_still_photo_fails_the_head_turn(app, kiosk_client, cards):
    needs_faces()
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    _consent(kiosk_client, token)
    post(kiosk_client, f"/kiosk/v/{token}/face", {"frame": faces("person_a_2.jpg")})
    with app.app_context():
        visit = db.session.scalars(select(KioskVisit)).one()
        assert visit.liveness_passed is False
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_face_attempts_are_limited_then_staff(app, kiosk_client, cards):
    needs_faces()
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    _consent(kiosk_client, token)
    screens = [
        post(
            kiosk_client, f"/kiosk/v/{token}/face", {"frame": faces("person_b_1.jpg", 1)}
        ).get_data(as_text=True)
        for _ in range(app.config["FACE_MAX_ATTEMPTS"])
    ]
    assert 'data-screen="assisted"' in screens[-1]
    with app.app_context():
        assert db.session.scalars(select(KioskVisit)).one().review_status == "pending"


def test_ending_a_visit_wipes_its_card_data(app, kiosk_client, cards):
    token = visit_token(read_card(kiosk_client, cards["adult_a"]).get_data(as_text=True))
    body = post(kiosk_client, f"/kiosk/v/{token}/end").get_data(as_text=True)
    assert 'data-screen="welcome"' in body
    with app.app_context():
        visit = db.session.scalars(select(KioskVisit)).one()
        assert visit.card_enc is None
        assert visit.card_encoding_enc is None
        assert visit.ended_at is not None
    again = post(kiosk_client, f"/kiosk/v/{token}/consent", {"face": "yes", "agree": "on"})
    assert 'data-screen="welcome"' in again.get_data(as_text=True)


def test_personal_qr_checks_in_and_forgeries_are_refused(app, kiosk_client, cards, make_worker):
    public_id, _ = make_worker(kiosk_client.market_id)
    from webapp.services import qr

    with app.app_context():
        payload = qr.worker_payload(public_id, 1)
    ok = post(kiosk_client, "/kiosk/qr", {"code": payload}).get_data(as_text=True)
    assert 'data-screen="done"' in ok
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    bad = post(kiosk_client, "/kiosk/qr", {"code": forged}).get_data(as_text=True)
    assert 'data-screen="card-error"' in bad
    with app.app_context():
        assert db.session.scalars(select(CheckIn)).one().method == "qr"
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        worker.qr_version = 2  # the slip was reported lost
        db.session.commit()
    old = post(kiosk_client, "/kiosk/qr", {"code": payload}).get_data(as_text=True)
    assert 'data-screen="card-error"' in old


def test_face_only_check_in_confirms_with_phone_digits(app, kiosk_client, make_worker, live):
    needs_faces()
    app.config["FACE_MATCH_THRESHOLD"] = 0.45  # person A's two photos sit at about 0.39
    from kiosk import visits

    public_id, _ = make_worker(kiosk_client.market_id, phone="+8613812345678")
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        sample = face_module.encode_single_face(face_module.load_image(frame("person_a_1.jpg")))
        visits.keep_face_template(worker, sample.encoding, None)
        db.session.commit()
    start = post(kiosk_client, "/kiosk/face-search").get_data(as_text=True)
    token = visit_token(start)
    found = post(
        kiosk_client, f"/kiosk/v/{token}/search", {"agree": "on", "frame": faces("person_a_2.jpg")}
    ).get_data(as_text=True)
    assert 'data-screen="digits"' in found
    wrong = post(kiosk_client, f"/kiosk/v/{token}/digits", {"digits": "0000"}).get_data(
        as_text=True
    )
    assert 'data-screen="digits"' in wrong
    right = post(kiosk_client, f"/kiosk/v/{token}/digits", {"digits": "5678"}).get_data(
        as_text=True
    )
    assert 'data-screen="done"' in right
    with app.app_context():
        assert db.session.scalars(select(CheckIn)).one().method == "face_only"


def test_face_only_search_finds_nobody_for_a_stranger(app, kiosk_client, make_worker, live):
    needs_faces()
    from kiosk import visits

    public_id, _ = make_worker(kiosk_client.market_id)
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        sample = face_module.encode_single_face(face_module.load_image(frame("person_a_1.jpg")))
        visits.keep_face_template(worker, sample.encoding, None)
        db.session.commit()
    token = visit_token(post(kiosk_client, "/kiosk/face-search").get_data(as_text=True))
    body = post(
        kiosk_client, f"/kiosk/v/{token}/search", {"agree": "on", "frame": faces("person_b_1.jpg")}
    ).get_data(as_text=True)
    assert 'data-screen="card-error"' in body


def test_withdrawing_face_consent_deletes_the_template(app, make_market, make_worker):
    import numpy as np

    from kiosk import visits

    public_id, _ = make_worker(make_market())
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        visits.keep_face_template(worker, np.zeros(128), None)
        db.session.commit()
        assert visits.withdraw_face_template(worker) is True
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(FaceTemplate)) == 0
