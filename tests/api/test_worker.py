"""Workers through the API: idempotent sign-up with its refusals, and my sign-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api import application_count, make_account, make_gig, set_gig_status


@pytest.fixture
def market(make_market):
    """A station."""
    return make_market()


@pytest.fixture
def gig(app, market):
    """An open gig of a verified employer."""
    return make_gig(app, make_account(app, market, employer="verified"))


@pytest.fixture
def worker(app, market):
    """A verified worker."""
    return make_account(app, market, worker="verified")


def _sign_up(client, gig, caller, key="tap-1"):
    """Sign a caller up for a gig with an idempotency key (None: without one)."""
    headers = dict(caller.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/gigs/{gig}/applications", headers=headers)


def test_sign_up_then_a_double_tap_returns_the_first(app, client, gig, worker):
    first = _sign_up(client, gig, worker)
    assert first.status_code == 201
    assert first.json["status"] == "applied"
    assert first.json["gig"]["public_id"] == gig
    again = _sign_up(client, gig, worker)
    assert again.status_code == 200
    assert again.json == first.json
    other_key = _sign_up(client, gig, worker, key="tap-2")
    assert other_key.status_code == 200
    assert other_key.json["public_id"] == first.json["public_id"]
    assert application_count(app) == 1


def test_my_applications(client, gig, worker):
    assert _sign_up(client, gig, worker).status_code == 201
    response = client.get("/api/v1/worker/applications", headers=worker.headers)
    assert response.status_code == 200
    assert response.json["total"] == 1
    (item,) = response.json["items"]
    assert {"public_id", "status", "applied_at", "gig", "actions"} <= set(item)
    assert item["actions"] == ["withdraw"]
    assert item["contact_phone"] is None  # the gig's contact only once taken on
    assert item["gig"]["public_id"] == gig
    assert "screening" not in item["gig"]


@pytest.mark.parametrize("key", [None, "", "k" * 65, "键", "with space", "tab\there"])
def test_a_missing_or_bad_idempotency_key_is_400(app, client, gig, worker, key):
    response = _sign_up(client, gig, worker, key=key)
    assert response.status_code == 400
    assert response.json["error"] == "idempotency_key_invalid"
    assert application_count(app) == 0


def test_a_key_used_by_someone_else_is_409(app, client, market, gig, worker):
    other = make_account(app, market, worker="verified", worker_name="钱七")
    assert _sign_up(client, gig, worker, key="shared").status_code == 201
    response = _sign_up(client, gig, other, key="shared")
    assert response.status_code == 409
    assert response.json["error"] == "key_reused"


def test_an_unverified_worker_is_403(app, client, market, gig):
    pending = make_account(app, market, worker="unverified")
    response = _sign_up(client, gig, pending)
    assert response.status_code == 403
    assert response.json["error"] == "worker_unverified"


def test_an_account_without_worker_is_403(app, client, market, gig):
    nobody = make_account(app, market, employer="verified")
    for response in (
        _sign_up(client, gig, nobody),
        client.get("/api/v1/worker/applications", headers=nobody.headers),
    ):
        assert response.status_code == 403
        assert response.json["error"] == "worker_required"


def test_a_minor_cannot_take_heavy_work(app, client, market, gig):
    born = date.today() - timedelta(days=365 * 17)
    minor = make_account(app, market, worker="verified", worker_birth=born)
    response = _sign_up(client, gig, minor)
    assert response.status_code == 403
    assert response.json["error"] == "minor_hazardous"


def test_a_closed_gig_is_409_and_a_draft_404(app, client, market, gig, worker):
    set_gig_status(app, gig, "closed")
    closed = _sign_up(client, gig, worker)
    assert closed.status_code == 409
    assert closed.json["error"] == "gig_closed"
    draft = make_gig(app, make_account(app, market, employer="verified"), publish=False)
    assert _sign_up(client, draft, worker).status_code == 404
    assert _sign_up(client, "0" * 32, worker).status_code == 404
    assert application_count(app) == 0


def test_anonymous_sign_up_is_401(client, gig):
    response = client.post(f"/api/v1/gigs/{gig}/applications", headers={"Idempotency-Key": "anon"})
    assert response.status_code == 401
