"""Worker phone pages: a gig's page, sign-up, real-name verification, my sign-ups, my QR code."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from webapp.extensions import db

CONTACT = "+8613912345678"  # the gig's contact phone: only ever shown as 139****5678
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


# -- builders ------------------------------------------------------------------------------------


@pytest.fixture
def make_employer(app):
    """Build an employer: make_employer(market_id, kind=..., verified=True) -> employer id."""
    from webapp.models import Employer
    from webapp.models.base import utcnow
    from webapp.models.types import EmployerKind, VerificationStatus
    from webapp.services import identity

    def make(market_id, *, kind="enterprise", name="郑州宏达建筑劳务有限公司", verified=True):
        with app.app_context():
            employer = Employer(
                kind=EmployerKind(kind),
                name=name,
                contact_name="李建国",
                market_id=market_id,
                verification_status=(
                    VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
                ),
                verified_at=utcnow() if verified else None,
                reverify_due_on=date.today() + timedelta(days=150) if verified else None,
            )
            db.session.add(employer)
            db.session.flush()
            identity.store(employer, "contact_phone", CONTACT)
            db.session.commit()
            return employer.id

    return make


@pytest.fixture
def make_gig(app):
    """Build a gig: make_gig(employer_id, status="open", hazardous=False, ...) -> public_id."""
    from webapp.models import Employer, Gig
    from webapp.models.base import utcnow
    from webapp.models.types import GigStatus, PayUnit, Settlement
    from webapp.services import identity

    def make(
        employer_id,
        *,
        status="open",
        hazardous=False,
        title="写字楼保洁两天",
        headcount=3,
        starts_in=timedelta(days=2),
        valid_days=1,
    ):
        with app.app_context():
            employer = db.session.get(Employer, employer_id)
            starts = utcnow() + starts_in
            gig = Gig(
                employer_id=employer.id,
                market_id=employer.market_id,
                trade_code="6-29-01-01" if hazardous else "4-09-07-01",
                title=title,
                description="自带工作服。\n包午饭。",
                headcount=headcount,
                accepted_count=0,
                work_address="金水路88号大厦",
                area_code="410105",
                starts_at=starts,
                ends_at=starts + timedelta(hours=9),
                daily_hours=Decimal("8"),
                pay_amount=Decimal("180"),
                pay_unit=PayUnit.DAY,
                settlement=Settlement.DAILY,
                provides_meals=True,
                heavy_or_hazardous=hazardous,
                contact_name="李建国",
                valid_until=date.today() + timedelta(days=valid_days),
                status=GigStatus(status),
            )
            db.session.add(gig)
            db.session.flush()
            identity.store(gig, "contact_phone", CONTACT)
            db.session.commit()
            return gig.public_id

    return make


@pytest.fixture
def otp_sign_in(app):
    """Sign a number in through the real one-time-code service; the cookie goes on `c`."""
    from webapp.services import phone_auth, sms

    def do(c, phone):
        with app.app_context():
            phone_auth.request_code(phone, "198.51.100.7")
            code = re.search(r"\d{6}", sms.gateway().last_to(phone)).group(0)
            account = phone_auth.verify_code(phone, code)
            db.session.flush()
            token = phone_auth.open_session(account, "cookie")
            db.session.commit()
            account_id = account.id
        with c.session_transaction() as session:
            session[phone_auth.SESSION_KEY] = token
        return account_id

    return do


def set_worker_status(app, public_id, status="verified"):
    """Set a worker's real-name status directly (as a kiosk check-in or staff would)."""
    from webapp.models import Worker
    from webapp.models.base import utcnow
    from webapp.models.types import VerificationStatus

    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        worker.verification_status = VerificationStatus(status)
        worker.verification_method = "kiosk"
        worker.verified_at = utcnow()
        db.session.commit()


@pytest.fixture
def kiosk_worker(app, make_worker, otp_sign_in):
    """A worker verified at a kiosk with this phone and signed in on `c`: make(...) -> public_id."""

    def make(c, market_id, phone, birth=date(1975, 3, 14), status="verified"):
        public_id, _number = make_worker(market_id, phone=phone, birth=birth)
        set_worker_status(app, public_id, status)
        otp_sign_in(c, phone)
        return public_id

    return make


def visible_text(html: str) -> str:
    """The text a reader sees (no tags, attributes or QR paths: random ids there are not phones)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S))


def count(app, model) -> int:
    """Rows of a model."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def applications_of(app, public_id):
    """(gig title, status) of each sign-up of a worker."""
    from webapp.models import Application, Gig, Worker

    with app.app_context():
        rows = db.session.execute(
            select(Gig.title, Application.status)
            .join(Application, Application.gig_id == Gig.id)
            .join(Worker, Worker.id == Application.worker_id)
            .where(Worker.public_id == public_id)
        ).all()
        return [(title, status.value) for title, status in rows]


def sign_up(c, gig_id, key=None):
    """Open the gig page and post its sign-up form (with its own key unless one is given)."""
    page = c.get(f"/m/g/{gig_id}").get_data(as_text=True)
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert found, "the page has no sign-up form"
    return c.post(
        f"/m/g/{gig_id}/signup",
        data={"csrf_token": csrf_token_from(page), "idempotency_key": key or found.group(1)},
    )


def photo(size=(320, 400), fmt="JPEG") -> io.BytesIO:
    """A real image for the face-photo field."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 150, 130)).save(buffer, format=fmt)
    buffer.seek(0)
    return buffer


# -- the gig page ---------------------------------------------------------------------------------


def test_gig_page_shows_the_posting_with_the_contact_masked(
    client, station, make_employer, make_gig
):
    gig_id = make_gig(make_employer(station))
    response = client.get(f"/m/g/{gig_id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "写字楼保洁两天" in body
    assert "保洁/清洁工" in body  # the trade's common name
    assert "¥180" in body
    assert "金水路88号大厦" in body
    assert "郑州宏达建筑劳务有限公司" in body
    assert "139****5678" in body
    assert "李*" in body
    assert "李建国" not in body
    assert not FULL_MOBILE.search(visible_text(body))
    assert CONTACT[3:] not in body
    assert response.headers["Cache-Control"] == "no-store"
    # Not signed in: the button leads to sign-in and back here.
    assert f"/m/signin?next=/m/g/{gig_id}" in body
    assert 'name="idempotency_key"' not in body


def test_individual_employer_name_is_masked(client, station, make_employer, make_gig):
    gig_id = make_gig(make_employer(station, kind="individual", name="王秀英"))
    body = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    assert "王**" in body
    assert "王秀英" not in body


@pytest.mark.parametrize("status", ["draft", "rejected"])
def test_unpublished_gigs_are_404_except_for_their_employer(
    app, client, station, make_employer, make_gig, otp_sign_in, status
):
    from webapp.models import PhoneAccount

    employer_id = make_employer(station)
    gig_id = make_gig(employer_id, status=status)
    assert client.get(f"/m/g/{gig_id}").status_code == 404
    account_id = otp_sign_in(client, "+8613700000001")
    assert client.get(f"/m/g/{gig_id}").status_code == 404  # signed in, but not the owner
    with app.app_context():
        db.session.get(PhoneAccount, account_id).employer_id = employer_id
        db.session.commit()
    owner_view = client.get(f"/m/g/{gig_id}")
    assert owner_view.status_code == 200
    assert f"/m/employer/gigs/{gig_id}" in owner_view.get_data(as_text=True)


def test_gig_waiting_for_review_shows_no_details_to_others(
    client, station, make_employer, make_gig
):
    gig_id = make_gig(make_employer(station), status="pending_review")
    response = client.get(f"/m/g/{gig_id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "写字楼保洁两天" not in body
    assert "139****5678" not in body


def test_unknown_gig_is_404(client):
    assert client.get("/m/g/" + "0" * 32).status_code == 404
    assert client.get("/m/g/not-an-id").status_code == 404


# -- signing up -----------------------------------------------------------------------------------


def test_sign_up_happy_path(app, client, station, make_employer, make_gig, kiosk_worker):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    worker_id = kiosk_worker(client, station, "+8613800000001")
    response = sign_up(client, gig_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/m/g/{gig_id}")
    assert applications_of(app, worker_id) == [("写字楼保洁两天", "applied")]
    with app.app_context():
        row = db.session.scalar(select(Application))
        assert row.worker_verification["status"] == "verified"  # 双实名 on the row
        assert row.employer_verification["status"] == "verified"
    body = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    assert 'name="idempotency_key"' not in body  # no second button
    assert "status-applied" in body


def test_double_tap_with_the_same_key_gives_one_row(
    app, client, station, make_employer, make_gig, kiosk_worker
):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    kiosk_worker(client, station, "+8613800000002")
    page = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    token = csrf_token_from(page)
    for _ in range(2):
        response = client.post(
            f"/m/g/{gig_id}/signup", data={"csrf_token": token, "idempotency_key": key}
        )
        assert response.status_code == 303
    assert count(app, Application) == 1


def test_two_sign_ups_with_different_keys_give_one_row(
    app, client, station, make_employer, make_gig, kiosk_worker
):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    kiosk_worker(client, station, "+8613800000003")
    page = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    for key in ("a" * 32, "b" * 32):
        response = client.post(
            f"/m/g/{gig_id}/signup", data={"csrf_token": token, "idempotency_key": key}
        )
        assert response.status_code == 303
    assert count(app, Application) == 1


def test_signed_in_without_a_worker_is_sent_to_verification(
    app, client, station, make_employer, make_gig, otp_sign_in
):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    otp_sign_in(client, "+8613700000002")
    page = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    assert "/m/worker/verify" in page
    assert 'name="idempotency_key"' not in page
    response = client.post(
        f"/m/g/{gig_id}/signup",
        data={"csrf_token": csrf_token_from(page), "idempotency_key": "c" * 32},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/m/worker/verify")
    assert count(app, Application) == 0


def test_unverified_worker_is_refused(app, client, station, make_employer, make_gig, kiosk_worker):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    kiosk_worker(client, station, "+8613800000004", status="pending")
    page = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    assert 'name="idempotency_key"' not in page
    response = client.post(
        f"/m/g/{gig_id}/signup",
        data={"csrf_token": csrf_token_from(page), "idempotency_key": "d" * 32},
    )
    assert response.status_code == 303
    assert count(app, Application) == 0
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-error" in follow


def test_minor_is_refused_on_hazardous_work(
    app, client, station, make_employer, make_gig, kiosk_worker
):
    from webapp.models import Application

    employer_id = make_employer(station)
    hazardous = make_gig(employer_id, hazardous=True, title="工地搬砖三天")
    ordinary = make_gig(employer_id)
    today = date.today()
    seventeen = today.replace(year=today.year - 17) - timedelta(days=30)
    kiosk_worker(client, station, "+8613800000005", birth=seventeen)
    response = sign_up(client, hazardous)
    assert response.status_code == 303
    assert count(app, Application) == 0
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "under 18" in follow or "18岁" in follow or "18 岁" in follow
    assert sign_up(client, ordinary).status_code == 303  # ordinary work is fine at 17
    assert count(app, Application) == 1


@pytest.mark.parametrize("status", ["closed", "expired", "filled"])
def test_closed_gig_takes_no_sign_ups(
    app, client, station, make_employer, make_gig, kiosk_worker, status
):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station), status=status)
    kiosk_worker(client, station, "+8613800000006")
    page = client.get(f"/m/g/{gig_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="signups-closed"' in body
    assert 'name="idempotency_key"' not in body
    response = client.post(
        f"/m/g/{gig_id}/signup",
        data={"csrf_token": csrf_token_from(body), "idempotency_key": "e" * 32},
    )
    assert response.status_code == 303
    assert count(app, Application) == 0


def test_sign_up_needs_sign_in_and_a_csrf_token(app, client, station, make_employer, make_gig):
    from webapp.models import Application

    gig_id = make_gig(make_employer(station))
    page = client.get(f"/m/g/{gig_id}").get_data(as_text=True)
    assert (
        client.post(f"/m/g/{gig_id}/signup", data={"idempotency_key": "f" * 32}).status_code == 400
    )
    response = client.post(
        f"/m/g/{gig_id}/signup",
        data={"csrf_token": csrf_token_from(page), "idempotency_key": "f" * 32},
    )
    assert response.status_code == 302
    assert "/m/signin" in response.headers["Location"]
    assert count(app, Application) == 0


# -- the worker's own pages -----------------------------------------------------------------------


def test_kiosk_worker_signing_in_with_the_same_phone_is_already_verified(
    client, station, kiosk_worker
):
    kiosk_worker(client, station, "+8613800000007")
    response = client.get("/m/worker")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "status-verified" in body
    assert "/m/worker/qr" in body
    assert "/m/worker/applications" in body
    assert "张*" in body
    assert "张三" not in body


def test_worker_pages_need_sign_in(client):
    for path in ("/m/worker", "/m/worker/verify", "/m/worker/applications", "/m/worker/qr"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/m/signin" in response.headers["Location"]


def test_new_phone_sees_the_way_to_verify(client, otp_sign_in):
    otp_sign_in(client, "+8613700000003")
    body = client.get("/m/worker").get_data(as_text=True)
    assert "status-unverified" in body
    assert "/m/worker/verify" in body
    assert "/m/worker/qr" not in body


def _verify_form(client):
    """The verification page and its CSRF token."""
    page = client.get("/m/worker/verify")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert 'capture="user"' in body
    return csrf_token_from(body)


def _new_id(birth=date(1990, 6, 1), seq=7, sex="F") -> str:
    from webapp.identity import synthesize_resident_id

    return synthesize_resident_id("410105", birth, seq, sex)


def test_worker_verification_with_a_face_photo(app, client, station, otp_sign_in):
    from webapp.models import Document, PhoneAccount, VerificationRequest

    account_id = otp_sign_in(client, "+8613700000004")
    token = _verify_form(client)
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": token,
            "market_id": str(station),
            "name": "赵敏",
            "id_number": _new_id(),
            "method": "face",
            "face_photo": (photo(), "face.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app.app_context():
        request = db.session.scalar(select(VerificationRequest))
        assert request.method == "individual_face"
        assert request.status.value == "pending"
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1
        assert db.session.get(PhoneAccount, account_id).worker is not None
    body = client.get("/m/worker/verify").get_data(as_text=True)
    assert "status-pending" in body
    assert 'name="id_number"' not in body  # no second submission while waiting


def test_worker_verification_at_the_station_then_rejected_with_reason(
    app, client, station, otp_sign_in, make_staff
):
    from webapp.models import StaffUser, VerificationRequest
    from webapp.services import verification

    otp_sign_in(client, "+8613700000005")
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": _verify_form(client),
            "market_id": str(station),
            "name": "赵敏",
            "id_number": _new_id(seq=8),
            "method": "station",
        },
    )
    assert response.status_code == 303
    body = client.get("/m/worker/verify").get_data(as_text=True)
    assert "测试街道零工服务站" in body  # where to bring the card
    username = make_staff(station)
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        request = db.session.scalar(select(VerificationRequest))
        verification.decide(request, staff, approve=False, reason="证件照片看不清")
        db.session.commit()
    body = client.get("/m/worker/verify").get_data(as_text=True)
    assert "status-rejected" in body
    assert "证件照片看不清" in body
    assert 'name="id_number"' in body  # may try again
    assert "证件照片看不清" in client.get("/m/worker").get_data(as_text=True)


def test_bad_id_number_is_refused_at_the_field_and_values_kept(app, client, station, otp_sign_in):
    from webapp.models import VerificationRequest, Worker

    otp_sign_in(client, "+8613700000006")
    bad = _new_id()[:-1] + ("0" if _new_id()[-1] != "0" else "1")  # checksum broken
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": _verify_form(client),
            "market_id": str(station),
            "name": "赵敏",
            "id_number": bad,
            "method": "face",
            "face_photo": (photo(), "face.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert 'id="id_number-error"' in body
    assert 'value="赵敏"' in body
    assert count(app, VerificationRequest) == 0
    assert count(app, Worker) == 0


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"this is not a picture", "face.jpg"),
        (b"GIF89a" + b"\0" * 64, "face.gif"),
    ],
)
def test_bad_upload_is_refused_at_the_field_and_nothing_kept(
    app, client, station, otp_sign_in, payload, name
):
    from webapp.models import Document, VerificationRequest, Worker

    otp_sign_in(client, "+8613700000007")
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": _verify_form(client),
            "market_id": str(station),
            "name": "赵敏",
            "id_number": _new_id(seq=9),
            "method": "face",
            "face_photo": (io.BytesIO(payload), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="face_photo-error"' in body
    assert 'value="赵敏"' in body
    for model in (VerificationRequest, Document, Worker):
        assert count(app, model) == 0, model


def test_missing_face_photo_is_asked_for(app, client, station, otp_sign_in):
    from webapp.models import VerificationRequest

    otp_sign_in(client, "+8613700000008")
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": _verify_form(client),
            "market_id": str(station),
            "name": "赵敏",
            "id_number": _new_id(seq=10),
            "method": "face",
        },
    )
    assert response.status_code == 400
    assert 'id="face_photo-error"' in response.get_data(as_text=True)
    assert count(app, VerificationRequest) == 0


def test_someone_elses_id_number_is_refused(
    app, client, station, make_worker, otp_sign_in, kiosk_worker
):
    from webapp.models import VerificationRequest

    owner = app.test_client()
    kiosk_worker(owner, station, "+8613800000008")  # linked to the owner's phone
    with app.app_context():
        from webapp.models import Worker
        from webapp.services import identity

        worker = db.session.scalar(select(Worker))
        number = identity.worker_id_number(worker)
    otp_sign_in(client, "+8613700000009")
    response = client.post(
        "/m/worker/verify",
        data={
            "csrf_token": _verify_form(client),
            "market_id": str(station),
            "name": "张三",
            "id_number": number,
            "method": "station",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="id_number-error"' in body
    assert count(app, VerificationRequest) == 0
    assert "status-verified" in owner.get("/m/worker").get_data(as_text=True)


def test_my_applications_lists_only_mine(
    app, client, station, make_employer, make_gig, kiosk_worker
):
    employer_id = make_employer(station)
    mine = make_gig(employer_id, title="我的保洁活")
    theirs = make_gig(employer_id, title="别人的搬运活")
    other = app.test_client()
    kiosk_worker(other, station, "+8613800000009")
    assert sign_up(other, theirs).status_code == 303
    kiosk_worker(client, station, "+8613800000010")
    assert sign_up(client, mine).status_code == 303
    response = client.get("/m/worker/applications")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "我的保洁活" in body
    assert "别人的搬运活" not in body
    assert "郑州宏达建筑劳务有限公司" in body
    assert "status-applied" in body
    assert "/withdraw" in body


def _application_id(app, title):
    from webapp.models import Application, Gig

    with app.app_context():
        return db.session.scalar(select(Application.public_id).join(Gig).where(Gig.title == title))


def test_withdraw_works_only_on_mine_and_only_while_applied(
    app, client, station, make_employer, make_gig, kiosk_worker
):
    from webapp.models import Application
    from webapp.models.types import ApplicationStatus

    employer_id = make_employer(station)
    make_gig(employer_id, title="我的保洁活")
    make_gig(employer_id, title="别人的搬运活")
    make_gig(employer_id, title="已录用的活")
    gigs = {t: g for t, g in _gig_ids(app).items()}
    other = app.test_client()
    other_id = kiosk_worker(other, station, "+8613800000011")
    assert sign_up(other, gigs["别人的搬运活"]).status_code == 303
    worker_id = kiosk_worker(client, station, "+8613800000012")
    assert sign_up(client, gigs["我的保洁活"]).status_code == 303
    assert sign_up(client, gigs["已录用的活"]).status_code == 303
    with app.app_context():
        accepted = db.session.scalar(
            select(Application).where(Application.public_id == _application_id(app, "已录用的活"))
        )
        accepted.status = ApplicationStatus.ACCEPTED
        db.session.commit()
    token = csrf_token_from(client.get("/m/worker/applications").get_data(as_text=True))

    theirs = client.post(
        f"/m/worker/applications/{_application_id(app, '别人的搬运活')}/withdraw",
        data={"csrf_token": token},
    )
    assert theirs.status_code == 404
    assert applications_of(app, other_id) == [("别人的搬运活", "applied")]

    refused = client.post(
        f"/m/worker/applications/{_application_id(app, '已录用的活')}/withdraw",
        data={"csrf_token": token},
    )
    assert refused.status_code == 303
    ok = client.post(
        f"/m/worker/applications/{_application_id(app, '我的保洁活')}/withdraw",
        data={"csrf_token": token},
    )
    assert ok.status_code == 303
    assert sorted(applications_of(app, worker_id)) == [
        ("已录用的活", "accepted"),
        ("我的保洁活", "withdrawn"),
    ]
    body = client.get("/m/worker/applications").get_data(as_text=True)
    assert "status-withdrawn" in body
    assert body.count("/withdraw") == 0  # neither withdrawn nor accepted can be withdrawn here
    again = client.post(
        f"/m/worker/applications/{_application_id(app, '我的保洁活')}/withdraw",
        data={"csrf_token": token},
    )
    assert again.status_code == 303
    assert ("我的保洁活", "withdrawn") in applications_of(app, worker_id)


def test_withdraw_of_unknown_application_is_404(client, station, kiosk_worker):
    kiosk_worker(client, station, "+8613800000013")
    token = csrf_token_from(client.get("/m/worker").get_data(as_text=True))
    response = client.post(
        f"/m/worker/applications/{'0' * 32}/withdraw", data={"csrf_token": token}
    )
    assert response.status_code == 404


def _gig_ids(app) -> dict[str, str]:
    from webapp.models import Gig

    with app.app_context():
        return dict(db.session.execute(select(Gig.title, Gig.public_id)).all())


def test_my_qr_is_for_verified_workers_only(app, client, station, kiosk_worker, otp_sign_in):
    worker_id = kiosk_worker(client, station, "+8613800000014")
    response = client.get("/m/worker/qr")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "<svg" in body
    assert worker_id not in body  # the code is an image, not text on the page
    assert not FULL_MOBILE.search(visible_text(body))

    newcomer = app.test_client()
    otp_sign_in(newcomer, "+8613700000010")
    refused = newcomer.get("/m/worker/qr")
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith("/m/worker")


def test_my_qr_encodes_the_current_personal_payload(
    app, client, station, kiosk_worker, monkeypatch
):
    from webapp.models import Worker
    from webapp.services import qr

    worker_id = kiosk_worker(client, station, "+8613800000015")
    seen = []
    original = qr.svg
    monkeypatch.setattr(qr, "svg", lambda text, **kw: seen.append(text) or original(text, **kw))
    assert client.get("/m/worker/qr").status_code == 200
    with app.app_context():
        version = db.session.scalar(select(Worker.qr_version).where(Worker.public_id == worker_id))
        assert qr.verify(seen[0], "w") == {"w": worker_id, "v": version}
