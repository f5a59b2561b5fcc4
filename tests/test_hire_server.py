"""The held-back concurrency test, against the running server: the real app under gunicorn
(several worker processes, several threads each) on a migrated database, 50 employers' taps at
once over real HTTP on a gig of 5 places, and 10 replays of one tap at once.

The test process seeds the database through the app factory (same database, same data key) and
reads the result back; the server runs in a subprocess with production settings from the
environment, as `make run` would start it, and is stopped in a finally.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.hires_helpers import new_employer, new_gig, new_hire, new_market, new_worker
from webapp.extensions import db
from webapp.identity import Keyring
from webapp.models import Application, ApplicationEvent, Gig, PhoneAccount
from webapp.services import identity, phone_auth

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_SECONDS = 40

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def _post(url: str, headers: dict[str, str]) -> tuple[int, dict]:
    """POST without a body; the status and the JSON answer (errors included)."""
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


@dataclass(frozen=True)
class Seed:
    token: str
    gig_id: int
    applications: list[str]  # public ids, all applied for the gig of 5 places
    replay_gig_id: int
    replay_application: str


@pytest.fixture
def seed(app) -> Seed:
    """A verified employer with an API token, a gig of 5 places with 50 verified applicants,
    and a second gig with one applicant for the replays."""
    app.config.update(DATA_KEY=Keyring.generate_spec("srv1"), SECRET_KEY=secrets.token_urlsafe(32))
    with app.app_context():
        market = new_market()
        employer = new_employer(market.id)
        account = PhoneAccount(employer_id=employer.id)
        identity.store(account, "phone", identity.reveal(employer, "contact_phone"))
        gig = new_gig(employer, headcount=5)
        rows = [new_hire(gig, new_worker(market.id)) for _ in range(50)]
        replay_gig = new_gig(employer, headcount=5)
        replay_row = new_hire(replay_gig, new_worker(market.id))
        db.session.flush()
        token = phone_auth.open_session(account, "api")
        db.session.commit()
        seeded = Seed(
            token,
            gig.id,
            [r.public_id for r in rows],
            replay_gig.id,
            replay_row.public_id,
        )
        db.session.remove()
        db.engine.dispose()  # the server's processes are the writers now
    return seeded


@pytest.fixture
def server(app, seed, tmp_path):
    """gunicorn serving the app on a free port against the test database; its base URL."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIGMARKET_") or key.startswith("GIGMARKET_TEST_")
    }
    env.update(
        GIGMARKET_ENV="production",
        GIGMARKET_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        GIGMARKET_SECRET_KEY=app.config["SECRET_KEY"],
        GIGMARKET_DATA_KEY=app.config["DATA_KEY"],
        GIGMARKET_SMS_BACKEND="log",
        GIGMARKET_COOKIE_SECURE="0",
        GIGMARKET_INSTANCE_DIR=str(tmp_path / "instance"),
        GIGMARKET_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    log_path = tmp_path / "server.log"
    command = [
        str(GUNICORN),
        "--workers",
        "3",
        "--threads",
        "8",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--no-control-socket",  # one per user by default: parallel runs would share it
        "wsgi:app",
    ]
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
                try:
                    if _get(base + "/healthz") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"no /healthz in time:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _fire(calls: list[tuple[str, dict[str, str]]]) -> list[tuple[int, dict]]:
    """Send every POST at the same moment from its own thread."""
    barrier = threading.Barrier(len(calls))

    def send(call):
        barrier.wait(timeout=30)
        return _post(*call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def test_fifty_taps_on_five_places_over_http_take_exactly_five(app, seed, server):
    auth = {"Authorization": f"Bearer {seed.token}"}
    calls = [
        (
            f"{server}/api/v1/employer/applications/{public_id}/accept",
            {**auth, "Idempotency-Key": f"http-accept-{n}"},
        )
        for n, public_id in enumerate(seed.applications)
    ]
    answers = _fire(calls)
    assert Counter(status for status, _ in answers) == {200: 5, 409: 45}, answers
    assert {body["error"] for status, body in answers if status == 409} == {"full"}
    assert all(body["status"] == "accepted" for status, body in answers if status == 200)

    replay = f"{server}/api/v1/employer/applications/{seed.replay_application}/accept"
    again = _fire([(replay, {**auth, "Idempotency-Key": "one-tap"})] * 10)
    assert {status for status, _ in again} == {200}
    assert len({json.dumps(body, sort_keys=True) for _, body in again}) == 1

    with app.app_context():
        gig = db.session.get(Gig, seed.gig_id)
        assert gig.accepted_count == 5
        assert gig.status.value == "filled"
        taken = db.session.scalar(
            select(func.count(Application.id)).where(
                Application.gig_id == seed.gig_id, Application.status == "accepted"
            )
        )
        assert taken == 5
        assert db.session.get(Gig, seed.replay_gig_id).accepted_count == 1
        events = db.session.scalar(
            select(func.count(ApplicationEvent.id)).where(
                ApplicationEvent.idempotency_key == "one-tap"
            )
        )
        assert events == 1
        db.session.remove()
