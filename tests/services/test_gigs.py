"""Postings: the standard fields, screening outcomes, revisions, staff review, expiry, sign-ups."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from webapp import refdata
from webapp.extensions import db
from webapp.models import Application, GigRevision
from webapp.models.base import utcnow
from webapp.models.types import GigStatus, VerificationStatus
from webapp.services import applications, gigs, identity, verification
from webapp.services.applications import ApplicationError
from webapp.services.gigs import GigError, GigInputError

from .conftest import jpeg, resident_id, uscc

TRADE = "小工"


ZONE = ZoneInfo("Asia/Shanghai")


def local(days: int, hour: int) -> str:
    """A datetime-local value `days` from now at `hour` o'clock, market time."""
    moment = utcnow().astimezone(ZONE) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def form(**kw) -> dict:
    trade = next(t for t in refdata.trades() if TRADE in t.common_name)
    data = {
        "trade_code": trade.code,
        "title": "工地小工两名",
        "description": "搬运建材，男女不限，包午饭。",
        "headcount": "2",
        "work_address": "金水区文化路1号工地",
        "starts_at": local(1, 8),
        "ends_at": local(1, 17),
        "daily_hours": "8",
        "pay_amount": "220",
        "pay_unit": "day",
        "settlement": "daily",
        "provides_meals": "on",
    }
    data.update(kw)
    return data


@pytest.fixture
def employer_account(ctx, station, staff, new_account):
    account = new_account("13800000001")
    request = verification.submit_enterprise(
        account,
        market_id=station.id,
        name="郑州市测试建筑劳务有限公司",
        uscc=uscc(),
        contact_name="李四",
        contact_id=resident_id(),
        licence=jpeg(),
    )
    verification.decide(request, staff, approve=True, reason="")
    db.session.commit()
    return account


def draft(account, **kw):
    values = gigs.parse_input(form(**kw), employer=account.employer, account=account)
    return gigs.create_draft(account.employer, account, values)


def test_defaults_come_from_the_station_and_the_account(employer_account, station):
    gig = draft(employer_account)
    assert gig.area_code == station.region_code
    assert gig.contact_name == "李四"
    assert identity.reveal(gig, "contact_phone") == "+8613800000001"
    assert gig.valid_until == gigs.local_today() + timedelta(days=1)
    assert gig.provides_meals is True
    assert gig.provides_lodging is False
    assert gig.status == GigStatus.DRAFT
    assert gig.revision == 1


def test_every_error_is_reported_at_once(employer_account):
    with pytest.raises(GigInputError) as err:
        gigs.parse_input(
            {
                "trade_code": "no-such-trade",
                "title": "x",
                "headcount": "0",
                "work_address": "",
                "starts_at": "yesterday",
                "ends_at": local(1, 8),
                "pay_amount": "-5",
                "pay_unit": "week",
                "settlement": "never",
                "daily_hours": "30",
                "contact_phone": "12345",
                "valid_until": "2020-01-01",
                "provides_meals": ["yes"],
            },
            employer=employer_account.employer,
            account=employer_account,
        )
    assert set(err.value.errors) == {
        "trade_code",
        "title",
        "headcount",
        "work_address",
        "starts_at",
        "pay_amount",
        "pay_unit",
        "settlement",
        "daily_hours",
        "contact_phone",
        "valid_until",
        "provides_meals",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": local(1, 7)}, "ends_at"),
        ({"starts_at": local(-2, 8)}, "starts_at"),
        ({"starts_at": local(120, 8), "ends_at": local(121, 8)}, "starts_at"),
        ({"valid_until": local(3, 8)[:10]}, "valid_until"),
        ({"pay_amount": "12.345"}, "pay_amount"),
        ({"pay_amount": "NaN"}, "pay_amount"),
        ({"headcount": "501"}, "headcount"),
    ],
)
def test_inconsistent_dates_and_numbers(employer_account, changes, field):
    with pytest.raises(GigInputError) as err:
        gigs.parse_input(form(**changes), employer=employer_account.employer)
    assert field in err.value.errors


def test_clean_posting_opens(employer_account):
    gig = draft(employer_account)
    outcome = gigs.publish(gig, employer_account)
    assert outcome.status == GigStatus.OPEN
    assert outcome.decision == "pass"
    assert gig.published_at is not None
    assert [r.reason for r in gig.revisions] == ["created", "published"]


def test_fee_posting_is_blocked_with_the_reason(employer_account):
    gig = draft(employer_account, description="入职先交押金300元，工服费从工资扣。")
    outcome = gigs.publish(gig, employer_account)
    assert outcome.status == GigStatus.DRAFT
    assert outcome.decision == "block"
    assert any(f["category"] == "fees" for f in outcome.findings)
    assert all(f["message"] for f in outcome.findings)


def test_below_minimum_wage_is_not_opened(employer_account):
    gig = draft(employer_account, pay_amount="8", pay_unit="hour")
    outcome = gigs.publish(gig, employer_account)
    assert outcome.status != GigStatus.OPEN
    assert any(f["category"] == "pay_below_minimum" for f in outcome.findings)


def test_review_then_staff_decide(employer_account, staff):
    gig = draft(employer_account, description="搬运建材，女士优先。")
    outcome = gigs.publish(gig, employer_account)
    assert outcome.decision == "review"
    assert outcome.status == GigStatus.PENDING_REVIEW
    assert [f["category"] for f in outcome.findings] == ["gender"]
    with pytest.raises(GigError):
        gigs.review(gig, staff, approve=False, reason="")
    gigs.review(gig, staff, approve=False, reason="请删除性别和年龄限制")
    assert gig.status == GigStatus.REJECTED
    assert gig.review_note == "请删除性别和年龄限制"
    values = gigs.parse_input(
        form(description="搬运建材，男女不限。"),
        employer=employer_account.employer,
        current=gig,
    )
    assert gigs.update_gig(gig, values, actor_kind="employer", actor_id=None) == "draft"
    assert gigs.publish(gig, employer_account).status == GigStatus.OPEN


def test_unverified_employer_cannot_publish(employer_account):
    gig = draft(employer_account)
    employer_account.employer.verification_status = VerificationStatus.EXPIRED
    with pytest.raises(GigError) as err:
        gigs.publish(gig, employer_account)
    assert err.value.code == "employer_unverified"


def test_edits_write_immutable_revisions(employer_account):
    gig = draft(employer_account)
    gigs.publish(gig, employer_account)
    values = gigs.parse_input(
        {"headcount": "5", "pay_amount": "240"}, employer=employer_account.employer, current=gig
    )
    gigs.update_gig(gig, values, actor_kind="employer", actor_id=employer_account.id)
    db.session.commit()
    revisions = db.session.scalars(
        select(GigRevision).where(GigRevision.gig_id == gig.id).order_by(GigRevision.revision)
    ).all()
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert revisions[1].snapshot["headcount"] == 2
    assert revisions[2].snapshot["headcount"] == 5
    assert revisions[2].snapshot["pay_amount"] == "240.00"
    assert revisions[2].snapshot["contact_phone"] == "138****0001"  # masked in the record
    assert gig.status == GigStatus.OPEN


def test_edit_into_a_block_takes_the_gig_down(employer_account):
    gig = draft(employer_account)
    gigs.publish(gig, employer_account)
    values = gigs.parse_input(
        {"description": "需交培训费500元"}, employer=employer_account.employer, current=gig
    )
    assert gigs.update_gig(gig, values, actor_kind="employer", actor_id=None) == "draft"


def test_expired_gigs_close_by_themselves(employer_account):
    gig = draft(employer_account)
    gigs.publish(gig, employer_account)
    db.session.commit()
    assert gigs.expire_due() == 0
    assert gigs.expire_due(now=utcnow() + timedelta(days=3)) == 1
    assert gig.status == GigStatus.EXPIRED
    assert gig.revisions[-1].reason == "expired"
    assert gigs.expire_due(now=utcnow() + timedelta(days=3)) == 0  # once only
    with pytest.raises(GigError):
        gigs.update_gig(gig, {}, actor_kind="employer", actor_id=None)


def test_scheduler_job_expires_gigs(employer_account, app):
    from webapp.jobs import JOBS, run_job

    assert "expire_gigs" in JOBS
    gig = draft(employer_account)
    gigs.publish(gig, employer_account)
    gig.valid_until = gigs.local_today() - timedelta(days=1)
    db.session.commit()
    assert run_job("expire_gigs") == 1


@pytest.fixture
def open_gig(employer_account):
    gig = draft(employer_account, headcount="1")
    gigs.publish(gig, employer_account)
    db.session.commit()
    return gig


@pytest.fixture
def worker(ctx, station, staff, new_account):
    account = new_account("13900000002")
    request = verification.submit_worker(
        account,
        market_id=station.id,
        name="孙七",
        id_number=resident_id(seq=21),
        face_photo=jpeg(),
    )
    verification.decide(request, staff, approve=True, reason="")
    db.session.commit()
    return account.worker


def test_sign_up_records_both_verifications_and_is_idempotent(open_gig, worker):
    application, created = applications.sign_up(worker, open_gig, idempotency_key="k1")
    db.session.commit()
    assert created
    assert application.worker_verification["status"] == "verified"
    assert application.employer_verification["status"] == "verified"
    assert application.agreed_pay_amount == Decimal("220.00")
    again, created = applications.sign_up(worker, open_gig, idempotency_key="k1")
    assert not created
    assert again.id == application.id
    other_key, created = applications.sign_up(worker, open_gig, idempotency_key="k2")
    assert not created
    assert other_key.id == application.id
    assert len(db.session.scalars(select(Application)).all()) == 1


def test_withdraw_and_sign_up_again(open_gig, worker):
    application, _ = applications.sign_up(worker, open_gig, idempotency_key="k1")
    applications.withdraw(application, worker)
    assert application.status.value == "withdrawn"
    again, created = applications.sign_up(worker, open_gig, idempotency_key="k3")
    assert created
    assert again.id == application.id
    assert again.status.value == "applied"
    assert [e.to_status for e in again.events] == ["applied", "withdrawn", "applied"]


def test_sign_up_rules(open_gig, worker, employer_account):
    worker.verification_status = VerificationStatus.PENDING
    with pytest.raises(ApplicationError) as err:
        applications.sign_up(worker, open_gig, idempotency_key=None)
    assert err.value.code == "worker_unverified"
    worker.verification_status = VerificationStatus.VERIFIED
    open_gig.heavy_or_hazardous = True
    worker.birth_date = open_gig.starts_at.date().replace(year=open_gig.starts_at.year - 17)
    with pytest.raises(ApplicationError) as err:
        applications.sign_up(worker, open_gig, idempotency_key=None)
    assert err.value.code == "minor_hazardous"
    open_gig.heavy_or_hazardous = False
    gigs.close(open_gig, actor_kind="employer", actor_id=None)
    with pytest.raises(ApplicationError) as err:
        applications.sign_up(worker, open_gig, idempotency_key=None)
    assert err.value.code == "gig_closed"


def test_an_emptied_field_clears_and_chinese_punctuation_stays(employer_account):
    gig = draft(employer_account, certificates_required="健康证", description="搬运，包午饭。")
    assert gig.description == "搬运，包午饭。"  # full-width comma and stop kept as typed
    values = gigs.parse_input(
        {"certificates_required": "", "description": ""},
        employer=employer_account.employer,
        current=gig,
    )
    assert values["certificates_required"] == []
    assert values["description"] == ""
    kept = gigs.parse_input({}, employer=employer_account.employer, current=gig)
    assert kept["certificates_required"] == ["健康证"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "工地小工\x00两名"}, "title"),
        ({"description": "搬运\ud800"}, "description"),
        ({"starts_at": "0001-01-01T00:00+14:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59-12:00"}, "ends_at"),
    ],
)
def test_input_no_database_can_store_is_a_field_error(employer_account, changes, field):
    with pytest.raises(GigInputError) as err:
        gigs.parse_input(form(**changes), employer=employer_account.employer)
    assert field in err.value.errors
