"""Fuzz /api/v1 from its own OpenAPI document: schemathesis over the WSGI app (security.md 17).

Seeded: a market, two verified employers (one with an open gig, a draft and a sign-up), a verified
worker. Each generated case is sent as one of them, or anonymously, chosen from the case's own
content so a replayed example is sent the same way; a `public_id` in the path is often swapped
for a seeded gig so owner, other-employer and worker paths all run, not just 404s. The checks:
no 5xx, every status documented, content types and response schemas (closed objects) and
documented response headers as promised.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import TestingConfig
from tests.api import Caller, make_account, make_application, make_gig
from webapp import create_app
from webapp.extensions import db
from webapp.models import PhoneAccount
from webapp.services import phone_auth

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
MAX_EXAMPLES = 25


@dataclass(frozen=True)
class Seed:
    """Who and what the run starts with."""

    employer: Caller
    other: Caller
    worker: Caller
    gig_ids: tuple[str, ...]  # A's open gig, A's draft, B's open gig


@pytest.fixture
def seed(app, make_market) -> Seed:
    """A market, two verified employers with gigs, a verified worker signed up to one."""
    # Limits per address would answer most sign-in cases with 429 (all cases share one address):
    # raise them so the cases reach the validation; the limits have their own tests.
    app.config.update(
        PHONE_CODE_RATE_LIMIT="10000 per minute",
        PHONE_VERIFY_RATE_LIMIT="10000 per minute",
        OTP_PER_ADDRESS_HOUR=10000,
    )
    market = make_market()
    employer = make_account(app, market, employer="verified")
    other = make_account(app, market, employer="verified", employer_name="郑州市安居家政有限公司")
    worker = make_account(app, market, worker="verified")
    open_gig = make_gig(app, employer)
    draft = make_gig(app, employer, publish=False)
    others_gig = make_gig(app, other)
    make_application(app, worker, open_gig)
    return Seed(employer, other, worker, (open_gig, draft, others_gig))


def _load_schema():
    """The document as the app serves it at /api/v1/openapi.json (a throwaway app: the document
    touches no database), with deterministic generation.

    The tests then send each case to their own app (`app=`), one per database backend.
    schemathesis.pytest.from_fixture would be neater, but schemathesis 4.32.5's lazy loader
    reads pytest's private Node._nodeid, which pytest 9.2 no longer has.
    """
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    config = schemathesis.Config.from_dict(
        {"seed": 20240601, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    )
    try:
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    finally:
        with app.app_context():
            db.engine.dispose()


schema = _load_schema()


@pytest.fixture
def tally(request):
    """Cases and statuses of this operation; the run must reach it."""
    counts: Counter = Counter()
    yield counts
    print(f"\n{request.node.name}: {sum(counts.values())} cases {dict(sorted(counts.items()))}")  # noqa: T201
    assert counts, "no case reached the application"


def _pick(case, n: int) -> int:
    """A number in 0..n-1 fixed by the case's content (the same on every replay)."""
    key = json.dumps(
        [case.method, case.path, case.path_parameters, case.query, case.headers, case.body],
        default=repr,
        sort_keys=True,
    )
    return zlib.crc32(key.encode()) % n


def _fresh_token(app, seed: Seed) -> str:
    """A throwaway token of the employer, for the case that revokes its own token."""
    with app.app_context():
        account = db.session.scalar(
            db.select(PhoneAccount).where(PhoneAccount.public_id == seed.employer.account_id)
        )
        token = phone_auth.open_session(account, "api")
        db.session.commit()
        return token


def _caller_headers(case, app, seed: Seed) -> dict[str, str]:
    """Who sends this case: mostly the role the path is for, sometimes another or nobody."""
    if case.method.upper() == "DELETE" and case.path == "/auth/token":
        return {"Authorization": f"Bearer {_fresh_token(app, seed)}"}
    role = seed.worker if "applications" in case.path and "employer" not in case.path else None
    role = role or seed.employer
    choice = _pick(case, 8)
    if choice == 0:
        return {}
    if choice == 1:
        return seed.other.headers
    if choice == 2:
        return seed.worker.headers if role is seed.employer else seed.employer.headers
    return role.headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case, app, seed, tally):
    if "public_id" in (case.path_parameters or {}) and _pick(case, 3):
        case.path_parameters["public_id"] = seed.gig_ids[_pick(case, 7) % 3]
    headers = _caller_headers(case, app, seed)
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    tally[response.status_code] += 1
