"""Fixtures: an app per test on SQLite, and on PostgreSQL when GIGMARKET_TEST_DATABASE_URL is set.

The schema comes from the real migrations, applied once per session: SQLite tests copy a
migrated template file; PostgreSQL tests truncate every table after use.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
from datetime import date, time
from itertools import count

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from webapp import create_app
from webapp.extensions import db

PG_URL = os.environ.get("GIGMARKET_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_PASSWORD = "correct horse battery"  # noqa: S105


def _make_app(url: str, **overrides):
    """An app for tests on the given database."""
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once from empty, copied by each test."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    app = _make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        db.session.remove()  # return the session's connection first
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_ready():
    """The PostgreSQL test database, reset and migrated once per session."""
    if not PG_URL:
        pytest.skip("GIGMARKET_TEST_DATABASE_URL is not set")
    app = _make_app(PG_URL)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()  # return the session's connection first
        db.engine.dispose()
    return PG_URL


def _truncate_all(app) -> None:
    """Empty every table on PostgreSQL (sequences restart, so ids are predictable)."""
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.remove()  # return the session's connection first
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend this test runs on."""
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    """The application on a fresh, migrated database."""
    overrides = {"UPLOAD_DIR": str(tmp_path / "uploads")}
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        application = _make_app(f"sqlite:///{path}", **overrides)
    else:
        application = _make_app(request.getfixturevalue("postgres_ready"), **overrides)
    yield application
    with application.app_context():
        db.session.remove()
    if backend == "postgresql":
        _truncate_all(application)
    else:
        with application.app_context():
            db.session.remove()  # return the session's connection first
            db.engine.dispose()
    # A connection left open surfaces here, at the test that leaked it, not at a random later one.
    gc.collect()


@pytest.fixture
def client(app):
    """A test client (HTTPS, so the Secure session cookie is sent back)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


_seq = count(1)


@pytest.fixture
def make_market(app):
    """Build a market: make_market(level="station", parent=None, name=...)."""
    from webapp.models import Market
    from webapp.models.types import MarketLevel

    def make(level="station", parent=None, name=None, region_code="410105", **kw):
        with app.app_context():
            market = Market(
                level=MarketLevel(level),
                parent_id=parent,
                name=name or f"测试{next(_seq)}零工服务站",
                region_code=region_code,
                opens_at=kw.pop("opens_at", time(7, 0)),
                closes_at=kw.pop("closes_at", time(18, 0)),
                **kw,
            )
            db.session.add(market)
            db.session.commit()
            return market.id

    return make


@pytest.fixture
def make_staff(app):
    """Build a staff account: make_staff(market_id, role="station_staff") -> username."""
    from webapp.models import StaffUser
    from webapp.models.types import StaffRole
    from webapp.services.auth import hash_password

    def make(market_id, role="station_staff", username=None, active=True):
        username = username or f"staff{next(_seq)}"
        with app.app_context():
            db.session.add(
                StaffUser(
                    username=username,
                    display_name=f"工作人员{username}",
                    password_hash=hash_password(TEST_PASSWORD),
                    role=StaffRole(role),
                    market_id=market_id,
                    is_active=active,
                )
            )
            db.session.commit()
        return username

    return make


@pytest.fixture
def make_worker(app):
    """Build a worker with an encrypted identity: make_worker(market_id, ...) -> public_id."""
    from webapp.identity import parse_resident_id, synthesize_resident_id
    from webapp.models import Worker
    from webapp.services import identity

    def make(market_id, birth=date(1975, 3, 14), sex="M", phone="+8613812345678", name="张三"):
        n = next(_seq)
        number = synthesize_resident_id("410105", birth, n % 100, sex)
        rid = parse_resident_id(number)
        with app.app_context():
            worker = Worker(
                name=name,
                birth_date=rid.birth_date,
                sex=rid.sex,
                hukou_region=rid.region_code,
                registered_market_id=market_id,
            )
            identity.store(worker, "id_number", rid.number)
            identity.store(worker, "phone", phone)
            db.session.commit()
            return worker.public_id, rid.number

    return make


def csrf_token_from(html: str) -> str:
    """The CSRF token a page carries (form field or the htmx header on <body>)."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign a staff user in through the real form: login(username) -> response."""

    def do(username, password=TEST_PASSWORD, c=None):
        c = c or client
        token = csrf_token_from(c.get("/staff/login").get_data(as_text=True))
        return c.post(
            "/staff/login",
            data={"username": username, "password": password, "csrf_token": token},
        )

    return do


def pytest_report_header(config):
    """Say in the log which databases the database tests run on."""
    where = "sqlite" + (f", postgresql ({PG_URL.split('@')[-1]})" if PG_URL else "")
    return f"gigmarket database tests run on: {where}"
