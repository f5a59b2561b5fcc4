"""The audit log is append-only and hash-chained (requirement 19)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from webapp.extensions import db
from webapp.services import audit


def _record_three(app):
    with app.app_context():
        for i in range(3):
            audit.record(
                "sign_off", actor_kind="staff", actor_id=i, object_kind="ledger_day", object_id=i
            )
        db.session.commit()


def test_chain_verifies_when_untouched(app):
    _record_three(app)
    with app.app_context():
        report = audit.verify_chain()
    assert report.ok
    assert report.checked == 3


def test_database_refuses_updates_and_deletes(app):
    _record_three(app)
    with app.app_context():
        for statement in (
            "UPDATE audit_event SET action = 'nothing' WHERE id = 2",
            "DELETE FROM audit_event WHERE id = 2",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_tampered_row_is_detected(app, backend, runner):
    _record_three(app)
    with app.app_context():
        if backend == "postgresql":
            db.session.execute(text("SET session_replication_role = replica"))  # bypass triggers
        else:
            db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("UPDATE audit_event SET actor_id = 99 WHERE id = 2"))
        db.session.commit()
        report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == 2
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 2" in result.output
