"""Command-line contracts: staff create, scheduler jobs, key generation."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.identity import Keyring
from webapp.models import Employer, StaffUser
from webapp.models.base import utcnow
from webapp.models.types import EmployerKind, VerificationStatus


def test_staff_create_makes_a_scoped_account(app, runner, make_market, client, login):
    market_id = make_market()
    result = runner.invoke(
        args=[
            "staff",
            "create",
            "wang",
            "--name",
            "王工",
            "--market-id",
            str(market_id),
            "--role",
            "station_admin",
            "--password",
            "a long enough pw",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == "wang"))
        assert staff.market_id == market_id
        assert staff.password_hash.startswith("$argon2id$")
    assert login("wang", password="a long enough pw").status_code == 302


def test_staff_create_refuses_short_passwords_and_unknown_markets(runner, make_market):
    market_id = make_market()
    short = runner.invoke(
        args=[
            "staff",
            "create",
            "li",
            "--name",
            "李",
            "--market-id",
            str(market_id),
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0
    assert "10" in short.output
    unknown = runner.invoke(
        args=[
            "staff",
            "create",
            "li",
            "--name",
            "李",
            "--market-id",
            "9999",
            "--password",
            "long enough!!",
        ]
    )
    assert unknown.exit_code != 0
    assert "9999" in unknown.output


def test_keys_generate_prints_a_parseable_entry(runner):
    result = runner.invoke(args=["keys", "generate", "--kid", "k7"])
    ring = Keyring.parse(result.output.strip())
    assert ring.active_kid == "k7"


def test_scheduler_job_expires_overdue_verifications(app, runner, make_market):
    market_id = make_market()
    with app.app_context():
        employer = Employer(
            kind=EmployerKind.INDIVIDUAL,
            name="赵先生",
            contact_name="赵先生",
            market_id=market_id,
            verification_status=VerificationStatus.VERIFIED,
            reverify_due_on=utcnow().date().replace(year=utcnow().year - 1),
        )
        db.session.add(employer)
        db.session.commit()
    result = runner.invoke(args=["scheduler", "--run-once", "expire_employer_verifications"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    with app.app_context():
        assert db.session.scalars(select(Employer)).one().verification_status == "expired"
    unknown = runner.invoke(args=["scheduler", "--run-once", "nope"])
    assert unknown.exit_code != 0
    assert "verify_audit_chain" in unknown.output
