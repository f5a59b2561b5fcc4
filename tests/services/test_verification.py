"""Real-name verification: the checks, the registry, staff decisions, adapters, 6-month expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Agency, AuditEvent, VerificationRequest
from webapp.models.types import AgencyStatus, RequestStatus, VerificationStatus
from webapp.services import identity, verification
from webapp.services.verification import AdapterResult, VerificationError

from .conftest import jpeg, resident_id, uscc


def enterprise(account, station, **kw):
    args = dict(
        market_id=station.id,
        name="郑州市测试建筑劳务有限公司",
        uscc=uscc(),
        contact_name="李四",
        contact_id=resident_id(),
        licence=jpeg(),
    )
    args.update(kw)
    return verification.submit_enterprise(account, **args)


@pytest.fixture
def agency(ctx):
    row = Agency(
        name="郑州测试人力资源有限公司",
        uscc=uscc("MA2PBM8J"),
        licence_number="（郑）人服证字〔2023〕第01050107号",
        issuing_authority="郑州市人力资源和社会保障局",
        valid_from=date(2023, 1, 1),
        valid_until=date.today() + timedelta(days=365),
        region_code="410105",
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_enterprise_submission_waits_for_staff_then_is_verified(ctx, station, staff, new_account):
    account = new_account()
    request = enterprise(account, station)
    db.session.commit()
    employer = account.employer
    assert request.status == RequestStatus.PENDING
    assert request.adapter == "staff_review"
    assert employer.verification_status == VerificationStatus.PENDING
    assert [d.purpose for d in request.documents] == ["licence"]
    assert identity.reveal(employer, "contact_id") == resident_id()
    assert identity.reveal(employer, "contact_phone") == "+8613800000001"
    verification.decide(request, staff, approve=True, reason="")
    db.session.commit()
    assert verification.is_verified(employer)
    assert employer.reverify_due_on == verification.add_months(date.today(), 6)
    assert request.documents[0].deleted_at is None  # the licence stays on file
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "verification.approve" in actions


def test_rejection_needs_a_reason_and_shows_it(ctx, station, staff, new_account):
    account = new_account()
    request = enterprise(account, station)
    with pytest.raises(VerificationError) as err:
        verification.decide(request, staff, approve=False, reason="  ")
    assert err.value.code == "reason_missing"
    verification.decide(request, staff, approve=False, reason="执照照片看不清")
    db.session.commit()
    assert account.employer.verification_status == VerificationStatus.REJECTED
    assert verification.latest_request(account.employer).reason == "执照照片看不清"
    with pytest.raises(VerificationError):
        verification.decide(request, staff, approve=True, reason="")  # decided once only
    # Resubmitting is allowed after a rejection.
    again = enterprise(account, station)
    assert again.status == RequestStatus.PENDING


def test_a_second_submission_while_pending_is_refused(ctx, station, new_account):
    account = new_account()
    enterprise(account, station)
    with pytest.raises(VerificationError) as err:
        enterprise(account, station)
    assert err.value.code == "already_pending"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("uscc", "91410105MA2PBM9H0X", "uscc_checksum"),
        ("uscc", "123", "uscc_format"),
        ("contact_id", "410105198005170000", "id_checksum"),
        ("contact_name", "x", "name_invalid"),
        ("name", "公司", "unit_name_invalid"),
        ("licence", None, "licence_missing"),
        ("market_id", 999, "market_invalid"),
    ],
)
def test_enterprise_field_checks(ctx, station, new_account, field, value, code):
    account = new_account()
    with pytest.raises(VerificationError) as err:
        enterprise(account, station, **{field: value})
    assert err.value.code.startswith(code.split("_")[0])
    assert err.value.field is not None
    assert db.session.scalar(select(VerificationRequest)) is None


def test_duplicate_credit_code_is_flagged_for_staff(ctx, station, new_account):
    enterprise(new_account("13800000001"), station)
    second = enterprise(new_account("13800000002"), station)
    assert {"check": "uscc_unique", "ok": False, "note": "registered by another account"} in (
        second.checks
    )


def test_individual_face_photo_is_deleted_after_the_decision(ctx, station, staff, new_account):
    account = new_account()
    request = verification.submit_individual(
        account, market_id=station.id, name="王五", id_number=resident_id(), face_photo=jpeg()
    )
    (photo,) = request.documents
    assert photo.purpose == "face_photo"
    verification.decide(request, staff, approve=True, reason="")
    assert photo.deleted_at is not None
    assert account.employer.name == "王五"
    assert account.employer.uscc is None


def test_individual_needs_a_photo_or_the_station(ctx, station, new_account):
    with pytest.raises(VerificationError) as err:
        verification.submit_individual(
            new_account(), market_id=station.id, name="王五", id_number=resident_id()
        )
    assert err.value.code == "face_missing"


def test_station_card_must_match_the_number_given(ctx, station, staff, new_account):
    account = new_account()
    request = verification.submit_individual(
        account, market_id=station.id, name="王五", id_number=resident_id(), at_station=True
    )
    with pytest.raises(VerificationError) as err:
        verification.decide(request, staff, approve=True, reason="")
    assert err.value.code == "card_needed"
    with pytest.raises(VerificationError) as err:
        verification.confirm_with_card(request, staff, resident_id(seq=8))
    assert err.value.code == "card_mismatch"
    verification.confirm_with_card(request, staff, resident_id())
    assert verification.is_verified(account.employer)
    assert account.employer.verification_method == "station_card"


def test_agency_must_be_valid_in_the_registry(ctx, station, agency, new_account):
    account = new_account()
    args = dict(
        market_id=station.id,
        name=agency.name,
        uscc=agency.uscc,
        licence_number=" （郑）人服证字〔2023〕第01050107号 ",
        contact_name="赵六",
        contact_id=resident_id(),
    )
    with pytest.raises(VerificationError) as err:
        verification.submit_agency(
            account, **{**args, "licence_number": "（郑）人服证字〔2023〕第1号"}
        )
    assert err.value.code == "agency_missing"
    with pytest.raises(VerificationError) as err:
        verification.submit_agency(account, **{**args, "uscc": uscc()})
    assert err.value.code == "agency_uscc_mismatch"
    agency.status = AgencyStatus.REVOKED
    with pytest.raises(VerificationError) as err:
        verification.submit_agency(account, **args)
    assert err.value.code == "agency_revoked"
    agency.status, agency.valid_until = AgencyStatus.VALID, date.today() - timedelta(days=1)
    with pytest.raises(VerificationError) as err:
        verification.submit_agency(account, **args)
    assert err.value.code == "agency_expired"
    agency.valid_until = date.today() + timedelta(days=30)
    request = verification.submit_agency(account, **args)
    assert request.method == "agency_registry"
    assert account.employer.agency_id == agency.id


def test_verified_employer_expires_after_six_months(ctx, station, staff, new_account):
    from webapp.jobs import expire_employer_verifications

    account = new_account()
    verification.decide(enterprise(account, station), staff, approve=True, reason="")
    employer = account.employer
    employer.reverify_due_on = date.today() - timedelta(days=1)
    assert verification.effective_status(employer) == VerificationStatus.EXPIRED
    assert not verification.is_verified(employer)
    assert expire_employer_verifications() == 1
    # Re-verification goes through a new request.
    assert enterprise(account, station).status == RequestStatus.PENDING


class AutoApprove:
    """An external real-name service that approves everything (for the adapter test)."""

    name = "test_network_id"

    def check(self, request, claims):
        assert claims["id_number"] == resident_id()  # the adapter gets the clear claims
        return AdapterResult(
            "approve",
            "matched by the network identity service",
            [{"check": "network_id", "ok": True}],
        )


def test_external_adapter_decides_without_staff(ctx, app, station, new_account):
    app.config["REALNAME_ADAPTER"] = f"{__name__}:AutoApprove"
    account = new_account()
    request = verification.submit_individual(
        account, market_id=station.id, name="王五", id_number=resident_id(), face_photo=jpeg()
    )
    assert request.status == RequestStatus.APPROVED
    assert request.adapter == "test_network_id"
    assert {"check": "network_id", "ok": True} in request.checks
    assert verification.is_verified(account.employer)
    assert request.documents[0].deleted_at is not None


def test_worker_on_phone_gets_a_new_record_pending_review(ctx, station, staff, new_account):
    account = new_account()
    request = verification.submit_worker(
        account, market_id=station.id, name="孙七", id_number=resident_id(), face_photo=jpeg()
    )
    worker = account.worker
    assert worker is not None
    assert worker.verification_status == VerificationStatus.PENDING
    assert worker.birth_date == date(1980, 5, 17)
    assert worker.sex == "M"
    assert identity.worker_phone(worker) == "+8613800000001"
    verification.decide(request, staff, approve=True, reason="")
    assert verification.is_verified(worker)


def test_someone_elses_kiosk_record_is_not_handed_over(
    ctx, station, staff, new_account, make_worker
):
    public_id, number = make_worker(station.id, phone="+8613912345678", name="张三")
    account = new_account()
    request = verification.submit_worker(
        account, market_id=station.id, name="张三", id_number=number, face_photo=jpeg()
    )
    assert account.worker_id is None  # not linked until staff approve
    assert request.worker.public_id == public_id
    verification.decide(request, staff, approve=True, reason="")
    assert account.worker.public_id == public_id
    # A second phone cannot claim the same person.
    with pytest.raises(VerificationError) as err:
        verification.submit_worker(
            new_account("13800000009"),
            market_id=station.id,
            name="张三",
            id_number=number,
            face_photo=jpeg(),
        )
    assert err.value.code == "id_taken"


def test_under_sixteen_cannot_register(ctx, station, new_account):
    young = resident_id(birth=date.today().replace(year=date.today().year - 15))
    with pytest.raises(VerificationError) as err:
        verification.submit_worker(
            new_account(), market_id=station.id, name="小明", id_number=young, face_photo=jpeg()
        )
    assert err.value.field == "id_number"


def test_a_claim_on_a_kiosk_verified_worker_does_not_touch_them(
    ctx, station, staff, new_account, make_worker
):
    from webapp.models import Worker

    public_id, number = make_worker(station.id, phone="+8613912345678", name="张三")
    worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
    worker.verification_status = VerificationStatus.VERIFIED
    db.session.commit()
    request = verification.submit_worker(
        new_account(), market_id=station.id, name="张三", id_number=number, face_photo=jpeg()
    )
    assert worker.verification_status == VerificationStatus.VERIFIED  # still works meanwhile
    verification.decide(request, staff, approve=False, reason="照片与本人不符")
    assert worker.verification_status == VerificationStatus.VERIFIED
    assert request.status == RequestStatus.REJECTED


def test_re_verification_keeps_the_employer_posting_until_decided(ctx, station, staff, new_account):
    account = new_account()
    verification.decide(enterprise(account, station), staff, approve=True, reason="")
    request = enterprise(account, station)
    assert verification.is_verified(account.employer)
    verification.decide(request, staff, approve=False, reason="执照已被吊销")
    assert account.employer.verification_status == VerificationStatus.REJECTED
    assert account.employer.verification_note == "执照已被吊销"


def test_a_verified_employer_changing_its_identity_waits_for_staff(
    ctx, station, staff, new_account
):
    account = new_account()
    verification.decide(enterprise(account, station), staff, approve=True, reason="")
    enterprise(account, station, name="郑州市另一家建筑劳务有限公司")
    assert account.employer.verification_status == VerificationStatus.PENDING
