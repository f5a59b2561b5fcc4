"""The dispatch board: walk-ins waiting, one-touch dispatch and its slip, appeals, wage alerts,
scoped to the staff member's market subtree (supervisors read only)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.mobile.test_hire_pages import (
    WAITER,
    add_gig,
    add_worker,
    application_of,
    form_fields,
    midday_zone,
    visible_text,
)
from webapp.extensions import db

FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(autouse=True)
def station_at_midday(app):
    """Every station of these tests is at midday (see midday_zone)."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = midday_zone()


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _employer(app, market_id: int, name: str = "郑州宏达物业管理有限公司") -> int:
    """A verified enterprise of the market."""
    from webapp.models import Employer
    from webapp.models.base import utcnow
    from webapp.models.types import EmployerKind, VerificationStatus
    from webapp.services import identity

    with app.app_context():
        employer = Employer(
            kind=EmployerKind.ENTERPRISE,
            name=name,
            contact_name="李建国",
            market_id=market_id,
            verification_status=VerificationStatus.VERIFIED,
            verified_at=utcnow(),
            reverify_due_on=date.today() + timedelta(days=150),
        )
        db.session.add(employer)
        db.session.flush()
        identity.store(employer, "contact_phone", "+8613700006666")
        db.session.commit()
        return employer.id


def _dispatch(app, gig_id: str, worker_id: str, staff_username: str) -> None:
    """Dispatch through the service (as another desk would have done earlier today)."""
    from webapp.models import Gig, StaffUser, Worker
    from webapp.services import hires

    with app.test_request_context():
        gig = db.session.scalar(select(Gig).where(Gig.public_id == gig_id))
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == staff_username))
        hires.staff_dispatch(gig, worker, staff_id=staff.id, key=None)
        db.session.commit()


@pytest.fixture
def desk(app, region, make_staff):
    """The station "here" with its staff, an open cleaning gig and people waiting in the hall."""
    here = region["here"]
    station = make_staff(here, role="station_staff")
    employer = _employer(app, here)
    gig = add_gig(app, employer, title="写字楼保洁三人", headcount=3)
    morning = add_gig(app, employer, title="早班搬运一人", headcount=1)
    full = add_gig(app, employer, title="已经招满的活", headcount=1)
    workers = {
        "longest": add_worker(app, here, name="王大锤", phone="+8613800000011", on_site_minutes=50),
        "waiter": add_worker(
            app, here, name="钱多多", phone="+8613800000012", trade=WAITER, on_site_minutes=30
        ),
        "newest": add_worker(app, here, name="赵小明", phone="+8613800000013", on_site_minutes=10),
        "sent": add_worker(app, here, name="孙悟净", phone="+8613800000014", on_site_minutes=90),
        "home": add_worker(app, here, name="周大福", phone="+8613800000015"),
    }
    _dispatch(app, full, workers["sent"], station)  # sent to work this morning
    elsewhere = add_gig(app, _employer(app, region["there"], "别处公司"), title="别处的活")
    return {
        "market": here,
        "staff": station,
        "gig": gig,
        "morning": morning,
        "full": full,
        "elsewhere": elsewhere,
        "workers": workers,
        "region": region,
    }


def _board(client, desk, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(
        f"/staff/markets/{desk['market']}/dispatch" + (f"?{query}" if query else "")
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


# -- the board ------------------------------------------------------------------------------------


def test_walk_ins_waiting_longest_first_with_their_wait(client, login, desk):
    login(desk["staff"])
    waiting = _section(_board(client, desk), "waiting")
    assert waiting.index("王**") < waiting.index("钱**") < waiting.index("赵**")
    assert "waiting 50 min" in waiting
    assert "waiting 10 min" in waiting
    assert "孙**" not in waiting  # already sent to work today
    assert "周**" not in waiting  # registered, not here today
    text = visible_text(waiting)
    assert "王大锤" not in text
    assert not FULL_MOBILE.search(text)


def test_a_walk_in_whose_dispatch_was_called_off_waits_again(app, client, login, desk):
    from webapp.models import Application, Gig, StaffUser, Worker
    from webapp.services import hires

    worker = desk["workers"]["newest"]
    _dispatch(app, desk["gig"], worker, desk["staff"])
    login(desk["staff"])
    assert "赵**" not in _section(_board(client, desk), "waiting")
    with app.test_request_context():
        row = db.session.scalar(
            select(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .join(Worker, Worker.id == Application.worker_id)
            .where(Gig.public_id == desk["gig"], Worker.public_id == worker)
        )
        staff = db.session.scalar(select(StaffUser).where(StaffUser.username == desk["staff"]))
        hires.cancel(row, actor=hires.Actor("staff", staff.id), key=None, reason="用工方取消")
        db.session.commit()
    assert "赵**" in _section(_board(client, desk), "waiting")


def test_open_gigs_of_the_market_with_places_left(client, login, desk):
    login(desk["staff"])
    gigs = _section(_board(client, desk), "gigs")
    assert "写字楼保洁三人" in gigs
    assert "早班搬运一人" in gigs
    assert "已经招满的活" not in gigs
    assert "别处的活" not in gigs
    assert "Places left: 3" in gigs


def test_a_chosen_gig_ranks_the_walk_ins_on_site_with_reasons(client, login, desk):
    login(desk["staff"])
    chosen = _section(_board(client, desk, gig=desk["gig"]), "chosen")
    assert "写字楼保洁三人" in chosen
    assert "王**" in chosen
    assert "赵**" in chosen
    assert "钱**" not in chosen  # a waiter does not fit a cleaning gig
    assert "周**" not in chosen  # not on site
    assert "孙**" not in chosen  # already busy today
    assert chosen.count('class="reasons"') == 2
    assert chosen.count("Dispatch (派工)") == 2


def test_why_not_explains_a_walk_in_who_does_not_fit(client, login, desk):
    login(desk["staff"])
    html = _board(client, desk, gig=desk["gig"], worker=desk["workers"]["waiter"])
    panel = html[html.index('id="why-not"') :]
    panel = panel[: panel.index("</div>")]
    assert "钱**" in panel
    assert "Does not fit this gig" in panel
    assert re.search(r'<ul class="reasons"><li>[^<]+</li>', panel)
    assert "Dispatch anyway" in panel
    fits = _board(client, desk, gig=desk["gig"], worker=desk["workers"]["newest"])
    assert "Fits this gig." in fits


def test_the_poll_gets_the_board_alone(client, login, desk):
    login(desk["staff"])
    response = client.get(
        f"/staff/markets/{desk['market']}/dispatch?gig={desk['gig']}",
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="dispatch-board"')
    assert 'hx-trigger="every 20s"' in html
    assert f"gig={desk['gig']}" in html  # the poll keeps the chosen gig
    assert "HX-Request" in response.headers.get("Vary", "")


# -- one-touch dispatch and the slip --------------------------------------------------------------


def test_one_touch_dispatch_takes_on_sends_and_prints_a_slip(app, client, login, desk):
    from webapp.models import Application, Worker
    from webapp.services import qr

    login(desk["staff"])
    gig, worker = desk["gig"], desk["workers"]["longest"]
    html = _board(client, desk, gig=gig)
    action = f"/staff/markets/{desk['market']}/dispatch"
    forms = re.findall(rf'<form[^>]*action="{action}"[^>]*>(.*?)</form>', html, re.S)
    data = next(
        f
        for f in (dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form)) for form in forms)
        if f["worker"] == worker
    )
    before = _count(app, Application)
    first = client.post(action, data=data)
    again = client.post(action, data=data)  # a double tap
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(app, Application) == before + 1
    public_id, status, source, _events = application_of(app, gig, worker)
    assert (status, source) == ("dispatched", "staff_dispatch")
    with app.app_context():
        row = db.session.scalar(select(Application).where(Application.public_id == public_id))
        assert row.accepted_at is not None
        assert row.dispatched_at is not None
        assert row.gig.accepted_count == 1
        person = db.session.scalar(select(Worker).where(Worker.public_id == worker))
        expected_svg = qr.svg(qr.worker_payload(person.public_id, person.qr_version), box_size=6)

    assert first.headers["Location"].endswith(f"/staff/applications/{public_id}/slip?autoprint=1")
    slip = client.get(first.headers["Location"])
    assert slip.status_code == 200
    assert slip.headers["Cache-Control"] == "no-store"
    html = slip.get_data(as_text=True)
    assert 'class="slip slip-80mm"' in html
    assert "data-autoprint" in html
    assert expected_svg in html  # the worker's own signed personal code
    assert "写字楼保洁三人" in html
    assert "王**" in html
    assert "金水路88号大厦" in html
    text = visible_text(html)
    assert "王大锤" not in text
    assert not FULL_MOBILE.search(text)
    # The worker taken on gets the gig contact's number to dial, as on the kiosk's slip.
    assert "137 0000 7777" in text  # the gig's own contact
    a4 = client.get(f"/staff/applications/{public_id}/slip?paper=a4").get_data(as_text=True)
    assert 'class="slip slip-a4"' in a4
    assert "data-autoprint" not in a4
    # Sent to work: no longer waiting.
    assert "王**" not in _section(_board(client, desk), "waiting")


def test_a_refused_dispatch_draws_the_board_again_with_the_reason(app, client, login, desk):
    from webapp.models import Application

    login(desk["staff"])
    gig = desk["morning"]  # one place
    action = f"/staff/markets/{desk['market']}/dispatch"
    html = _board(client, desk, gig=gig)
    forms = [
        dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        for form in re.findall(rf'<form[^>]*action="{action}"[^>]*>(.*?)</form>', html, re.S)
    ]
    assert len(forms) == 2
    assert client.post(action, data=forms[0]).status_code == 303
    before = _count(app, Application)
    response = client.post(action, data=forms[1])  # the page was drawn before the place went
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="dispatch-error"' in page
    reason = re.search(r'id="dispatch-error">([^<]+)<', page).group(1)
    assert "no longer taking" in reason or "All places" in reason
    assert _count(app, Application) == before


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- who may see and act --------------------------------------------------------------------------

ROLES = {
    "station_staff": ("here", "station_staff"),
    "station_admin": ("here", "station_admin"),
    "sister_station": ("there", "station_staff"),
    "other_city": ("far", "station_staff"),
    "supervisor": ("city", "supervisor"),
    "foreign_supervisor": ("other_city", "supervisor"),
    "anonymous": (None, None),
}
#                     board, slip, dispatch, appeal
EXPECTED = {
    "station_staff": (200, 200, 303, 303),
    "station_admin": (200, 200, 303, 303),
    "sister_station": (404, 404, 404, 404),
    "other_city": (404, 404, 404, 404),
    "supervisor": (200, 200, 403, 403),
    "foreign_supervisor": (404, 404, 403, 403),  # no role to act anywhere: 403 before scope
    "anonymous": (302, 302, 302, 302),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_the_board_follows_roles_and_market_scope(app, client, login, make_staff, desk, role):
    from webapp.models import Application, CreditEvent, Gig

    home, kind = ROLES[role]
    gig, worker = desk["gig"], desk["workers"]["newest"]
    sent = application_of(app, desk["full"], desk["workers"]["sent"])[0]
    event_id = _appeal(app, desk)
    # What a page of the station shows, drawn for its own staff (forms and keys).
    station_client = app.test_client()
    login(desk["staff"], c=station_client)
    html = station_client.get(f"/staff/markets/{desk['market']}/dispatch?gig={gig}").get_data(
        as_text=True
    )
    action = f"/staff/markets/{desk['market']}/dispatch"
    dispatch_form = next(
        f
        for f in (
            dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
            for form in re.findall(rf'<form[^>]*action="{action}"[^>]*>(.*?)</form>', html, re.S)
        )
        if f["worker"] == worker
    )
    if home is not None:
        login(make_staff(desk["region"][home], role=kind))
        token = csrf_token_from(client.get("/staff/").get_data(as_text=True))
    else:
        token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    dispatch_form["csrf_token"] = token
    got = (
        client.get(f"/staff/markets/{desk['market']}/dispatch?gig={gig}").status_code,
        client.get(f"/staff/applications/{sent}/slip").status_code,
        client.post(action, data=dispatch_form).status_code,
        client.post(
            f"/staff/credit-events/{event_id}/appeal",
            data={"csrf_token": token, "decision": "void", "note": "有病假条"},
        ).status_code,
    )
    assert got == EXPECTED[role]
    with app.app_context():
        dispatched = db.session.scalar(
            select(func.count())
            .select_from(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .where(Gig.public_id == gig)
        )
        appeal = db.session.get(CreditEvent, event_id).appeal_status
    acted = EXPECTED[role][2] == 303
    assert dispatched == (1 if acted else 0)
    assert appeal == ("voided" if acted else "pending")


def test_a_supervisor_sees_the_board_read_only(app, client, login, make_staff, desk):
    login(make_staff(desk["region"]["city"], role="supervisor"))
    _appeal(app, desk)
    html = _board(client, desk, gig=desk["gig"])
    assert 'id="read-only"' in html
    assert "Dispatch (派工)" not in html
    assert 'method="post"' not in html.split('id="dispatch-board"', 1)[1]  # no forms to act
    assert "王**" in _section(html, "chosen")  # the ranked walk-ins, with reasons, to read
    assert "孙**" in _section(html, "appeals")


# -- appeals and wage alerts ----------------------------------------------------------------------


def _appeal(app, desk) -> int:
    """A no-show on this morning's hire, appealed by the worker: its credit event id."""
    from webapp.models import Application, CreditEvent, Gig, Worker
    from webapp.models.types import ApplicationStatus, SubjectKind

    with app.app_context():
        worker = db.session.scalar(
            select(Worker).where(Worker.public_id == desk["workers"]["sent"])
        )
        application = db.session.scalar(
            select(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .where(Gig.public_id == desk["full"], Application.worker_id == worker.id)
        )
        application.status = ApplicationStatus.NO_SHOW
        worker.no_show_count = 1
        event = CreditEvent(
            subject_kind=SubjectKind.WORKER,
            worker_id=worker.id,
            kind="no_show",
            points=-10,
            application_id=application.id,
            note="没来",
            appeal_status="pending",
            appeal_note="那天住院了",
        )
        db.session.add(event)
        db.session.commit()
        return event.id


def test_an_appeal_is_decided_once_and_audited(app, client, login, desk):
    from webapp.models import AuditEvent, CreditEvent, Worker

    event_id = _appeal(app, desk)
    login(desk["staff"])
    html = _board(client, desk)
    appeals = _section(html, "appeals")
    assert "孙**" in appeals
    assert "那天住院了" in appeals
    url = f"/staff/credit-events/{event_id}/appeal"
    data = form_fields(html, url) | {"decision": "void", "note": "有住院证明"}
    first = client.post(url, data=data)
    again = client.post(url, data=data)  # a double tap
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        event = db.session.get(CreditEvent, event_id)
        assert event.appeal_status == "voided"
        assert db.session.get(Worker, event.worker_id).no_show_count == 0  # reversed once
        actions = [
            a.action
            for a in db.session.scalars(
                select(AuditEvent).where(AuditEvent.object_kind == "credit_event")
            )
        ]
        assert actions == ["credit.appeal_voided"]
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "No appeals waiting." in page


def test_an_appeal_needs_a_note(app, client, login, desk):
    from webapp.models import CreditEvent

    event_id = _appeal(app, desk)
    login(desk["staff"])
    url = f"/staff/credit-events/{event_id}/appeal"
    data = form_fields(_board(client, desk), url) | {"decision": "uphold", "note": " "}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert 'id="dispatch-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CreditEvent, event_id).appeal_status == "pending"


def test_wage_alerts_are_on_the_board(app, client, login, desk):
    from webapp.models import Application, Gig
    from webapp.models.base import utcnow
    from webapp.models.types import ApplicationStatus

    with app.app_context():
        application = db.session.scalar(
            select(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .where(Gig.public_id == desk["full"])
        )
        now = utcnow()
        application.status = ApplicationStatus.COMPLETED
        application.completed_at = now - timedelta(days=2)
        application.pay_due_at = now - timedelta(days=1)
        application.pay_alert_at = now - timedelta(hours=20)
        db.session.commit()
    login(desk["staff"])
    alerts = _section(_board(client, desk), "alerts")
    assert "已经招满的活" in alerts
    assert "孙**" in alerts
    assert "(1)" in alerts
