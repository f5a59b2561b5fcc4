"""Employer phone pages: real-name verification, licence photos, posting, and who may see what."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token_from
from tests.mobile.conftest import make_jpeg, new_id_number, new_phone, new_uscc
from webapp.extensions import db
from webapp.models import (
    Agency,
    Document,
    Employer,
    Gig,
    GigRevision,
    PhoneAccount,
    StaffUser,
    VerificationRequest,
    Worker,
    WorkerTrade,
)
from webapp.models.types import AgencyStatus, GigStatus, VerificationStatus
from webapp.services import gigs, identity, uploads, verification

JPEG_MAGIC = b"\xff\xd8\xff"


@pytest.fixture
def en(client):
    """The client reads English pages (the msgids), so tests can match the words."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _token(client, path="/m/me") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _employer_of(app, phone) -> Employer | None:
    with app.app_context():
        account = identity.find_account_by_phone(phone)
        employer = account.employer if account else None
        if employer is not None:
            db.session.expunge(employer)
        return employer


def _enterprise_form(station, **overrides):
    form = {
        "kind": "enterprise",
        "market_id": str(station),
        "name": "郑州宏达建筑劳务有限公司",
        "uscc": new_uscc(),
        "contact_name": "李建国",
        "contact_id": new_id_number(),
        "industry_division": "47",
        "address": "郑州市金水区花园路1号",
        "licence": (io.BytesIO(make_jpeg(exif=True)), "licence.jpg"),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def _submit(client, form):
    """POST the verification form as a phone does (multipart), encoded in memory.

    (The test client would spool a large body to a temporary file it never closes.)
    """
    values = {"csrf_token": _token(client)}
    for name, value in form.items():
        if isinstance(value, tuple):
            stream, filename = value
            value = FileStorage(stream, filename=filename, content_type="image/jpeg")
        values[name] = value
    boundary, body = encode_multipart(values)
    return client.post(
        "/m/employer/verify",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def _count(app, model) -> int:
    with app.app_context():
        return len(db.session.scalars(select(model)).all())


# -- verification: enterprise ---------------------------------------------------------------------


def test_kind_choice_then_the_enterprise_form(en, phone_login, station):
    phone_login(en, new_phone())
    choice = en.get("/m/employer/verify").get_data(as_text=True)
    for kind in ("enterprise", "individual", "hr_agency"):
        assert f"/m/employer/verify?kind={kind}" in choice
    form = en.get("/m/employer/verify?kind=enterprise").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert 'name="licence" type="file" accept="image/*" capture=' in form
    assert 'name="uscc"' in form
    assert 'name="contact_id"' in form
    assert 'name="industry_division"' in form
    assert f'<option value="{station}">测试街道零工服务站</option>' in form  # no station known yet


def test_station_from_the_session_is_the_default(en, phone_login, station, make_market):
    make_market(name="别的驿站")
    phone_login(en, new_phone())
    with en.session_transaction() as session:
        session["market_id"] = station
    form = en.get("/m/employer/verify?kind=enterprise").get_data(as_text=True)
    assert f'<input type="hidden" name="market_id" value="{station}">' in form
    assert "测试街道零工服务站" in form
    chooser = en.get("/m/employer/verify?kind=enterprise&station=choose").get_data(as_text=True)
    assert "别的驿站" in chooser


def test_enterprise_submission_stores_a_clean_encrypted_licence(app, en, phone_login, station):
    phone = new_phone()
    phone_login(en, phone)
    response = _submit(en, _enterprise_form(station))
    assert response.status_code == 303, response.get_data(as_text=True)
    status = en.get(response.headers["Location"]).get_data(as_text=True)
    assert "status-pending" in status
    employer = _employer_of(app, phone)
    assert employer.verification_status == VerificationStatus.PENDING
    assert employer.industry_division == "47"
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.purpose == "licence"
        stored = (Path(app.config["UPLOAD_DIR"]) / document.storage_key).read_bytes()
        clean = uploads.read_image(document)
        public_id = document.public_id
    # Encrypted on disk: not a JPEG, no EXIF text; the decrypted copy is a JPEG without EXIF.
    assert not stored.startswith(JPEG_MAGIC)
    assert b"TestCamera" not in stored
    assert clean.startswith(JPEG_MAGIC)
    assert b"TestCamera" not in clean
    assert b"Exif" not in clean[:200]
    with Image.open(io.BytesIO(clean)) as image:
        assert not image.getexif()
    # The owner can see it, uncached.
    assert f"/m/employer/documents/{public_id}" in status
    photo = en.get(f"/m/employer/documents/{public_id}")
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "no-store"
    assert photo.data == clean


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("uscc", "91410105MA12345678", "credit code"),
        ("contact_id", "410105198005170011", None),
        ("contact_name", "x", "exactly as on the ID card"),
        ("name", "公司", "full name as on the business licence"),
    ],
)
def test_enterprise_field_errors_show_at_the_field_and_keep_the_values(
    app, en, phone_login, station, field, value, words
):
    phone_login(en, new_phone())
    if field == "contact_id":  # a real-looking number with a wrong check digit
        good = new_id_number()
        value = good[:-1] + ("0" if good[-1] != "0" else "1")
    form = _enterprise_form(station, **{field: value})
    response = _submit(en, form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="e-{field}"' in body
    if words:
        assert words in body
    kept = "李建国" if field != "contact_name" else "郑州宏达建筑劳务有限公司"
    assert kept in body
    assert _count(app, Employer) == 0
    assert _files(app) == []


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        ((b"hello, this is not a photo", "licence.jpg"), "not a photo we can read"),
        (("营业执照 文本".encode() * 50, "licence.txt.jpg"), "not a photo we can read"),
        ((make_jpeg()[:4000], "truncated.jpg"), "not a photo we can read"),
        ((make_jpeg(120, 90), "tiny.jpg"), "too small"),
        ((JPEG_MAGIC + b"\0" * (6 * 1024 * 1024 + 10), "huge.jpg"), "too large"),
        (None, "Please add a photo of the business licence"),
    ],
    ids=["not-an-image", "text-renamed-jpg", "truncated-jpeg", "too-small", "too-large", "none"],
)
def test_bad_licence_uploads_are_refused_at_the_field(app, en, phone_login, station, upload, words):
    phone_login(en, new_phone())
    form = _enterprise_form(station)
    if upload is None:
        form.pop("licence")
    else:
        form["licence"] = (io.BytesIO(upload[0]), upload[1])
    response = _submit(en, form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="e-licence"' in body
    assert words in body
    assert "郑州宏达建筑劳务有限公司" in body  # what they typed is kept
    assert _count(app, Document) == 0
    assert _count(app, VerificationRequest) == 0
    assert _files(app) == []


def test_a_body_over_the_request_limit_gets_a_plain_413(app, en, phone_login, station):
    phone_login(en, new_phone())
    form = _enterprise_form(station, licence=(io.BytesIO(b"\0" * (9 * 1024 * 1024)), "big.jpg"))
    response = _submit(en, form)
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "too large" in body
    assert "Traceback" not in body
    assert _count(app, Document) == 0


# -- verification: individual and agency ----------------------------------------------------------


def test_individual_with_a_face_photo(app, en, phone_login, station):
    phone = new_phone()
    phone_login(en, phone)
    form = en.get("/m/employer/verify?kind=individual").get_data(as_text=True)
    assert 'accept="image/*" capture="user"' in form
    assert 'value="station"' in form
    response = _submit(
        en,
        {
            "kind": "individual",
            "market_id": str(station),
            "name": "王小五",
            "id_number": new_id_number(),
            "proof": "photo",
            "face_photo": (io.BytesIO(make_jpeg(text="face")), "me.jpg"),
        },
    )
    assert response.status_code == 303
    with app.app_context():
        request = db.session.scalar(select(VerificationRequest))
        assert request.method == "individual_face"
        assert [d.purpose for d in request.documents] == ["face_photo"]


def test_individual_who_will_show_the_card_at_the_station(app, en, phone_login, station):
    phone_login(en, new_phone())
    response = _submit(
        en,
        {
            "kind": "individual",
            "market_id": str(station),
            "name": "王小五",
            "id_number": new_id_number(),
            "proof": "station",
        },
    )
    assert response.status_code == 303
    page = en.get("/m/employer/verify").get_data(as_text=True)
    assert "bring your ID card" in page
    with app.app_context():
        assert db.session.scalar(select(VerificationRequest)).method == "station_card"
    assert _files(app) == []


def test_individual_without_photo_or_station_choice_is_asked_for_one(app, en, phone_login, station):
    phone_login(en, new_phone())
    response = _submit(
        en,
        {
            "kind": "individual",
            "market_id": str(station),
            "name": "王小五",
            "id_number": new_id_number(),
            "proof": "photo",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="e-face_photo"' in body
    assert "王小五" in body


@pytest.fixture
def agencies(app):
    """The registry: a valid licence, an expired one and a revoked one."""
    uscc = new_uscc()
    with app.app_context():
        for number, until, status in (
            ("豫人社A001", date.today() + timedelta(days=365), AgencyStatus.VALID),
            ("豫人社A002", date.today() - timedelta(days=1), AgencyStatus.VALID),
            ("豫人社A003", date.today() + timedelta(days=365), AgencyStatus.REVOKED),
        ):
            db.session.add(
                Agency(
                    name="郑州好工人力资源有限公司",
                    uscc=uscc,
                    licence_number=number,
                    issuing_authority="郑州市人社局",
                    valid_from=date(2020, 1, 1),
                    valid_until=until,
                    region_code="410105",
                    status=status,
                )
            )
        db.session.commit()
    return uscc


def _agency_form(station, uscc, number):
    return {
        "kind": "hr_agency",
        "market_id": str(station),
        "name": "郑州好工人力资源有限公司",
        "uscc": uscc,
        "licence_number": number,
        "contact_name": "赵六",
        "contact_id": new_id_number(),
    }


@pytest.mark.parametrize(
    ("number", "other_uscc", "field", "words"),
    [
        ("豫人社X999", False, "licence_number", "not in the agency registry"),
        ("豫人社A002", False, "licence_number", "has expired"),
        ("豫人社A003", False, "licence_number", "not valid at present"),
        ("豫人社A001", True, "uscc", "does not match"),
    ],
    ids=["missing", "expired", "revoked", "uscc-mismatch"],
)
def test_agency_licence_must_be_valid_in_the_registry(
    app, en, phone_login, station, agencies, number, other_uscc, field, words
):
    phone_login(en, new_phone())
    uscc = new_uscc() if other_uscc else agencies
    response = _submit(en, _agency_form(station, uscc, number))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="e-{field}"' in body
    assert words in body
    assert _count(app, VerificationRequest) == 0


def test_agency_with_a_valid_licence_goes_to_review(app, en, phone_login, station, agencies):
    phone = new_phone()
    phone_login(en, phone)
    form = en.get("/m/employer/verify?kind=hr_agency").get_data(as_text=True)
    assert 'name="licence_number"' in form
    response = _submit(en, _agency_form(station, agencies, "豫人社a001"))
    assert response.status_code == 303
    employer = _employer_of(app, phone)
    assert employer.kind.value == "hr_agency"
    assert employer.verification_status == VerificationStatus.PENDING


# -- status after review --------------------------------------------------------------------------


def _decide(app, phone, approve, reason=""):
    with app.test_request_context():
        account = identity.find_account_by_phone(phone)
        request = verification.pending_request(account.employer)
        staff = db.session.scalar(select(StaffUser))
        verification.decide(request, staff, approve=approve, reason=reason)
        db.session.commit()


def test_rejection_shows_the_staff_reason_and_a_way_to_submit_again(
    app, en, phone_login, verified_employer, make_staff, station
):
    make_staff(station)
    info = verified_employer(market_id=station, verified=False)
    _decide(app, info.phone, approve=False, reason="营业执照照片看不清")
    phone_login(en, info.phone)
    page = en.get("/m/employer/verify").get_data(as_text=True)
    assert "status-rejected" in page
    assert "营业执照照片看不清" in page
    assert "/m/employer/verify?kind=enterprise" in page
    home = en.get("/m/employer").get_data(as_text=True)
    assert "营业执照照片看不清" in home
    again = _submit(en, _enterprise_form(station))
    assert again.status_code == 303
    assert "status-pending" in en.get("/m/employer/verify").get_data(as_text=True)


def test_verified_shows_the_reverification_date_and_expired_asks_again(
    app, en, phone_login, verified_employer
):
    info = verified_employer()
    phone_login(en, info.phone)
    with app.app_context():
        due = db.session.get(Employer, info.employer_id).reverify_due_on
    page = en.get("/m/employer/verify").get_data(as_text=True)
    assert "status-verified" in page
    assert due.isoformat() in page
    assert "?kind=" not in page  # nothing to submit yet
    with app.app_context():
        employer = db.session.get(Employer, info.employer_id)
        employer.reverify_due_on = date.today() - timedelta(days=1)
        db.session.commit()
    expired = en.get("/m/employer/verify").get_data(as_text=True)
    assert "status-expired" in expired
    assert "/m/employer/verify?kind=enterprise" in expired
    assert "?kind=individual" not in expired  # a verified employer keeps its kind


def test_pending_employer_is_not_shown_the_form_again(app, en, phone_login, verified_employer):
    info = verified_employer(verified=False)
    phone_login(en, info.phone)
    response = en.get("/m/employer/verify?kind=enterprise")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "already waiting for review" in body
    assert 'name="uscc"' not in body


# -- posting --------------------------------------------------------------------------------------


def _gig_form(**overrides):
    start = date.today() + timedelta(days=2)
    form = {
        "trade_code": "4-02-05-01",
        "title": "搬运工2人明天上午",
        "description": "男女不限，包午饭，年满18周岁",
        "headcount": "2",
        "work_address": "金水区花园路88号仓库",
        "area_code": "410105",
        "starts_at": f"{start}T08:00",
        "ends_at": f"{start}T17:00",
        "daily_hours": "8",
        "pay_amount": "200",
        "pay_unit": "day",
        "settlement": "daily",
        "provides_meals": "1",
        "skill_level_required": "0",
        "certificates_required": "",
        "contact_name": "李建国",
        "contact_phone": "",
        "valid_until": "",
    }
    form.update(overrides)
    return form


def _post_gig(client, **overrides):
    form = {**_gig_form(**overrides), "csrf_token": _token(client, "/m/employer")}
    return client.post("/m/employer/gigs/new", data=form)


def _gig(app, public_id) -> Gig:
    with app.app_context():
        gig = db.session.scalar(select(Gig).where(Gig.public_id == public_id))
        db.session.expunge(gig)
        return gig


def _public_id(response) -> str:
    return re.search(r"/m/employer/gigs/([0-9a-f]{32})$", response.headers["Location"]).group(1)


@pytest.fixture
def employer_client(en, phone_login, verified_employer):
    """A verified employer signed in on the client: EmployerInfo."""
    info = verified_employer()
    phone_login(en, info.phone)
    return info


def test_posting_form_has_every_standard_field(en, employer_client):
    body = en.get("/m/employer/gigs/new").get_data(as_text=True)
    for name in gigs.FIELDS:
        assert f'name="{name}"' in body, name
    assert 'type="datetime-local"' in body
    assert "装卸工/搬运工" in body  # trades by their everyday name
    assert 'value="李四"' in body  # the contact defaults to the employer's contact person
    assert "139****" in body  # the phone default is shown masked, never in full


def test_field_errors_keep_the_values(app, en, employer_client):
    response = _post_gig(en, title="搬", pay_amount="abc")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="e-title"' in body
    assert 'id="e-pay_amount"' in body
    assert "金水区花园路88号仓库" in body
    assert 'value="abc"' in body
    assert "男女不限，包午饭，年满18周岁" in body
    assert _count(app, Gig) == 0


def test_draft_preview_then_publish_opens_it(app, en, employer_client):
    response = _post_gig(en)
    assert response.status_code == 303
    public_id = _public_id(response)
    preview = en.get(response.headers["Location"])
    body = preview.get_data(as_text=True)
    assert preview.headers["Cache-Control"] == "no-store"
    assert "status-draft" in body
    assert "搬运工2人明天上午" in body
    assert "¥200" in body
    assert "李*" in body  # the contact as workers see it
    assert "Please look at these points" not in body  # nothing to change
    published = en.post(
        f"/m/employer/gigs/{public_id}/publish", data={"csrf_token": csrf_token_from(body)}
    )
    assert published.status_code == 303
    assert _gig(app, public_id).status == GigStatus.OPEN
    page = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "status-open" in page
    assert "Open: workers can find this gig and sign up." in page


def test_blocked_posting_shows_the_reasons_and_stays_a_draft(app, en, employer_client):
    response = _post_gig(en, title="搬运工限男性", description="限男性，35岁以下")
    public_id = _public_id(response)
    body = en.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="findings"' in body
    assert "limits the job to men" in body
    assert "Must be changed" in body
    published = en.post(
        f"/m/employer/gigs/{public_id}/publish", data={"csrf_token": csrf_token_from(body)}
    )
    assert published.status_code == 303
    assert _gig(app, public_id).status == GigStatus.DRAFT
    after = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "cannot be published as it is" in after
    assert f"/m/employer/gigs/{public_id}/edit" in after


def test_posting_for_review_waits_for_staff_with_the_reasons(app, en, employer_client):
    response = _post_gig(en, trade_code="4-09-07-01", title="保洁员招聘", description="限女性")
    public_id = _public_id(response)
    body = en.get(response.headers["Location"]).get_data(as_text=True)
    assert "Staff will check" in body
    en.post(f"/m/employer/gigs/{public_id}/publish", data={"csrf_token": csrf_token_from(body)})
    assert _gig(app, public_id).status == GigStatus.PENDING_REVIEW
    page = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "status-pending_review" in page
    assert "limits the job to women" in page


def test_unverified_employer_may_draft_but_not_publish(app, en, phone_login, verified_employer):
    info = verified_employer(verified=False)
    phone_login(en, info.phone)
    home = en.get("/m/employer").get_data(as_text=True)
    assert 'id="publish-locked"' in home
    public_id = _public_id(_post_gig(en))
    page = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "disabled" in page
    assert 'id="publish-locked"' in page
    refused = en.post(
        f"/m/employer/gigs/{public_id}/publish", data={"csrf_token": csrf_token_from(page)}
    )
    assert refused.status_code == 303
    assert _gig(app, public_id).status == GigStatus.DRAFT
    assert "once your real-name verification is approved" in en.get(
        f"/m/employer/gigs/{public_id}"
    ).get_data(as_text=True)


def test_account_without_an_employer_is_sent_to_verification(en, phone_login):
    phone_login(en, new_phone())
    response = en.get("/m/employer/gigs/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/m/employer/verify"


def test_edits_write_revisions_and_an_unticked_box_is_cleared(app, en, employer_client):
    public_id = _public_id(_post_gig(en))
    form = en.get(f"/m/employer/gigs/{public_id}/edit").get_data(as_text=True)
    assert 'value="搬运工2人明天上午"' in form
    assert 'name="provides_meals" value="1" checked' in form
    changed = _gig_form(title="搬运工3人后天上午", headcount="3")
    changed.pop("provides_meals")
    response = en.post(
        f"/m/employer/gigs/{public_id}/edit", data={**changed, "csrf_token": csrf_token_from(form)}
    )
    assert response.status_code == 303
    gig = _gig(app, public_id)
    assert gig.title == "搬运工3人后天上午"
    assert gig.headcount == 3
    assert gig.provides_meals is False
    assert gig.revision == 2
    with app.app_context():
        reasons = db.session.scalars(
            select(GigRevision.reason).where(GigRevision.gig_id == gig.id)
        ).all()
    assert sorted(reasons) == ["created", "edited"]
    page = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "Versions (2)" in page
    assert "Version 2" in page
    assert "Changed" in page


def test_edit_errors_keep_the_values(app, en, employer_client):
    public_id = _public_id(_post_gig(en))
    token = _token(en, f"/m/employer/gigs/{public_id}/edit")
    response = en.post(
        f"/m/employer/gigs/{public_id}/edit",
        data={**_gig_form(headcount="0", title="新的标题在这里"), "csrf_token": token},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="e-headcount"' in body
    assert 'value="新的标题在这里"' in body
    assert _gig(app, public_id).revision == 1


def test_close_stops_the_posting_and_it_cannot_be_edited(app, en, employer_client):
    public_id = _public_id(_post_gig(en))
    token = _token(en, f"/m/employer/gigs/{public_id}")
    en.post(f"/m/employer/gigs/{public_id}/publish", data={"csrf_token": token})
    closed = en.post(f"/m/employer/gigs/{public_id}/close", data={"csrf_token": token})
    assert closed.status_code == 303
    assert _gig(app, public_id).status == GigStatus.CLOSED
    edit = en.get(f"/m/employer/gigs/{public_id}/edit")
    assert edit.status_code == 302
    assert "status-closed" in en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)


def test_home_lists_my_gigs_with_status_badges(app, en, employer_client):
    first = _public_id(_post_gig(en))
    _public_id(_post_gig(en, title="装卸工1人后天"))
    token = _token(en, "/m/employer")
    en.post(f"/m/employer/gigs/{first}/publish", data={"csrf_token": token})
    home = en.get("/m/employer").get_data(as_text=True)
    assert home.count("status-draft") == 1
    assert home.count("status-open") == 1
    assert "装卸工1人后天" in home
    assert "Post a gig" in home


# -- who may see what -----------------------------------------------------------------------------


def _licence_id(app, employer_id) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Document.public_id)
            .join(VerificationRequest, Document.request_id == VerificationRequest.id)
            .where(VerificationRequest.employer_id == employer_id)
        )


def test_employer_a_cannot_reach_employer_b_gigs_or_licence(
    app, client, phone_login, verified_employer, age_codes
):
    a, b = verified_employer(), verified_employer()
    phone_login(client, b.phone)
    b_gig = _public_id(_post_gig(client))
    token = _token(client, f"/m/employer/gigs/{b_gig}")
    client.post(f"/m/employer/gigs/{b_gig}/publish", data={"csrf_token": token})
    before = _gig(app, b_gig)
    b_licence = _licence_id(app, b.employer_id)
    assert client.get(f"/m/employer/documents/{b_licence}").status_code == 200  # B's own

    client.post("/m/signout", data={"csrf_token": token})
    phone_login(client, a.phone)
    token = _token(client, "/m/employer")
    attempts = [
        client.get(f"/m/employer/gigs/{b_gig}"),
        client.get(f"/m/employer/gigs/{b_gig}/edit"),
        client.post(
            f"/m/employer/gigs/{b_gig}/edit",
            data={**_gig_form(title="被改掉的标题"), "csrf_token": token},
        ),
        client.post(f"/m/employer/gigs/{b_gig}/publish", data={"csrf_token": token}),
        client.post(f"/m/employer/gigs/{b_gig}/close", data={"csrf_token": token}),
        client.get(f"/m/employer/documents/{b_licence}"),
        client.get(f"/m/employer/gigs/{'0' * 32}"),
        client.get("/m/employer/gigs/not-an-id"),
        client.get("/m/employer/documents/not-an-id"),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    after = _gig(app, b_gig)
    assert (after.title, after.status, after.revision) == (
        before.title,
        before.status,
        before.revision,
    )
    assert b_gig not in client.get("/m/employer").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(app, client, verified_employer):
    info = verified_employer()
    licence = _licence_id(app, info.employer_id)
    for path in ("/m/employer", "/m/employer/gigs/new", f"/m/employer/documents/{licence}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/m/signin")


def test_signups_show_only_what_an_employer_may_see(app, en, employer_client, make_worker, station):
    from webapp.models.base import utcnow
    from webapp.services import applications

    public_id = _public_id(_post_gig(en))
    en.post(
        f"/m/employer/gigs/{public_id}/publish",
        data={"csrf_token": _token(en, f"/m/employer/gigs/{public_id}")},
    )
    worker_id, id_number = make_worker(station, phone="+8613711112222", name="张三丰")
    with app.test_request_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
        worker.verification_status = VerificationStatus.VERIFIED
        worker.verified_at = utcnow()
        db.session.add(WorkerTrade(worker_id=worker.id, trade_code="4-02-05-01", skill_level=0))
        gig = db.session.scalar(select(Gig).where(Gig.public_id == public_id))
        applications.sign_up(worker, gig, idempotency_key="k" * 32)
        db.session.commit()
        birth = worker.birth_date
    body = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "Sign-ups (1)" in body
    assert "张**" in body
    assert "张三丰" not in body
    assert "status-applied" in body
    assert "装卸工/搬运工" in body
    assert id_number not in body
    assert id_number[-4:] not in body
    assert "13711112222" not in body
    assert "1371111" not in body
    assert birth.isoformat() not in body
    assert birth.strftime("%Y%m%d") not in body


def test_contact_phone_is_never_shown_in_full(app, en, employer_client):
    public_id = _public_id(_post_gig(en, contact_phone="13612345678"))
    body = en.get(f"/m/employer/gigs/{public_id}").get_data(as_text=True)
    assert "136****5678" in body
    assert "13612345678" not in body
    with app.app_context():
        account = db.session.get(PhoneAccount, employer_client.account_id)
        assert identity.reveal(account, "phone") not in body
