"""The staff review queue: real-name requests and postings, scoped, role-checked and audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.staff.conftest import new_id_number, new_uscc
from webapp.extensions import db
from webapp.models import AuditEvent, Document, Employer, Gig, VerificationRequest, Worker
from webapp.models.types import GigStatus, RequestStatus, VerificationStatus
from webapp.views.staff.review import FieldChange, check_rows, snapshot_diff


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _request(app, public_id: str) -> VerificationRequest:
    """A request row (call inside an app context)."""
    return db.session.scalar(
        select(VerificationRequest).where(VerificationRequest.public_id == public_id)
    )


def _gig(public_id: str) -> Gig:
    """A gig row (call inside an app context)."""
    return db.session.scalar(select(Gig).where(Gig.public_id == public_id))


def _actions(app) -> list[str]:
    """The audit log's actions in order."""
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _sign_in(client, login, username) -> str:
    """Sign in and return a CSRF token for the new session."""
    assert login(username).status_code == 302
    return csrf_token_from(client.get("/staff/review/verifications").get_data(as_text=True))


def _document_id(app, request_id: str, purpose: str) -> str:
    """The public id of a request's document of that purpose."""
    with app.app_context():
        req = _request(app, request_id)
        return next(d.public_id for d in req.documents if d.purpose == purpose)


# -- the access matrix ----------------------------------------------------------------------------

# role -> (staff's market key or None for anonymous, role, expected status per route)
ROLES = {
    "staff_in_scope": ("here", "station_staff"),
    "staff_out_of_scope": ("far", "station_staff"),
    "station_admin": ("here", "station_admin"),
    "supervisor": ("city", "supervisor"),
    "auditor": ("city", "auditor"),
    "anonymous": (None, None),
}
LOGIN = 302  # signed-out visitors are sent to the sign-in page
EXPECTED = {
    #                     queues, request, document, gig, reveal, decide, card, gig decide
    "staff_in_scope": (200, 200, 200, 200, 200, 302, 302, 302),
    "staff_out_of_scope": (200, 404, 404, 404, 404, 404, 404, 404),
    "station_admin": (200, 200, 200, 200, 200, 302, 302, 302),
    "supervisor": (200, 200, 403, 200, 403, 403, 403, 403),
    "auditor": (200, 200, 403, 200, 403, 403, 403, 403),
    "anonymous": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_review_routes_follow_roles_and_market_scope(
    app, client, region, make_staff, login, submit, make_gig, role
):
    enterprise = submit("enterprise", region["here"])
    card_number = new_id_number()
    card = submit("individual_card", region["here"], id_number=card_number)
    gig = make_gig(region["here"])
    licence = _document_id(app, enterprise, "licence")
    home, staff_role = ROLES[role]
    if home is None:
        token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    else:
        token = _sign_in(client, login, make_staff(region[home], role=staff_role))
    gets = [
        "/staff/review/verifications",
        f"/staff/review/verifications/{enterprise}",
        f"/staff/review/documents/{licence}",
        f"/staff/review/gigs/{gig}",
    ]
    posts = [
        (f"/staff/review/verifications/{enterprise}/reveal", {"reason": "核对营业执照"}),
        (
            f"/staff/review/verifications/{enterprise}/decide",
            {"decision": "reject", "reason": "照片不清"},
        ),
        (f"/staff/review/verifications/{card}/card", {"id_number": card_number}),
        (f"/staff/review/gigs/{gig}/decide", {"decision": "approve", "reason": ""}),
    ]
    got = [client.get(path).status_code for path in gets]
    queue = client.get("/staff/review/verifications").get_data(as_text=True)
    assert (enterprise in queue) is (EXPECTED[role][1] == 200)
    got += [
        client.post(path, data=data | {"csrf_token": token}).status_code for path, data in posts
    ]
    assert tuple(got) == EXPECTED[role]
    assert client.get("/staff/review/gigs").status_code == EXPECTED[role][0]
    allowed = EXPECTED[role][5] == 302 and home is not None
    with app.app_context():
        assert (_request(app, enterprise).status == RequestStatus.REJECTED) is allowed
        assert (_request(app, card).status == RequestStatus.APPROVED) is allowed
        assert (_gig(gig).status == GigStatus.OPEN) is allowed


def test_queue_shows_only_pending_requests_in_scope_oldest_first(
    client, region, make_staff, login, submit
):
    first = submit("enterprise", region["here"])
    second = submit("worker", region["there"])
    elsewhere = submit("enterprise", region["far"])
    _sign_in(client, login, make_staff(region["city"], role="supervisor"))
    page = client.get("/staff/review/verifications").get_data(as_text=True)
    assert first in page
    assert second in page
    assert page.index(first) < page.index(second)
    assert elsewhere not in page
    assert "<html" in page
    fragment = client.get("/staff/review/verifications", headers={"HX-Request": "true"})
    assert first in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_failed_checks_stand_out_in_the_queue(
    client, region, make_staff, make_worker, login, submit
):
    uscc = new_uscc()
    submit("enterprise", region["here"], uscc=uscc)
    duplicate = submit("enterprise", region["here"], uscc=uscc)
    _worker_id, number = make_worker(region["here"], name="张三")
    impostor = submit("worker", region["here"], id_number=number, name="李四")
    _sign_in(client, login, make_staff(region["here"]))
    page = client.get("/staff/review/verifications").get_data(as_text=True)
    assert "Credit code already registered by another account" in page
    assert "Name does not match the kiosk record of this ID number" in page
    detail = client.get(f"/staff/review/verifications/{duplicate}").get_data(as_text=True)
    assert 'class="check-failed"' in detail
    assert detail.index("Credit code already registered") < detail.index(
        "Credit code is well formed"
    )
    assert "Name does not match" in client.get(f"/staff/review/verifications/{impostor}").get_data(
        as_text=True
    )


def test_check_rows_put_failures_first_and_keep_unknown_checks():
    rows = check_rows(
        [
            {"check": "uscc_format", "ok": True},
            {"check": "external_service", "ok": False, "note": "no answer"},
            {"check": "uscc_unique", "ok": False, "note": "registered by another account"},
        ]
    )
    assert [r["code"] for r in rows] == ["external_service", "uscc_unique", "uscc_format"]
    assert rows[0]["label"] == "external_service"
    assert rows[0]["note"] == "no answer"
    assert str(rows[1]["label"]) == "Credit code already registered by another account"


# -- decisions ------------------------------------------------------------------------------------


def test_approving_an_enterprise_verifies_it(app, client, region, make_staff, login, submit):
    request_id = submit("enterprise", region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    page = client.get(f"/staff/review/verifications/{request_id}").get_data(as_text=True)
    with app.app_context():
        from webapp.services import identity

        employer = _request(app, request_id).employer
        full = identity.reveal(employer, "contact_id")
        assert employer.uscc in page
    assert full not in page
    assert f"{full[:3]}***********{full[-4:]}" in page
    assert "/staff/review/documents/" in page
    response = client.post(
        f"/staff/review/verifications/{request_id}/decide",
        data={"decision": "approve", "reason": "", "csrf_token": token},
    )
    assert response.status_code == 302
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved" in after
    assert "Decision</h2>" not in after  # decided: no more forms
    with app.app_context():
        req = _request(app, request_id)
        assert req.status == RequestStatus.APPROVED
        assert req.employer.verification_status == VerificationStatus.VERIFIED
        assert req.employer.reverify_due_on is not None
    assert "verification.approve" in _actions(app)


def test_reject_needs_a_reason_and_the_reason_is_shown(
    app, client, region, make_staff, login, submit
):
    request_id = submit("worker", region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    url = f"/staff/review/verifications/{request_id}/decide"
    refused = client.post(url, data={"decision": "reject", "reason": "  ", "csrf_token": token})
    assert refused.status_code == 400
    assert "Please say why" in refused.get_data(as_text=True)
    with app.app_context():
        assert _request(app, request_id).status == RequestStatus.PENDING
    done = client.post(
        url, data={"decision": "reject", "reason": "照片太暗<看不清>", "csrf_token": token}
    )
    assert done.status_code == 302
    page = client.get(f"/staff/review/verifications/{request_id}").get_data(as_text=True)
    assert "照片太暗&lt;看不清&gt;" in page
    assert "Rejected" in page
    with app.app_context():
        req = _request(app, request_id)
        assert req.status == RequestStatus.REJECTED
        assert req.reason == "照片太暗<看不清>"
        assert req.worker.verification_status == VerificationStatus.REJECTED
    again = client.post(url, data={"decision": "approve", "reason": "", "csrf_token": token})
    assert again.status_code == 302  # already decided: a message, nothing changes
    with app.app_context():
        assert _request(app, request_id).status == RequestStatus.REJECTED


def test_face_photo_is_served_audited_then_deleted_after_decision(
    app, client, region, make_staff, login, submit
):
    request_id = submit("individual", region["here"])
    face = _document_id(app, request_id, "face_photo")
    token = _sign_in(client, login, make_staff(region["here"]))
    image = client.get(f"/staff/review/documents/{face}")
    assert image.status_code == 200
    assert image.mimetype == "image/jpeg"
    assert image.data[:3] == b"\xff\xd8\xff"
    assert image.headers["Cache-Control"] == "no-store"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view_document"))
        assert event.object_id == face
        assert event.detail["purpose"] == "face_photo"
        path = Path(app.config["UPLOAD_DIR"]) / db.session.scalar(
            select(Document.storage_key).where(Document.public_id == face)
        )
    assert path.exists()
    client.post(
        f"/staff/review/verifications/{request_id}/decide",
        data={"decision": "approve", "reason": "", "csrf_token": token},
    )
    page = client.get(f"/staff/review/verifications/{request_id}").get_data(as_text=True)
    assert "Photo deleted after decision." in page
    assert f"/staff/review/documents/{face}" not in page
    assert client.get(f"/staff/review/documents/{face}").status_code == 404
    assert not path.exists()


def test_documents_out_of_scope_are_hidden_and_not_audited(
    app, client, region, make_staff, login, submit
):
    request_id = submit("enterprise", region["far"])
    licence = _document_id(app, request_id, "licence")
    _sign_in(client, login, make_staff(region["here"]))
    assert client.get(f"/staff/review/documents/{licence}").status_code == 404
    assert client.get("/staff/review/documents/not-an-id").status_code == 404
    assert client.get(f"/staff/review/documents/{'0' * 32}").status_code == 404
    assert "view_document" not in _actions(app)


def test_station_card_must_match_the_number_given(app, client, region, make_staff, login, submit):
    number = new_id_number()
    request_id = submit("individual_card", region["here"], id_number=number)
    token = _sign_in(client, login, make_staff(region["here"]))
    page = client.get(f"/staff/review/verifications/{request_id}").get_data(as_text=True)
    assert f"/staff/review/verifications/{request_id}/card" in page
    url = f"/staff/review/verifications/{request_id}/card"
    other = new_id_number()
    mismatch = client.post(url, data={"id_number": other, "csrf_token": token})
    assert mismatch.status_code == 400
    body = mismatch.get_data(as_text=True)
    assert "The card does not match" in body
    assert other not in body  # the typed number is not echoed back
    bad = client.post(url, data={"id_number": "12345", "csrf_token": token})
    assert bad.status_code == 400
    plain_approve = client.post(
        f"/staff/review/verifications/{request_id}/decide",
        data={"decision": "approve", "reason": "", "csrf_token": token},
    )
    assert plain_approve.status_code == 400  # a station_card request needs the card
    with app.app_context():
        assert _request(app, request_id).status == RequestStatus.PENDING
    match = client.post(url, data={"id_number": number.lower(), "csrf_token": token})
    assert match.status_code == 302
    with app.app_context():
        req = _request(app, request_id)
        assert req.status == RequestStatus.APPROVED
        assert req.employer.verification_status == VerificationStatus.VERIFIED
        assert req.employer.verification_method == "station_card"


def test_worker_card_at_the_window_verifies_the_worker(
    app, client, region, make_staff, login, submit
):
    number = new_id_number()
    request_id = submit("worker_card", region["here"], id_number=number)
    token = _sign_in(client, login, make_staff(region["here"], role="station_admin"))
    response = client.post(
        f"/staff/review/verifications/{request_id}/card",
        data={"id_number": number, "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        worker = _request(app, request_id).worker
        assert worker.verification_status == VerificationStatus.VERIFIED
        assert db.session.scalar(select(Worker.id).where(Worker.id == worker.id))


def test_card_form_is_only_for_station_card_requests(client, region, make_staff, login, submit):
    request_id = submit("enterprise", region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    response = client.post(
        f"/staff/review/verifications/{request_id}/card",
        data={"id_number": new_id_number(), "csrf_token": token},
    )
    assert response.status_code == 404


def test_full_id_number_needs_a_reason_and_is_audited(
    app, client, region, make_staff, login, submit
):
    number = new_id_number()
    request_id = submit("worker", region["here"], id_number=number)
    token = _sign_in(client, login, make_staff(region["here"]))
    url = f"/staff/review/verifications/{request_id}/reveal"
    refused = client.post(url, data={"reason": "", "csrf_token": token})
    assert refused.status_code == 400
    assert number not in refused.get_data(as_text=True)
    assert "view_identity" not in _actions(app)
    shown = client.post(url, data={"reason": "核对身份证", "csrf_token": token})
    assert shown.status_code == 200
    assert number in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "view_identity"))
        assert event.detail["reason"] == "核对身份证"
        assert event.detail["request"] == request_id
        assert number not in str(event.detail)
    again = client.get(f"/staff/review/verifications/{request_id}").get_data(as_text=True)
    assert number not in again  # shown once, masked again afterwards


def test_earlier_requests_and_their_decisions_are_listed(
    app, client, region, make_staff, make_account, login, submit
):
    account = make_account()
    first = submit("enterprise", region["here"], account_id=account)
    token = _sign_in(client, login, make_staff(region["here"]))
    client.post(
        f"/staff/review/verifications/{first}/decide",
        data={"decision": "reject", "reason": "执照已过期", "csrf_token": token},
    )
    second = submit("enterprise", region["here"], account_id=account)
    page = client.get(f"/staff/review/verifications/{second}").get_data(as_text=True)
    assert f"/staff/review/verifications/{first}" in page
    assert "执照已过期" in page
    with app.app_context():
        assert db.session.scalar(select(Employer.verification_status)) == VerificationStatus.PENDING


# -- postings -------------------------------------------------------------------------------------


def test_gig_queue_lists_postings_for_review_and_blocked_drafts(
    app, client, region, make_staff, login, make_gig
):
    waiting = make_gig(region["here"], title="商场保洁急招")
    blocked = make_gig(
        region["here"], title="仓库理货员招聘", description="入职需交押金200元。", publish=False
    )
    elsewhere = make_gig(region["far"], title="洛阳保洁员招聘")
    with app.app_context():
        assert _gig(waiting).status == GigStatus.PENDING_REVIEW
        assert _gig(blocked).status == GigStatus.DRAFT
        assert _gig(blocked).screening_decision == "block"
    _sign_in(client, login, make_staff(region["here"]))
    page = client.get("/staff/review/gigs").get_data(as_text=True)
    assert "商场保洁急招" in page
    assert "仓库理货员招聘" in page
    assert page.index("商场保洁急招") < page.index("Recently blocked drafts")
    assert page.index("仓库理货员招聘") > page.index("Recently blocked drafts")
    assert "洛阳保洁员招聘" not in page
    assert elsewhere not in page
    blocked_page = client.get(f"/staff/review/gigs/{blocked}").get_data(as_text=True)
    assert 'name="decision"' not in blocked_page  # read-only


def test_gig_page_shows_findings_and_a_diff_of_each_revision(
    app, client, region, make_staff, login, make_gig
):
    gig_id = make_gig(region["here"], edit={"headcount": "5", "pay_amount": "28"})
    _sign_in(client, login, make_staff(region["here"]))
    page = client.get(f"/staff/review/gigs/{gig_id}").get_data(as_text=True)
    with app.app_context():
        gig = _gig(gig_id)
        assert gig.status == GigStatus.PENDING_REVIEW
        codes = [f["code"] for f in gig.screening]
        assert [r.revision for r in gig.revisions] == [1, 2, 3]
    assert codes
    for code in codes:
        assert code in page
    assert "Revision 3" in page
    assert "edited; sent to review" in page
    diff = page[page.index("Revision 3") : page.index("Revision 2")]
    assert "Headcount" in diff
    assert '<td class="diff-old pre-line">3</td><td class="diff-new pre-line">5</td>' in diff
    assert '<td class="diff-old pre-line">¥26</td><td class="diff-new pre-line">¥28</td>' in diff
    status_diff = page[page.index("Revision 2") : page.index("Revision 1")]
    assert "draft" in status_diff
    assert "pending_review" in status_diff


def test_user_text_in_a_posting_is_escaped(client, region, make_staff, login, make_gig):
    gig_id = make_gig(region["here"], description="<script>alert(1)</script>女士优先")
    _sign_in(client, login, make_staff(region["here"]))
    page = client.get(f"/staff/review/gigs/{gig_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_approving_a_posting_opens_it(app, client, region, make_staff, login, make_gig):
    gig_id = make_gig(region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    response = client.post(
        f"/staff/review/gigs/{gig_id}/decide",
        data={"decision": "approve", "reason": "", "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        gig = _gig(gig_id)
        assert gig.status == GigStatus.OPEN
        assert gig.published_at is not None
        assert gig.revisions[-1].actor_kind == "staff"
    assert "gig.approve" in _actions(app)


def test_rejecting_a_posting_needs_a_reason_the_employer_sees(
    app, client, region, make_staff, login, make_gig
):
    gig_id = make_gig(region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    url = f"/staff/review/gigs/{gig_id}/decide"
    refused = client.post(url, data={"decision": "reject", "reason": "", "csrf_token": token})
    assert refused.status_code == 400
    assert "Please say why" in refused.get_data(as_text=True)
    with app.app_context():
        assert _gig(gig_id).status == GigStatus.PENDING_REVIEW
    done = client.post(
        url, data={"decision": "reject", "reason": "请删除“女士优先”", "csrf_token": token}
    )
    assert done.status_code == 302
    page = client.get(f"/staff/review/gigs/{gig_id}").get_data(as_text=True)
    assert "请删除“女士优先”" in page
    with app.app_context():
        gig = _gig(gig_id)
        assert gig.status == GigStatus.REJECTED
        assert gig.review_note == "请删除“女士优先”"
    assert "gig.reject" in _actions(app)


def test_a_bad_decision_value_is_refused(client, region, make_staff, login, make_gig):
    gig_id = make_gig(region["here"])
    token = _sign_in(client, login, make_staff(region["here"]))
    response = client.post(
        f"/staff/review/gigs/{gig_id}/decide", data={"decision": "maybe", "csrf_token": token}
    )
    assert response.status_code == 400


# -- the revision diff ----------------------------------------------------------------------------


def test_diff_of_the_first_revision_is_empty():
    assert snapshot_diff(None, {"title": "保洁"}) == []


def test_diff_lists_changed_fields_in_form_order():
    before = {"title": "保洁员", "headcount": 3, "pay_amount": "26", "status": "draft"}
    after = {"title": "保洁员", "headcount": 5, "pay_amount": "28", "status": "pending_review"}
    assert snapshot_diff(before, after) == [
        FieldChange("headcount", 3, 5),
        FieldChange("pay_amount", "26", "28"),
        FieldChange("status", "draft", "pending_review"),
    ]


def test_diff_treats_a_missing_field_as_empty_and_keeps_unknown_fields():
    assert snapshot_diff({"headcount": 3}, {"headcount": 3, "zzz": 1, "description": "x"}) == [
        FieldChange("description", None, "x"),
        FieldChange("zzz", None, 1),
    ]
    assert snapshot_diff({"a": None}, {}) == []


def test_diff_compares_screening_findings_by_rule_code():
    finding = {"code": "gender_female_only", "category": "gender", "action": "review"}
    reworded = finding | {"message": "另一种说法"}
    assert snapshot_diff({"screening": [finding]}, {"screening": [reworded]}) == []
    assert snapshot_diff({"screening": [finding]}, {"screening": []}) == [
        FieldChange("screening", ["gender_female_only"], [])
    ]


def test_diff_sees_changed_lists_and_booleans():
    before = {"certificates_required": ["电工证"], "provides_meals": False}
    after = {"certificates_required": ["电工证", "高处作业证"], "provides_meals": True}
    assert [c.field for c in snapshot_diff(before, after)] == [
        "provides_meals",
        "certificates_required",
    ]


def test_a_posting_only_the_likeness_model_doubts_waits_for_review_with_the_quoted_text(
    app, client, region, make_staff, login, make_gig
):
    # No rule names this wording; the second reader (webapp/screening/likeness.py) does.
    gig_id = make_gig(
        region["here"],
        title="小区保洁员2名",
        description="每小时26元 周结 希望找个年纪轻一点的 干活利索",
    )
    with app.app_context():
        gig = _gig(gig_id)
        assert gig.status == GigStatus.PENDING_REVIEW
        assert [(f["code"], f["category"], f["action"]) for f in gig.screening] == [
            ("likeness", "age", "review")
        ]
        message = gig.screening[0]["message"]
    assert "相似度" in message
    assert "年纪轻" in message
    _sign_in(client, login, make_staff(region["here"]))
    page = client.get(f"/staff/review/gigs/{gig_id}").get_data(as_text=True)
    assert "likeness" in page
    assert "年纪轻" in page
