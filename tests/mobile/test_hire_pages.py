"""Hiring on the phone: ranked candidates, invitations, each hire's steps, arrival by QR code.

The employer and the worker sign in through the real forms (one test client each); rows are
built through the models and the hire services. Every form is posted the way a browser would,
with the idempotency key the page carried, and posted again with the same key for a double tap.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from webapp.extensions import db

CLEANER = "4-09-07-01"  # 保洁员
WAITER = "4-03-02-05"  # 餐厅服务员: another trade group
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_numbers = count(1)


# -- builders (plain functions, also used by tests/staff/test_dispatch.py) -------------------------


def midday_zone() -> str:
    """A fixed-offset time zone where it is about noon now.

    "Today" at a station starts at local midnight: walk-ins checked in "50 minutes ago" would
    fall into yesterday when the suite runs just after midnight in Asia/Shanghai. The stations of
    these tests keep the clock of a zone where the day is half gone, whatever the hour.
    """
    from webapp.models.base import utcnow

    offset = 12 - utcnow().hour  # -11 .. 12
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"  # the sign is POSIX's, inverted


def add_worker(
    app,
    market_id: int,
    *,
    name: str,
    phone: str,
    trade: str = CLEANER,
    level: int = 0,
    on_site_minutes: int | None = None,
    verified: bool = True,
) -> str:
    """A verified worker with one trade; checked in `on_site_minutes` ago if given. -> public_id"""
    from webapp.identity import parse_resident_id, synthesize_resident_id
    from webapp.models import CheckIn, Worker, WorkerTrade
    from webapp.models.base import utcnow
    from webapp.models.types import CheckInMethod, VerificationStatus
    from webapp.services import identity

    n = next(_numbers)
    born = date(1970, 1, 1) + timedelta(days=n)  # a different person on every call
    rid = parse_resident_id(synthesize_resident_id("410105", born, n % 100, "M"))
    with app.app_context():
        worker = Worker(
            name=name,
            birth_date=rid.birth_date,
            sex=rid.sex,
            hukou_region=rid.region_code,
            registered_market_id=market_id,
            verification_status=(
                VerificationStatus.VERIFIED if verified else VerificationStatus.UNVERIFIED
            ),
            verification_method="kiosk_face" if verified else None,
            verified_at=utcnow() if verified else None,
        )
        identity.store(worker, "id_number", rid.number)
        identity.store(worker, "phone", phone)
        worker.trades.append(WorkerTrade(trade_code=trade, skill_level=level))
        if on_site_minutes is not None:
            db.session.flush()
            db.session.add(
                CheckIn(
                    worker_id=worker.id,
                    market_id=market_id,
                    method=CheckInMethod.ID_CARD_FACE,
                    checked_in_at=utcnow() - timedelta(minutes=on_site_minutes),
                )
            )
        db.session.commit()
        return worker.public_id


def add_gig(
    app,
    employer_id: int,
    *,
    title: str = "写字楼保洁",
    trade: str = CLEANER,
    headcount: int = 3,
    starts_in: timedelta = timedelta(hours=5),
) -> str:
    """An open gig of the employer (at the employer's market). -> public_id"""
    from webapp.models import Employer, Gig
    from webapp.models.base import utcnow
    from webapp.models.types import GigStatus, PayUnit, Settlement
    from webapp.services import identity

    with app.app_context():
        employer = db.session.get(Employer, employer_id)
        starts = utcnow().replace(second=0, microsecond=0) + starts_in
        gig = Gig(
            employer_id=employer.id,
            market_id=employer.market_id,
            trade_code=trade,
            title=title,
            headcount=headcount,
            accepted_count=0,
            work_address="金水路88号大厦",
            area_code="410105",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            daily_hours=Decimal("8"),
            pay_amount=Decimal("200"),
            pay_unit=PayUnit.DAY,
            settlement=Settlement.DAILY,
            contact_name="李建国",
            valid_until=date.today() + timedelta(days=3),
            status=GigStatus.OPEN,
        )
        db.session.add(gig)
        db.session.flush()
        identity.store(gig, "contact_phone", "+8613700007777")
        db.session.commit()
        return gig.public_id


def application_of(app, gig_id: str, worker_id: str):
    """(public_id, status, source, event count) of a worker's row on a gig, or None."""
    from webapp.models import Application, ApplicationEvent, Gig, Worker

    with app.app_context():
        row = db.session.scalar(
            select(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .join(Worker, Worker.id == Application.worker_id)
            .where(Gig.public_id == gig_id, Worker.public_id == worker_id)
        )
        if row is None:
            return None
        events = db.session.scalar(
            select(func.count()).where(ApplicationEvent.application_id == row.id)
        )
        return row.public_id, row.status.value, row.source.value, events


def rows_count(app, model) -> int:
    """How many rows a table has."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def step(app, action: str, gig_id: str, worker_id: str, *, actor: str = "employer", **kw):
    """Run a hire step through the service, as the gig's employer or the worker."""
    from webapp.models import Application, Gig, Worker
    from webapp.services import hires

    with app.test_request_context():
        gig = db.session.scalar(select(Gig).where(Gig.public_id == gig_id))
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
        who = hires.Actor(actor, gig.employer_id if actor == "employer" else worker.id)
        if action == "invite":
            hires.invite(gig, worker, actor=who, key=None)
        elif action == "apply":
            hires.apply(gig, worker, actor=hires.Actor("worker", worker.id), key=None)
        else:
            application = db.session.scalar(
                select(Application).where(
                    Application.gig_id == gig.id, Application.worker_id == worker.id
                )
            )
            getattr(hires, action)(application, actor=who, key=None, **kw)
        db.session.commit()


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action` (the first one)."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no form posting to {action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1)))


def visible_text(html: str) -> str:
    """The text a reader sees (no tags, no QR paths)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S))


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def station_at_midday(app):
    """Every station of these tests is at midday (see midday_zone)."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = midday_zone()


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the translation catalogue."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def hiring(app, client, make_market, verified_employer, phone_login):
    """A station, a verified employer signed in on `client`, an open cleaning gig, and workers:
    a walk-in on site, two registered cleaners, and a waiter who does not fit."""
    station = make_market(name="花园路街道零工服务站", latitude=34.80, longitude=113.66)
    boss = verified_employer(market_id=station)
    assert phone_login(client, phone=boss.phone).status_code == 303
    gig = add_gig(app, boss.employer_id)
    workers = {
        "walk_in": add_worker(
            app, station, name="王大锤", phone="+8613800000001", on_site_minutes=40
        ),
        "registered": add_worker(app, station, name="赵小明", phone="+8613800000002"),
        "other": add_worker(app, station, name="孙悟净", phone="+8613800000003"),
        "unfit": add_worker(app, station, name="钱多多", phone="+8613800000004", trade=WAITER),
    }
    return {"station": station, "boss": boss, "gig": gig, "workers": workers}


@pytest.fixture
def worker_client(app, phone_login):
    """Sign a worker in on a new client: worker_client(phone) -> client."""

    def make(phone: str):
        c = app.test_client()
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        assert phone_login(c, phone=phone).status_code == 303
        return c

    return make


# -- candidates -----------------------------------------------------------------------------------


def test_candidates_rank_walk_ins_on_site_first_with_reasons(client, hiring):
    response = client.get(f"/m/employer/gigs/{hiring['gig']}/candidates")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    on_site = html.index('id="candidates-on-site"')
    registered = html.index('id="candidates-registered"')
    assert on_site < registered
    assert html.index("王**") < registered  # the walk-in, in the on-site part
    assert "On site" in html[on_site:registered]
    assert html.index("赵**") > registered
    assert html.index("孙**") > registered
    assert "钱**" not in html  # a waiter does not fit a cleaning gig
    # every candidate has its reasons in words and an invite form with its own key
    items = re.findall(
        r'<li class="candidate card.*?</li>\s*(?=<li class="candidate|</ol>)', html, re.S
    )
    assert len(items) == 3
    for item in items:
        assert re.search(r'<ul class="reasons"><li>[^<]+</li>', item), item
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert len(keys) == 3
    assert len(set(keys)) == 3
    text = visible_text(html)
    for name in ("王大锤", "赵小明", "孙悟净"):
        assert name not in text
    assert not FULL_MOBILE.search(text)
    assert "****" not in text  # not even a masked phone before anyone accepts


def test_candidates_and_hires_of_someone_elses_gig_are_404(
    app, hiring, verified_employer, phone_login
):
    other = app.test_client()
    stranger = verified_employer(market_id=hiring["station"])
    assert phone_login(other, phone=stranger.phone).status_code == 303
    gig = hiring["gig"]
    for path in ("candidates", "hires", "arrival"):
        assert other.get(f"/m/employer/gigs/{gig}/{path}").status_code == 404
    step(app, "invite", gig, hiring["workers"]["registered"])
    public_id = application_of(app, gig, hiring["workers"]["registered"])[0]
    token = csrf_token_from(other.get("/m/employer").get_data(as_text=True))
    key = "a" * 32
    assert (
        other.post(
            f"/m/employer/applications/{public_id}/withdraw",
            data={"csrf_token": token, "idempotency_key": key},
        ).status_code
        == 404
    )
    worker = hiring["workers"]["registered"]
    assert (
        other.post(
            f"/m/employer/gigs/{gig}/invite",
            data={"csrf_token": token, "idempotency_key": key, "worker": worker},
        ).status_code
        == 404
    )
    assert application_of(app, gig, worker)[1] == "proposed"


def test_candidates_need_sign_in(app, hiring):
    anonymous = app.test_client()
    response = anonymous.get(f"/m/employer/gigs/{hiring['gig']}/candidates")
    assert response.status_code in {302, 303}
    assert "/m/signin" in response.headers["Location"]


# -- invitation, acceptance and the phone number --------------------------------------------------


def test_invite_then_the_worker_accepts_and_only_then_the_phone_shows(
    app, client, hiring, worker_client
):
    from webapp.models import Application

    gig, worker = hiring["gig"], hiring["workers"]["registered"]
    page = client.get(f"/m/employer/gigs/{gig}/candidates").get_data(as_text=True)
    invite = f"/m/employer/gigs/{gig}/invite"
    fields = next(
        f
        for f in (
            dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
            for form in re.findall(rf'<form[^>]*action="{invite}"[^>]*>(.*?)</form>', page, re.S)
        )
        if f["worker"] == worker
    )
    first = client.post(invite, data=fields)
    again = client.post(invite, data=fields)  # a double tap
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert rows_count(app, Application) == 1
    public_id, status, source, events = application_of(app, gig, worker)
    assert (status, source, events) == ("proposed", "employer_invite", 1)
    assert "Invitation sent" in client.get(first.headers["Location"]).get_data(as_text=True)

    # Before the worker accepts: no number, a note instead.
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    assert "赵**" in board
    assert "visible once they accept" in board
    assert "tel:" not in board
    assert not FULL_MOBILE.search(visible_text(board))

    # The worker sees the invitation on their sign-ups and accepts it (twice: one acceptance).
    phone = worker_client("+8613800000002")
    mine = phone.get("/m/worker/applications").get_data(as_text=True)
    assert "The employer invited you" in mine
    accept = f"/m/worker/applications/{public_id}/step/accept"
    fields = form_fields(mine, accept)
    assert phone.post(accept, data=fields).status_code == 303
    assert phone.post(accept, data=fields).status_code == 303
    assert application_of(app, gig, worker)[1:] == ("accepted", "employer_invite", 2)

    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    assert 'href="tel:+8613800000002"' in board
    assert "138 0000 0002" in board or "13800000002" in board
    # the others on the page still show no number
    assert board.count("tel:") == 1


def test_a_sign_up_taken_on_by_the_employer_shows_the_phone(app, client, hiring):
    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    assert "tel:" not in board
    public_id = application_of(app, gig, worker)[0]
    accept = f"/m/employer/applications/{public_id}/accept"
    fields = form_fields(board, accept)
    assert client.post(accept, data=fields).status_code == 303
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    assert 'href="tel:+8613800000001"' in board


# -- every step once, however often it is tapped --------------------------------------------------


def _tap_twice(c, page_url: str, action_url: str, extra: dict | None = None):
    """Post a form of the page twice with the same key; both land on the same page."""
    page = c.get(page_url).get_data(as_text=True)
    data = form_fields(page, action_url) | (extra or {})
    first = c.post(action_url, data=data)
    second = c.post(action_url, data=data)
    assert first.status_code == second.status_code == 303, first.get_data(as_text=True)
    assert first.headers["Location"] == second.headers["Location"]
    return first


def test_the_whole_lifecycle_double_tapped_gives_one_event_per_step(
    app, client, hiring, worker_client
):
    from webapp.models import Application, ApplicationEvent

    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    board = f"/m/employer/gigs/{gig}/hires"
    expected = 1
    for action, status in (
        ("accept", "accepted"),
        ("dispatch", "dispatched"),
        ("arrive", "arrived"),
        ("complete", "completed"),
    ):
        _tap_twice(client, board, f"/m/employer/applications/{public_id}/{action}")
        expected += 1
        assert application_of(app, gig, worker)[1:] == (status, "worker_self", expected)
    _tap_twice(client, board, f"/m/employer/applications/{public_id}/rate", {"stars": "4"})
    expected += 1

    phone = worker_client("+8613800000001")
    mine = "/m/worker/applications"
    _tap_twice(phone, mine, f"/m/worker/applications/{public_id}/step/confirm_paid")
    expected += 1
    _tap_twice(phone, mine, f"/m/worker/applications/{public_id}/step/rate", {"stars": "5"})
    expected += 1
    assert application_of(app, gig, worker)[1:] == ("paid_confirmed", "worker_self", expected)
    assert rows_count(app, Application) == 1
    assert rows_count(app, ApplicationEvent) == expected
    with app.app_context():
        row = db.session.scalar(select(Application))
        assert (row.employer_rating, row.worker_rating) == (4, 5)
        assert row.worker.rating_count == 1  # the employer's rating counted once
    # nothing left to do: no buttons
    assert "/step/" not in phone.get(mine).get_data(as_text=True)


@pytest.mark.parametrize(
    ("setup", "who", "action", "extra", "status"),
    [
        (("apply",), "employer", "decline", {}, "declined"),
        (("invite",), "employer", "withdraw", {}, "withdrawn"),
        (("apply", "accept"), "employer", "cancel", {"reason": "工程推迟"}, "cancelled"),
        (("invite",), "worker", "decline", {}, "declined"),
        (("invite", "accept:worker"), "worker", "cancel", {"reason": "家里有事"}, "cancelled"),
    ],
)
def test_ending_steps_double_tapped_end_once(
    app, client, hiring, worker_client, setup, who, action, extra, status
):
    gig, worker = hiring["gig"], hiring["workers"]["registered"]
    for name in setup:
        name, _, actor = name.partition(":")
        step(app, name, gig, worker, actor=actor or "employer")
    public_id, _status, _source, before = application_of(app, gig, worker)
    if who == "employer":
        _tap_twice(
            client,
            f"/m/employer/gigs/{gig}/hires",
            f"/m/employer/applications/{public_id}/{action}",
            extra,
        )
    else:
        _tap_twice(
            worker_client("+8613800000002"),
            "/m/worker/applications",
            f"/m/worker/applications/{public_id}/step/{action}",
            extra,
        )
    assert application_of(app, gig, worker)[1] == status
    assert application_of(app, gig, worker)[3] == before + 1


def test_no_show_after_the_start_double_tapped_records_one_credit_event(app, client, hiring):
    from webapp.models import CreditEvent

    gig = add_gig(app, hiring["boss"].employer_id, title="早班保洁", starts_in=timedelta(hours=-1))
    worker = hiring["workers"]["other"]
    step(app, "invite", gig, worker)
    step(app, "accept", gig, worker, actor="worker")
    public_id = application_of(app, gig, worker)[0]
    _tap_twice(
        client,
        f"/m/employer/gigs/{gig}/hires",
        f"/m/employer/applications/{public_id}/no_show",
        {"reason": "没来也没打电话"},
    )
    assert application_of(app, gig, worker)[1] == "no_show"
    with app.app_context():
        events = db.session.scalars(select(CreditEvent)).all()
        assert [(e.kind, e.subject_kind.value) for e in events] == [("no_show", "worker")]


# -- refusals: the page again with the reason, nothing lost ---------------------------------------


def test_a_refused_step_draws_the_page_again_with_the_reason(app, client, hiring):
    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    token = csrf_token_from(board)
    # Sending to work before taking on is not a step the lifecycle allows now.
    response = client.post(
        f"/m/employer/applications/{public_id}/dispatch",
        data={"csrf_token": token, "idempotency_key": "b" * 32},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="hire-error"' in html
    assert "not possible now" in html
    assert 'id="group-applied"' in html  # the same page, with the hire still there
    assert application_of(app, gig, worker)[1] == "applied"


def test_cancel_without_a_reason_keeps_the_page_and_changes_nothing(app, client, hiring):
    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    step(app, "accept", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    cancel = f"/m/employer/applications/{public_id}/cancel"
    response = client.post(cancel, data=form_fields(board, cancel) | {"reason": "   "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please say why" in html
    assert '<details class="confirm" open>' in html  # the cancel form stays open
    assert application_of(app, gig, worker)[1] == "accepted"


def test_a_key_used_for_another_step_is_refused_not_a_500(app, client, hiring):
    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    board = client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True)
    accept = f"/m/employer/applications/{public_id}/accept"
    fields = form_fields(board, accept)
    assert client.post(accept, data=fields).status_code == 303
    response = client.post(f"/m/employer/applications/{public_id}/dispatch", data=fields)
    assert response.status_code in {409, 422}
    assert 'id="hire-error"' in response.get_data(as_text=True)
    assert application_of(app, gig, worker)[1] == "accepted"


@pytest.mark.parametrize("key", ["", "not-a-key", "A" * 32])
def test_a_missing_or_malformed_key_is_a_bad_request(app, client, hiring, key):
    gig, worker = hiring["gig"], hiring["workers"]["walk_in"]
    step(app, "apply", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    token = csrf_token_from(client.get(f"/m/employer/gigs/{gig}/hires").get_data(as_text=True))
    response = client.post(
        f"/m/employer/applications/{public_id}/accept",
        data={"csrf_token": token, "idempotency_key": key},
    )
    assert response.status_code == 400
    assert application_of(app, gig, worker)[1] == "applied"


def test_a_worker_step_refused_shows_the_reason_on_my_sign_ups(app, hiring, worker_client):
    gig, worker = hiring["gig"], hiring["workers"]["registered"]
    step(app, "invite", gig, worker)
    public_id = application_of(app, gig, worker)[0]
    phone = worker_client("+8613800000002")
    token = csrf_token_from(phone.get("/m/worker/applications").get_data(as_text=True))
    response = phone.post(
        f"/m/worker/applications/{public_id}/step/confirm_paid",
        data={"csrf_token": token, "idempotency_key": "c" * 32},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "not possible now" in html
    assert "My sign-ups" in html
    assert application_of(app, gig, worker)[1] == "proposed"


def test_a_worker_cannot_step_on_someone_elses_hire(app, hiring, worker_client):
    gig = hiring["gig"]
    step(app, "invite", gig, hiring["workers"]["registered"])
    public_id = application_of(app, gig, hiring["workers"]["registered"])[0]
    phone = worker_client("+8613800000001")  # the walk-in, not the invited worker
    token = csrf_token_from(phone.get("/m/worker/applications").get_data(as_text=True))
    response = phone.post(
        f"/m/worker/applications/{public_id}/step/accept",
        data={"csrf_token": token, "idempotency_key": "d" * 32},
    )
    assert response.status_code == 404
    assert application_of(app, gig, hiring["workers"]["registered"])[1] == "proposed"


# -- arrival by the worker's code -----------------------------------------------------------------


def _payload(app, worker_id: str) -> str:
    from webapp.models import Worker
    from webapp.services import qr

    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
        return qr.worker_payload(worker.public_id, worker.qr_version)


def test_arrival_by_the_workers_code_pasted_from_a_scanner_app(app, client, hiring):
    gig = hiring["gig"]
    walk_in, registered = hiring["workers"]["walk_in"], hiring["workers"]["registered"]
    for worker in (walk_in, registered):
        step(app, "apply", gig, worker)
        step(app, "accept", gig, worker)
        step(app, "dispatch", gig, worker)
    url = f"/m/employer/gigs/{gig}/arrival"
    page = client.get(url).get_data(as_text=True)
    assert "王**" in page  # who is expected
    assert "赵**" in page
    fields = form_fields(page, url)
    # The raw text a scanner app gives, tapped twice: one arrival.
    first = client.post(url, data=fields | {"code": _payload(app, walk_in)})
    second = client.post(url, data=fields | {"code": _payload(app, walk_in)})
    assert first.status_code == second.status_code == 303
    assert application_of(app, gig, walk_in)[1:] == ("arrived", "worker_self", 4)
    assert "Arrival confirmed" in client.get(url).get_data(as_text=True)
    # A camera app that opened the code as our link gives the whole URL: that works too.
    fields = form_fields(client.get(url).get_data(as_text=True), url)
    link = f"https://gig.example/m/q/{_payload(app, registered)}"
    assert client.post(url, data=fields | {"code": link}).status_code == 303
    assert application_of(app, gig, registered)[1] == "arrived"


def test_a_wrong_code_keeps_what_was_pasted_and_says_why(app, client, hiring):
    gig, stranger = hiring["gig"], hiring["workers"]["other"]
    url = f"/m/employer/gigs/{gig}/arrival"
    fields = form_fields(client.get(url).get_data(as_text=True), url)
    response = client.post(url, data=fields | {"code": "GM1:w:forged"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "not a valid personal code" in html
    assert ">GM1:w:forged</textarea>" in html
    # a real code of someone not taken on for this gig
    response = client.post(url, data=fields | {"code": _payload(app, stranger)})
    assert response.status_code == 409
    assert "not taken on for this gig" in response.get_data(as_text=True)
    response = client.post(url, data=fields | {"code": "  "})
    assert response.status_code == 422


def test_gig_manage_links_to_the_hiring_pages(client, hiring):
    html = client.get(f"/m/employer/gigs/{hiring['gig']}").get_data(as_text=True)
    for path in ("candidates", "hires", "arrival"):
        assert f"/m/employer/gigs/{hiring['gig']}/{path}" in html
