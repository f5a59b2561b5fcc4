"""Rate limits count in Redis when configured, so every web worker shares them (security.md)."""

import os

import pytest
import redis

from config import TestingConfig
from tests.conftest import csrf_token_from
from webapp import create_app
from webapp.extensions import db

REDIS_URL = os.environ.get("GIGMARKET_TEST_REDIS_URL")


@pytest.fixture
def redis_client():
    """A Redis database for the test, emptied before and after."""
    if not REDIS_URL:
        pytest.skip("GIGMARKET_TEST_REDIS_URL is not set")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_login_attempts_are_counted_in_redis(app, redis_client, make_market, make_staff):
    username = make_staff(make_market())
    worker = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI=REDIS_URL,
    )
    client = worker.test_client()
    codes = []
    try:
        for _ in range(11):
            token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
            codes.append(
                client.post(
                    "/staff/login",
                    data={"username": username, "password": "wrong password!", "csrf_token": token},
                ).status_code
            )
    finally:
        with worker.app_context():
            db.session.remove()  # return the session's connection first
            db.engine.dispose()  # no pooled connection left for the garbage collector
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    # The counters live in Redis (not in this process), where every worker process reads them.
    keys = [k.decode() for k in redis_client.keys("*")]
    assert any("login_submit" in k or "staff" in k for k in keys), keys
