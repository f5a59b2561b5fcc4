"""Gigs through the API: the public list and detail, and an employer's own postings."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.api import (
    application_count,
    gig_body,
    gig_row,
    make_account,
    make_application,
    make_gig,
    set_gig_status,
)
from webapp.models.base import utcnow

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
PUBLIC_KEYS = {
    "public_id",
    "title",
    "trade_code",
    "trade_name",
    "description",
    "headcount",
    "places_left",
    "work_address",
    "area_code",
    "starts_at",
    "ends_at",
    "daily_hours",
    "pay_amount",
    "pay_unit",
    "settlement",
    "provides",
    "skill_level_required",
    "certificates_required",
    "heavy_or_hazardous",
    "valid_until",
    "employer",
    "contact",
    "status",
    "market_id",
}
OWNER_KEYS = PUBLIC_KEYS | {
    "screening",
    "screening_decision",
    "revision",
    "accepted_count",
    "review_note",
    "published_at",
    "closed_at",
    "created_at",
}


@pytest.fixture
def market(make_market):
    """A station."""
    return make_market()


@pytest.fixture
def boss(app, market):
    """A verified enterprise employer."""
    return make_account(app, market, employer="verified")


@pytest.fixture
def rival(app, market):
    """Another verified employer."""
    return make_account(app, market, employer="verified", employer_name="郑州市安居家政有限公司")


# -- public ----------------------------------------------------------------------------------------


def test_the_market_list_shows_open_gigs_in_the_public_shape(
    app, client, make_market, market, boss
):
    gig = make_gig(app, boss)
    make_gig(app, boss, publish=False)  # a draft is not listed
    closed = make_gig(app, boss)
    set_gig_status(app, closed, "closed")
    make_gig(app, make_account(app, make_market(), employer="verified"))  # another market's
    response = client.get(f"/api/v1/markets/{market}/gigs")
    assert response.status_code == 200
    assert response.json["total"] == 1
    (item,) = response.json["items"]
    assert item["public_id"] == gig
    assert set(item) == PUBLIC_KEYS
    assert ISO_WITH_OFFSET.match(item["starts_at"])
    assert item["pay_amount"] == "330.00"
    assert item["daily_hours"] == "8.0"
    assert item["provides"] == {
        "meals": True,
        "lodging": True,
        "transport": False,
        "tools": False,
        "insurance": False,
    }
    assert item["employer"] == {
        "name": "郑州市建工劳务有限公司",
        "kind": "enterprise",
        "verified": True,
    }
    assert item["contact"]["name"] == "王**"
    assert re.fullmatch(r"1[0-9]{2}\*{4}[0-9]{4}", item["contact"]["phone"])


def test_the_list_pages(app, client, market, boss):
    ids = [make_gig(app, boss, days_ahead=d) for d in (3, 2, 4)]
    first = client.get(f"/api/v1/markets/{market}/gigs?per_page=2").json
    second = client.get(f"/api/v1/markets/{market}/gigs?per_page=2&page=2").json
    assert first["total"] == second["total"] == 3
    assert [g["public_id"] for g in first["items"] + second["items"]] == [ids[1], ids[0], ids[2]]
    assert client.get(f"/api/v1/markets/{market}/gigs?page=9").json["items"] == []


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "page=1.5", "page=10001", "page=%EF%BC%91", "per_page=101"]
    + ["per_page=0", "per_page=", "page=99999999999999999999"],
)
def test_bad_paging_is_400_not_500(client, market, query):
    response = client.get(f"/api/v1/markets/{market}/gigs?{query}")
    assert response.status_code == 400
    assert set(response.json["fields"]) <= {"page", "per_page"}


@pytest.mark.parametrize("market_id", ["999999", "99999999999999999999", "0"])
def test_unknown_markets_are_404(client, market_id):
    for path in (f"/api/v1/markets/{market_id}", f"/api/v1/markets/{market_id}/gigs"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.is_json


def test_free_text_numbers_are_masked_for_the_public_but_not_for_the_owner(app, client, boss):
    # (screening sends a phone number in the text to review; staff approved this one)
    gig = make_gig(
        app, boss, publish=False, description="砌墙，包吃住。工地门卫电话13912345678，到了打。"
    )
    set_gig_status(app, gig, "open", published_at=utcnow())
    public = client.get(f"/api/v1/gigs/{gig}").json
    assert "13912345678" not in public["description"]
    assert "139****5678" in public["description"]
    owner = client.get(f"/api/v1/gigs/{gig}", headers=boss.headers).json
    assert "13912345678" in owner["description"]


def test_an_individual_employers_name_is_masked(app, client, market):
    person = make_account(
        app, market, employer="verified", employer_kind="individual", employer_name="赵六"
    )
    gig = make_gig(app, person)
    assert client.get(f"/api/v1/gigs/{gig}").json["employer"]["name"] == "赵*"


@pytest.mark.parametrize("status", ["draft", "pending_review", "rejected"])
def test_unpublished_gigs_are_the_owners_alone(app, client, boss, rival, status):
    gig = make_gig(app, boss, publish=False)
    set_gig_status(app, gig, status)
    assert client.get(f"/api/v1/gigs/{gig}").status_code == 404
    assert client.get(f"/api/v1/gigs/{gig}", headers=rival.headers).status_code == 404
    owner = client.get(f"/api/v1/gigs/{gig}", headers=boss.headers)
    assert owner.status_code == 200
    assert set(owner.json) == OWNER_KEYS
    assert owner.json["status"] == status


@pytest.mark.parametrize("status", ["open", "filled", "closed", "expired"])
def test_published_gigs_are_public_in_every_later_status(app, client, boss, status):
    gig = make_gig(app, boss)
    set_gig_status(app, gig, status)
    response = client.get(f"/api/v1/gigs/{gig}")
    assert response.status_code == 200
    assert set(response.json) == PUBLIC_KEYS
    assert response.json["status"] == status


def test_a_draft_closed_unpublished_stays_private(app, client, boss):
    response = client.post(
        "/api/v1/employer/gigs",
        json=gig_body(description="限男性，需交押金500元"),
        headers=boss.headers,
    )
    gig = response.json["public_id"]
    assert (
        client.post(f"/api/v1/employer/gigs/{gig}/close", headers=boss.headers).status_code == 200
    )
    assert client.get(f"/api/v1/gigs/{gig}").status_code == 404


@pytest.mark.parametrize("public_id", ["nothing", "0" * 32, "A" * 32, "é" * 32])
def test_unknown_gig_ids_are_404(client, public_id):
    response = client.get(f"/api/v1/gigs/{public_id}")
    assert response.status_code == 404
    assert response.is_json


# -- the employer's own ----------------------------------------------------------------------------


def test_create_a_draft(app, client, boss):
    response = client.post("/api/v1/employer/gigs", json=gig_body(), headers=boss.headers)
    assert response.status_code == 201
    body = response.json
    assert set(body) == OWNER_KEYS
    assert body["status"] == "draft"
    assert body["revision"] == 1
    assert body["screening"] == []
    assert body["screening_decision"] == "pass"
    assert response.headers["Location"].endswith(f"/api/v1/gigs/{body['public_id']}")
    assert gig_row(app, body["public_id"])["status"] == "draft"


def test_create_and_publish(client, boss):
    response = client.post(
        "/api/v1/employer/gigs", json=gig_body(publish=True), headers=boss.headers
    )
    assert response.status_code == 201
    assert response.json["status"] == "open"
    assert response.json["published_at"] is not None


def test_publishing_a_blocked_posting_keeps_a_draft_with_the_reasons(client, boss):
    body = gig_body(description="上岗前需交押金500元，离职退还。", publish=True)
    response = client.post("/api/v1/employer/gigs", json=body, headers=boss.headers)
    assert response.status_code == 201
    assert response.json["status"] == "draft"
    assert response.json["screening_decision"] == "block"
    finding = response.json["screening"][0]
    assert finding["action"] == "block"
    assert re.search(r"[\u4e00-\u9fff]", finding["message"])


def test_publishing_a_doubtful_posting_sends_it_to_review(client, boss):
    body = gig_body(description="砌墙，年龄35岁以下。", publish=True)
    response = client.post("/api/v1/employer/gigs", json=body, headers=boss.headers)
    assert response.status_code == 201
    assert response.json["status"] == "pending_review"
    assert response.json["screening"][0]["action"] == "review"


def test_an_unverified_employer_drafts_but_cannot_publish(app, client, market):
    pending = make_account(app, market, employer="unverified")
    draft = client.post("/api/v1/employer/gigs", json=gig_body(), headers=pending.headers)
    assert draft.status_code == 201
    before = gig_row(app, draft.json["public_id"])["count"]
    refused = client.post(
        "/api/v1/employer/gigs", json=gig_body(publish=True), headers=pending.headers
    )
    assert refused.status_code == 403
    assert refused.json["error"] == "employer_unverified"
    assert gig_row(app, draft.json["public_id"])["count"] == before  # nothing was kept
    publish = client.post(
        f"/api/v1/employer/gigs/{draft.json['public_id']}/publish", headers=pending.headers
    )
    assert publish.status_code == 403


def test_an_account_without_employer_is_told_so(app, client, market):
    nobody = make_account(app, market)
    for method, path in [
        ("get", "/api/v1/employer/gigs"),
        ("post", "/api/v1/employer/gigs"),
    ]:
        response = getattr(client, method)(path, json=gig_body(), headers=nobody.headers)
        assert response.status_code == 403
        assert response.json["error"] == "employer_required"
        assert response.json["message"]


def test_my_gigs_lists_every_status_newest_first(app, client, boss, rival):
    old = make_gig(app, boss)
    draft = make_gig(app, boss, publish=False)
    make_gig(app, rival)
    response = client.get("/api/v1/employer/gigs", headers=boss.headers)
    assert response.status_code == 200
    assert [g["public_id"] for g in response.json["items"]] == [draft, old]
    assert all(set(g) == OWNER_KEYS for g in response.json["items"])


def test_patch_changes_only_what_is_sent_and_writes_a_revision(app, client, boss):
    gig = make_gig(app, boss)
    before = gig_row(app, gig)
    response = client.patch(
        f"/api/v1/employer/gigs/{gig}", json={"headcount": 7}, headers=boss.headers
    )
    assert response.status_code == 200
    after = gig_row(app, gig)
    assert after["headcount"] == 7
    assert after["revision"] == before["revision"] + 1
    assert after["pay_amount"] == before["pay_amount"]  # not sent, not changed
    assert after["title"] == before["title"]
    assert response.json["status"] == "open"


def test_patch_with_blocked_text_takes_an_open_gig_down(app, client, boss):
    gig = make_gig(app, boss)
    response = client.patch(
        f"/api/v1/employer/gigs/{gig}",
        json={"description": "上岗前需交押金500元。"},
        headers=boss.headers,
    )
    assert response.status_code == 200
    assert response.json["status"] == "draft"
    assert client.get(f"/api/v1/gigs/{gig}").status_code == 404


@pytest.mark.parametrize(("body", "field"), [({}, "body"), ({"headcount": None}, "headcount")])
def test_patch_with_nothing_or_an_emptied_required_field_is_422(client, app, boss, body, field):
    gig = make_gig(app, boss)
    before = gig_row(app, gig)
    response = client.patch(f"/api/v1/employer/gigs/{gig}", json=body, headers=boss.headers)
    assert response.status_code == 422
    assert field in response.json["fields"]
    assert gig_row(app, gig) == before


def test_patch_with_null_empties_an_optional_field(client, app, boss):
    gig = make_gig(app, boss)
    response = client.patch(
        f"/api/v1/employer/gigs/{gig}", json={"description": None}, headers=boss.headers
    )
    assert response.status_code == 200
    assert response.json["description"] == ""
    assert response.json["title"] == "瓦工师傅5名 包吃住"


def test_a_closed_gig_cannot_be_changed(app, client, boss):
    gig = make_gig(app, boss)
    closed = client.post(f"/api/v1/employer/gigs/{gig}/close", headers=boss.headers)
    assert closed.status_code == 200
    assert closed.json["status"] == "closed"
    again = client.post(f"/api/v1/employer/gigs/{gig}/close", headers=boss.headers)
    assert again.status_code == 409
    assert again.json["error"] == "already_closed"
    patch = client.patch(
        f"/api/v1/employer/gigs/{gig}", json={"headcount": 2}, headers=boss.headers
    )
    assert patch.status_code == 409
    assert patch.json["error"] == "not_editable"


def test_publish_a_draft_then_not_again(app, client, boss):
    gig = make_gig(app, boss, publish=False)
    first = client.post(f"/api/v1/employer/gigs/{gig}/publish", headers=boss.headers)
    assert first.status_code == 200
    assert first.json["status"] == "open"
    second = client.post(f"/api/v1/employer/gigs/{gig}/publish", headers=boss.headers)
    assert second.status_code == 409
    assert second.json["error"] == "not_draft"


def test_a_draft_whose_dates_passed_cannot_be_published(app, client, boss):
    gig = make_gig(app, boss, publish=False)
    set_gig_status(app, gig, "draft", ends_at=utcnow() - timedelta(hours=1))
    response = client.post(f"/api/v1/employer/gigs/{gig}/publish", headers=boss.headers)
    assert response.status_code == 409
    assert response.json["error"] == "expired"


def test_the_owner_sees_sign_ups_masked(app, client, market, boss):
    gig = make_gig(app, boss)
    worker = make_account(app, market, worker="verified", worker_name="李小四")
    make_application(app, worker, gig)
    response = client.get(f"/api/v1/employer/gigs/{gig}/applications", headers=boss.headers)
    assert response.status_code == 200
    (item,) = response.json["items"]
    assert {"public_id", "status", "applied_at", "worker", "actions"} <= set(item)
    assert item["actions"] == ["accept", "decline"]
    assert item["worker"] == {
        "name": "李**",
        "phone": None,  # shown only once the worker is taken on (tests/api/test_hires.py)
        "trades": [{"trade_code": "6-29-01-01", "trade_name": "瓦工/砌墙工", "skill_level": 4}],
    }
    text = response.get_data(as_text=True)
    assert worker.worker_id_number not in text
    assert worker.phone[3:] not in text
    assert application_count(app) == 1
