"""The hire lifecycle through the API: the employer's and the worker's steps, idempotency keys,
refusals as problems, the worker's phone shown to the employer only once taken on, and an access
matrix of every hire route by every kind of caller."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

import pytest

from tests.api import (
    ID_NUMBER,
    MOBILE,
    Caller,
    make_account,
    make_gig,
    set_gig_status,
    without_public_ids,
)
from webapp.extensions import db
from webapp.models import Worker
from webapp.models.base import utcnow
from webapp.services import applications, gigs, qr, sms

_keys = count(1)


@pytest.fixture
def market(make_market):
    return make_market()


@pytest.fixture
def boss(app, market):
    return make_account(app, market, employer="verified")


@pytest.fixture
def gig(app, boss):
    return make_gig(app, boss)


@pytest.fixture
def worker(app, market):
    return make_account(app, market, worker="verified", worker_name="孙小美")


def make_application(app, worker: Caller, gig_id: str) -> str:
    """Sign a worker up for a gig through the service (a key of its own); the public id."""
    with app.app_context():
        row = db.session.scalar(db.select(Worker).where(Worker.public_id == worker.worker_id))
        application, _ = applications.sign_up(
            row, gigs.find_public(gig_id), idempotency_key=f"seed-{gig_id}-{worker.worker_id}"
        )
        db.session.commit()
        return application.public_id


def post(client, path: str, caller: Caller | None, body=None, key: str | None = "fresh"):
    """POST to /api/v1 as a caller with an idempotency key ("fresh": a new one each time)."""
    headers = dict(caller.headers) if caller else {}
    if key is not None:
        headers["Idempotency-Key"] = f"api-{next(_keys)}" if key == "fresh" else key
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.post("/api/v1" + path, **kwargs)


def listing(client, boss: Caller, gig: str) -> dict[str, dict]:
    """The employer's list of a gig's sign-ups, by public id."""
    response = client.get(f"/api/v1/employer/gigs/{gig}/applications", headers=boss.headers)
    assert response.status_code == 200
    return {item["public_id"]: item for item in response.json["items"]}


def test_the_phone_shows_only_once_the_worker_is_taken_on(app, client, market, boss, gig, worker):
    hire = make_application(app, worker, gig)
    other = make_application(app, make_account(app, market, worker="verified"), gig)
    before = listing(client, boss, gig)
    assert before[hire]["worker"]["phone"] is None
    assert before[hire]["actions"] == ["accept", "decline"]
    assert worker.phone[3:] not in json.dumps(before)

    missing_key = post(client, f"/employer/applications/{hire}/accept", boss, key=None)
    assert missing_key.status_code == 400
    assert missing_key.json["error"] == "idempotency_key_invalid"

    first = post(client, f"/employer/applications/{hire}/accept", boss, key="take-1")
    assert first.status_code == 200
    assert first.json["status"] == "accepted"
    assert first.json["worker"]["phone"] == worker.phone
    assert first.json["gig_id"] == gig
    assert first.json["actions"] == ["dispatch", "arrive", "cancel"]
    replay = post(client, f"/employer/applications/{hire}/accept", boss, key="take-1")
    assert replay.status_code == 200
    assert replay.json == first.json

    after = listing(client, boss, gig)
    assert after[hire]["worker"]["phone"] == worker.phone
    assert after[other]["worker"]["phone"] is None
    mine = client.get("/api/v1/worker/applications", headers=worker.headers).json["items"][0]
    assert mine["contact_phone"] == boss.phone  # the gig's contact, both ways at once

    cancelled = post(client, f"/employer/applications/{hire}/cancel", boss, {"reason": "工期推迟"})
    assert cancelled.status_code == 200
    assert cancelled.json["worker"]["phone"] is None
    assert cancelled.json["end_reason"] == "工期推迟"
    for text in (json.dumps(after), cancelled.get_data(as_text=True)):
        assert worker.worker_id_number not in text
        assert not ID_NUMBER.search(without_public_ids(text))


def test_a_hire_from_acceptance_to_pay_and_ratings(app, client, boss, gig, worker):
    hire = make_application(app, worker, gig)
    for step in ("accept", "dispatch", "arrive", "complete"):
        response = post(client, f"/employer/applications/{hire}/{step}", boss)
        assert response.status_code == 200, (step, response.json)
    assert response.json["status"] == "completed"
    assert response.json["pay_due_at"]
    early = post(client, f"/worker/applications/{hire}/rate", worker, {"stars": 9})
    assert early.status_code == 422
    assert set(early.json["fields"]) == {"stars"}
    paid = post(client, f"/worker/applications/{hire}/confirm-paid", worker)
    assert paid.status_code == 200
    assert paid.json["status"] == "paid_confirmed"
    assert paid.json["actions"] == ["rate"]
    assert (
        post(client, f"/worker/applications/{hire}/rate", worker, {"stars": 4}).json[
            "worker_rating"
        ]
        == 4
    )
    rated = post(client, f"/employer/applications/{hire}/rate", boss, {"stars": 5})
    assert rated.json["employer_rating"] == 5
    assert rated.json["actions"] == []
    twice = post(client, f"/employer/applications/{hire}/rate", boss, {"stars": 1})
    assert twice.status_code == 409
    assert twice.json["error"] == "already_rated"
    with app.app_context():
        row = db.session.scalar(db.select(Worker).where(Worker.public_id == worker.worker_id))
        assert (row.completed_count, row.rating_sum, row.rating_count) == (1, 5, 1)


def test_texts_go_to_the_other_side(app, client, boss, gig, worker):
    hire = make_application(app, worker, gig)
    with app.app_context():
        before = len(sms.gateway().outbox)
    post(client, f"/employer/applications/{hire}/accept", boss)
    with app.app_context():
        sent = sms.gateway().outbox[before:]
    assert [to for to, _ in sent] == [worker.phone]
    post(client, f"/worker/applications/{hire}/cancel", worker, {"reason": "家里有事"})
    with app.app_context():
        sent = sms.gateway().outbox[before:]
    assert [to for to, _ in sent] == [worker.phone, boss.phone]


def test_no_more_than_the_headcount(app, client, market, boss):
    gig = make_gig(app, boss, headcount=1)
    first = make_application(app, make_account(app, market, worker="verified"), gig)
    second = make_application(app, make_account(app, market, worker="verified"), gig)
    assert post(client, f"/employer/applications/{first}/accept", boss).status_code == 200
    full = post(client, f"/employer/applications/{second}/accept", boss)
    assert full.status_code == 409
    assert full.json["error"] == "full"
    assert full.json["message"]


def test_someone_elses_hire_is_404(app, client, market, boss, gig, worker):
    hire = make_application(app, worker, gig)
    other_boss = make_account(app, market, employer="verified", employer_name="郑州市乙公司")
    other_worker = make_account(app, market, worker="verified")
    assert post(client, f"/employer/applications/{hire}/accept", other_boss).status_code == 404
    assert post(client, f"/worker/applications/{hire}/withdraw", other_worker).status_code == 404
    assert post(client, f"/employer/applications/{'0' * 32}/accept", boss).status_code == 404
    forbidden = post(client, f"/employer/applications/{hire}/accept", worker)
    assert (forbidden.status_code, forbidden.json["error"]) == (403, "employer_required")
    assert post(client, f"/employer/applications/{hire}/accept", None).status_code == 401


def test_an_invitation_accepted_by_the_worker(app, client, boss, gig, worker):
    body = {"worker_id": worker.worker_id}
    first = post(client, f"/employer/gigs/{gig}/invitations", boss, body, key="inv-1")
    assert first.status_code == 201
    assert first.json["status"] == "proposed"
    assert first.json["source"] == "employer_invite"
    assert first.json["actions"] == ["withdraw"]
    again = post(client, f"/employer/gigs/{gig}/invitations", boss, body, key="inv-1")
    assert again.status_code == 200
    assert again.json == first.json
    nobody = post(client, f"/employer/gigs/{gig}/invitations", boss, {"worker_id": "f" * 32})
    assert nobody.status_code == 422
    assert set(nobody.json["fields"]) == {"worker_id"}
    hire = first.json["public_id"]
    accepted = post(client, f"/worker/applications/{hire}/accept", worker)
    assert accepted.status_code == 200
    assert accepted.json["status"] == "accepted"
    assert accepted.json["contact_phone"] == boss.phone
    assert accepted.json["gig"]["public_id"] == gig


def test_a_worker_declines_an_invitation_and_withdraws_a_sign_up(app, client, market, boss, worker):
    invited_to = make_gig(app, boss, title="招瓦工三名")
    signed_up_for = make_gig(app, boss, title="招瓦工两名", days_ahead=3)
    hire = post(
        client, f"/employer/gigs/{invited_to}/invitations", boss, {"worker_id": worker.worker_id}
    ).json["public_id"]
    declined = post(client, f"/worker/applications/{hire}/decline", worker)  # no body: fine
    assert declined.json["status"] == "declined"
    mine = make_application(app, worker, signed_up_for)
    withdrawn = post(client, f"/worker/applications/{mine}/withdraw", worker, {"reason": "不去了"})
    assert withdrawn.json["status"] == "withdrawn"
    again = post(client, f"/worker/applications/{mine}/withdraw", worker)
    assert again.status_code == 200
    illegal = post(client, f"/worker/applications/{mine}/confirm-paid", worker)
    assert (illegal.status_code, illegal.json["error"]) == (409, "illegal_transition")


def test_bodies_and_keys_are_checked(app, client, boss, gig, worker):
    hire = make_application(app, worker, gig)
    post(client, f"/employer/applications/{hire}/accept", boss, key="k-accept")
    no_body = post(client, f"/employer/applications/{hire}/cancel", boss)
    assert (no_body.status_code, no_body.json["error"]) == (400, "body_missing")
    empty = post(client, f"/employer/applications/{hire}/cancel", boss, {"reason": ""})
    assert empty.status_code == 422
    assert set(empty.json["fields"]) == {"reason"}
    unknown = post(client, f"/employer/applications/{hire}/cancel", boss, {"why": "x"})
    assert unknown.status_code == 422
    reused = post(client, f"/employer/applications/{hire}/dispatch", boss, key="k-accept")
    assert (reused.status_code, reused.json["error"]) == (422, "key_reused")
    assert set(reused.json["fields"]) == {"Idempotency-Key"}
    too_early = post(client, f"/employer/applications/{hire}/no-show", boss)
    assert (too_early.status_code, too_early.json["error"]) == (409, "too_early")


def test_a_no_show_after_the_start(app, client, boss, gig, worker):
    hire = make_application(app, worker, gig)
    post(client, f"/employer/applications/{hire}/accept", boss)
    set_gig_status(app, gig, "open", starts_at=utcnow() - timedelta(hours=1))
    response = post(client, f"/employer/applications/{hire}/no-show", boss, {"note": "未到岗"})
    assert response.status_code == 200
    assert response.json["status"] == "no_show"
    assert response.json["end_reason"] == "未到岗"


def test_arrival_by_the_workers_personal_code(app, client, boss, gig, worker):
    hire = make_application(app, worker, gig)
    post(client, f"/employer/applications/{hire}/accept", boss)
    with app.app_context():
        row = db.session.scalar(db.select(Worker).where(Worker.public_id == worker.worker_id))
        payload = qr.worker_payload(row.public_id, row.qr_version)
    forged = post(client, f"/employer/gigs/{gig}/arrivals", boss, {"payload": "GM1:w:abc"})
    assert forged.status_code == 422
    assert set(forged.json["fields"]) == {"payload"}
    arrived = post(client, f"/employer/gigs/{gig}/arrivals", boss, {"payload": payload})
    assert arrived.status_code == 200
    assert arrived.json["public_id"] == hire
    assert arrived.json["status"] == "arrived"


# -- the access matrix of the hire routes ---------------------------------------------------------

ROLES = ("owner", "other_employer", "worker", "other_worker", "anonymous")


def _row(owner, other_employer, worker, other_worker, anonymous):
    return dict(zip(ROLES, (owner, other_employer, worker, other_worker, anonymous), strict=True))


EMPLOYER_STEP = _row(200, 404, 403, 403, 401)
WORKER_STEP = _row(403, 403, 200, 404, 401)
# (method, path, body, expected per role); {hire} is in the status each step needs.
HIRE_MATRIX = [
    ("post", "/employer/gigs/{gig}/invitations", "invite", _row(201, 404, 403, 403, 401)),
    ("post", "/employer/gigs/{gig}/arrivals", "qr", EMPLOYER_STEP),
    ("post", "/employer/applications/{applied}/accept", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{applied}/decline", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{accepted}/dispatch", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{accepted}/arrive", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{arrived}/complete", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{started}/no-show", None, EMPLOYER_STEP),
    ("post", "/employer/applications/{accepted}/cancel", {"reason": "停工"}, EMPLOYER_STEP),
    ("post", "/employer/applications/{completed}/rate", {"stars": 5}, EMPLOYER_STEP),
    ("post", "/worker/applications/{proposed}/accept", None, WORKER_STEP),
    ("post", "/worker/applications/{proposed}/decline", None, WORKER_STEP),
    ("post", "/worker/applications/{applied}/withdraw", None, WORKER_STEP),
    ("post", "/worker/applications/{accepted}/cancel", {"reason": "有事"}, WORKER_STEP),
    ("post", "/worker/applications/{completed}/confirm-paid", None, WORKER_STEP),
    ("post", "/worker/applications/{completed}/rate", {"stars": 4}, WORKER_STEP),
]


def _world(app, market) -> tuple[Caller, Caller, dict[str, Caller | None]]:
    """Fresh callers: the gig's employer, its worker, another of each, and nobody."""
    owner = make_account(app, market, employer="verified", employer_name="郑州市甲劳务有限公司")
    other = make_account(app, market, employer="verified", employer_name="郑州市乙劳务有限公司")
    worker = make_account(app, market, worker="verified", worker_name="周小二")
    other_worker = make_account(app, market, worker="verified", worker_name="吴小三")
    callers = {
        "owner": owner,
        "other_employer": other,
        "worker": worker,
        "other_worker": other_worker,
        "anonymous": None,
    }
    return owner, worker, callers


def _hire_in(app, owner: Caller, worker: Caller, status: str) -> tuple[str, str]:
    """A gig of the owner and the worker's hire on it in a status ("started": accepted, on a gig
    that began an hour ago); (gig id, hire id)."""
    from tests.hires_helpers import new_hire
    from webapp.models import Gig

    gig_id = make_gig(app, owner, days_ahead=1)
    with app.app_context():
        gig = db.session.scalar(db.select(Gig).where(Gig.public_id == gig_id))
        row = db.session.scalar(db.select(Worker).where(Worker.public_id == worker.worker_id))
        if status == "started":
            gig.starts_at = utcnow() - timedelta(hours=1)
        hire = new_hire(gig, row, "accepted" if status == "started" else status)
        db.session.commit()
        return gig_id, hire.public_id


def _request(app, owner: Caller, worker: Caller, path: str, body):
    """The URL and body of one matrix cell, on fresh data."""
    placeholder = path.split("{")[1].split("}")[0]
    gig_id, hire = _hire_in(app, owner, worker, "accepted" if placeholder == "gig" else placeholder)
    if placeholder != "gig":
        return path.format(**{placeholder: hire}), body
    if body == "invite":
        fresh = make_gig(app, owner, days_ahead=4)  # a gig the worker is not on yet
        return path.format(gig=fresh), {"worker_id": worker.worker_id}
    with app.app_context():
        row = db.session.scalar(db.select(Worker).where(Worker.public_id == worker.worker_id))
        return path.format(gig=gig_id), {"payload": qr.worker_payload(row.public_id, 1)}


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(*row, id=row[1].split("/", 3)[-1]) for row in HIRE_MATRIX],
)
def test_hire_access_matrix(app, client, market, method, path, body, expected):
    seen: dict[str, str] = {}
    for role in ROLES:
        owner, worker, callers = _world(app, market)
        url, data = _request(app, owner, worker, path, body)
        response = getattr(client, method)(
            "/api/v1" + url,
            headers={**(callers[role].headers if callers[role] else {}), "Idempotency-Key": role},
            **({"json": data} if data is not None else {}),
        )
        assert response.status_code == expected[role], (role, response.get_data(as_text=True))
        assert response.is_json
        if response.status_code >= 400:
            assert response.json["message"]
        seen[role] = response.get_data(as_text=True)
        assert worker.worker_id_number not in seen[role]
    for role in ROLES:
        text = without_public_ids(seen[role])
        assert not ID_NUMBER.search(text), (role, text)
        if role not in ("owner", "worker"):  # a phone only to the two sides of a hire
            assert not MOBILE.search(text), (role, text)
