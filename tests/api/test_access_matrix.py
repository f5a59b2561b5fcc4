"""The access matrix (security.md 5 and 6): every API route x every kind of caller.

Callers: employer A, employer B (both verified), a verified worker, an account whose employer
and worker are both unverified, a newcomer account with neither, and nobody. Each route is run
on fresh data by every caller, the owner last (some routes change the gig). Besides the status,
the test collects everything sent to an employer and checks that A never sees B's gigs or
sign-ups (nor B A's), and that no employer ever receives a worker's full ID number, phone,
birth date or sex.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.api import (
    ID_NUMBER,
    MOBILE,
    Caller,
    gig_body,
    make_account,
    make_application,
    make_gig,
    next_phone,
    without_public_ids,
)

ROLES = ("employer_a", "employer_b", "worker", "unverified", "newcomer", "anonymous")


@dataclass(frozen=True)
class World:
    """The seeded data of one matrix row."""

    market: int
    callers: dict[str, Caller | None]
    ids: dict[str, str]  # gig_a, draft_a, gig_b, draft_b, app_a, app_b


@pytest.fixture
def world(app, make_market) -> World:
    """Fresh data for one row of the matrix."""
    market = make_market()
    a = make_account(app, market, employer="verified", employer_name="郑州市甲建筑劳务有限公司")
    b = make_account(app, market, employer="verified", employer_name="郑州市乙家政服务有限公司")
    worker = make_account(app, market, worker="verified", worker_name="孙小美")
    unverified = make_account(app, market, employer="unverified", worker="unverified")
    newcomer = make_account(app, market)
    ids = {
        "gig_a": make_gig(app, a, title="甲公司招瓦工5名"),
        "draft_a": make_gig(app, a, publish=False, title="甲公司草稿瓦工"),
        "gig_b": make_gig(app, b, title="乙公司招瓦工3名"),
        "draft_b": make_gig(app, b, publish=False, title="乙公司草稿瓦工"),
    }
    ids["app_a"] = make_application(app, worker, ids["gig_a"])
    ids["app_b"] = make_application(app, worker, ids["gig_b"])
    callers = {
        "employer_a": a,
        "employer_b": b,
        "worker": worker,
        "unverified": unverified,
        "newcomer": newcomer,
        "anonymous": None,
    }
    return World(market, callers, ids)


def _row(a, b, worker, unverified, newcomer, anonymous):
    """Expected statuses by role, in ROLES order."""
    return dict(zip(ROLES, (a, b, worker, unverified, newcomer, anonymous), strict=True))


# (id, method, path, body, expected status per role, the owner who must go last)
MATRIX = [
    ("me", "get", "/me", None, _row(200, 200, 200, 200, 200, 401), None),
    ("market_gigs", "get", "/markets/{market}/gigs", None, _row(*[200] * 6), None),
    ("open_gig_a", "get", "/gigs/{gig_a}", None, _row(*[200] * 6), None),
    ("draft_a", "get", "/gigs/{draft_a}", None, _row(200, 404, 404, 404, 404, 404), None),
    ("draft_b", "get", "/gigs/{draft_b}", None, _row(404, 200, 404, 404, 404, 404), None),
    ("my_gigs", "get", "/employer/gigs", None, _row(200, 200, 403, 200, 403, 401), None),
    (
        "create_gig",
        "post",
        "/employer/gigs",
        "gig",
        _row(201, 201, 403, 201, 403, 401),
        None,
    ),
    (
        "patch_a",
        "patch",
        "/employer/gigs/{gig_a}",
        {"headcount": 6},
        _row(200, 404, 403, 404, 403, 401),
        "employer_a",
    ),
    (
        "patch_b",
        "patch",
        "/employer/gigs/{gig_b}",
        {"headcount": 6},
        _row(404, 200, 403, 404, 403, 401),
        "employer_b",
    ),
    (
        "publish_a",
        "post",
        "/employer/gigs/{draft_a}/publish",
        None,
        _row(200, 404, 403, 404, 403, 401),
        "employer_a",
    ),
    (
        "publish_b",
        "post",
        "/employer/gigs/{draft_b}/publish",
        None,
        _row(404, 200, 403, 404, 403, 401),
        "employer_b",
    ),
    (
        "close_a",
        "post",
        "/employer/gigs/{gig_a}/close",
        None,
        _row(200, 404, 403, 404, 403, 401),
        "employer_a",
    ),
    (
        "close_b",
        "post",
        "/employer/gigs/{gig_b}/close",
        None,
        _row(404, 200, 403, 404, 403, 401),
        "employer_b",
    ),
    (
        "applicants_a",
        "get",
        "/employer/gigs/{gig_a}/applications",
        None,
        _row(200, 404, 403, 404, 403, 401),
        None,
    ),
    (
        "applicants_b",
        "get",
        "/employer/gigs/{gig_b}/applications",
        None,
        _row(404, 200, 403, 404, 403, 401),
        None,
    ),
    (
        "sign_up_a",
        "post",
        "/gigs/{gig_a}/applications",
        None,
        _row(403, 403, 200, 403, 403, 401),
        None,
    ),
    (
        "my_applications",
        "get",
        "/worker/applications",
        None,
        _row(403, 403, 200, 200, 403, 401),
        None,
    ),
    ("ask_code", "post", "/auth/otp", "otp", _row(*[202] * 6), None),
    ("revoke", "delete", "/auth/token", None, _row(204, 204, 204, 204, 204, 401), None),
]


def _keys(value) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _order(owner: str | None) -> list[str]:
    """The roles, with the owner (if any) last."""
    return [r for r in ROLES if r != owner] + ([owner] if owner else [])


@pytest.mark.parametrize(
    ("method", "path", "body", "expected", "owner"),
    [pytest.param(*row[1:], id=row[0]) for row in MATRIX],
)
def test_access_matrix(client, world, method, path, body, expected, owner):
    url = "/api/v1" + path.format(market=world.market, **world.ids)
    seen: dict[str, list[str]] = {}
    for role in _order(owner):
        caller = world.callers[role]
        headers = dict(caller.headers) if caller else {}
        headers["Idempotency-Key"] = f"matrix-{role}"
        kwargs = {"headers": headers}
        if body == "gig":
            kwargs["json"] = gig_body(title=f"{role}新岗位瓦工")
        elif body == "otp":
            kwargs["json"] = {"phone": next_phone()}
        elif body is not None:
            kwargs["json"] = body
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == expected[role], (role, response.get_data(as_text=True))
        if response.status_code >= 400:
            assert response.is_json
            assert response.json["message"]
        seen[role] = [response.get_data(as_text=True)]
        if response.is_json and response.status_code < 300:
            assert not _keys(response.json) & {"id_number", "birth_date", "sex", "face"}

    worker = world.callers["worker"]
    for employer, other in (("employer_a", "b"), ("employer_b", "a")):
        text = "".join(seen[employer])
        assert not ID_NUMBER.search(without_public_ids(text)), text
        assert not MOBILE.search(without_public_ids(text)), text
        assert worker.worker_id_number not in text
        assert worker.worker_id_number[6:14] not in text  # the birth date, as on the ID
        assert "1980-06-01" not in text
        # The other employer's draft and sign-ups never; its open gig only in the public shape.
        assert world.ids[f"draft_{other}"] not in text
        assert world.ids[f"app_{other}"] not in text
        for document in seen[employer]:
            if document.startswith("{"):
                for item in _objects(json.loads(document)):
                    if item.get("public_id") == world.ids[f"gig_{other}"]:
                        assert "screening" not in item, item


def _objects(value):
    """Every JSON object inside a JSON value."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


def test_every_api_route_is_in_the_matrix(app):
    """A new route must join the matrix (the document and its own test aside)."""
    routes = {
        (method.lower(), rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    from tests.api.test_hires import HIRE_MATRIX  # the hire lifecycle has its own matrix

    covered = set()
    for _, method, path, *_ in MATRIX:
        covered.add((method, path))
    for method, path, *_ in HIRE_MATRIX:
        covered.add((method, path))
    normalise = {
        "{market}": "<int:market_id>",
        "{gig_a}": "<public_id>",
        "{gig_b}": "<public_id>",
        "{draft_a}": "<public_id>",
        "{draft_b}": "<public_id>",
        **{
            "{" + name + "}": "<public_id>"
            for name in (
                "gig",
                "proposed",
                "applied",
                "accepted",
                "arrived",
                "started",
                "completed",
            )
        },
    }
    as_rules = set()
    for method, path in covered:
        for placeholder, converter in normalise.items():
            path = path.replace(placeholder, converter)
        as_rules.add((method, path))
    public_reference = {
        ("get", "/openapi.json"),
        ("get", "/markets"),
        ("get", "/markets/<int:market_id>"),
        ("post", "/auth/token"),  # needs a texted code: tests/api/test_auth.py
    }
    assert routes - public_reference == as_rules, json.dumps(sorted(routes ^ as_rules))
