"""The migrations build the whole schema from empty, match the models, and reverse cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from config import TestingConfig
from webapp import create_app
from webapp.extensions import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_model_table_exists(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables


def test_upgrade_from_empty_then_down_and_up_again(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade()
        assert "gig" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "gig" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "gig" in inspect(db.engine).get_table_names()
        db.session.remove()  # return the session's connection first
        db.engine.dispose()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(app, backend):
    if backend != "sqlite":
        return
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
