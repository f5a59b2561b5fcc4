"""The matching feed: the mapping to engine records, the build, and keeping processes current.

"Another process" is another app instance on the same database: each app has its own engine
(app.extensions["matchfeed"]), its own connection pool and sessions, as two gunicorn workers do.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matching.records import Reason
from tests.conftest import _make_app
from webapp.extensions import db
from webapp.identity import parse_resident_id, synthesize_resident_id
from webapp.models import (
    Application,
    CheckIn,
    Employer,
    Gig,
    Market,
    MatchChange,
    Sanction,
    StaffUser,
    Worker,
    WorkerCertificate,
    WorkerTrade,
)
from webapp.models.base import utcnow
from webapp.models.types import (
    ApplicationSource,
    ApplicationStatus,
    CheckInMethod,
    EmployerKind,
    GigStatus,
    MarketLevel,
    PayUnit,
    Settlement,
    StaffRole,
    SubjectKind,
    VerificationStatus,
)
from webapp.services import identity, matchfeed, matchlog, matchrecords
from webapp.services.matchrecords import WorkerFacts, minute_of

BRICK = "6-29-01-01"  # 砌筑工 (construction_structure, heavy)
CONCRETE = "6-29-01-03"  # 混凝土工, same group as 砌筑工
_numbers = count(1)
CLEANER = "4-09-07-01"  # 保洁员 (cleaning, not heavy)
WAITER = "4-03-02-05"  # 餐厅服务员 (catering)


# -- builders (plain functions over the current app's session) ------------------------------------


def market(name="金水区测试零工驿站", lat=34.80, lon=113.66, parent_id=None) -> Market:
    row = Market(
        level=MarketLevel.STATION,
        name=name,
        region_code="410105",
        latitude=lat,
        longitude=lon,
        parent_id=parent_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def employer(market_id, *, verified=True, credit=90, name="郑州测试建筑有限公司") -> Employer:
    row = Employer(
        kind=EmployerKind.ENTERPRISE,
        name=name,
        contact_name="李四",
        market_id=market_id,
        verification_status=VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING,
        reverify_due_on=date.today() + timedelta(days=150),
        credit_score=credit,
    )
    db.session.add(row)
    db.session.flush()
    return row


def gig(emp: Employer, *, trade=BRICK, hours_ahead=3, **kw) -> Gig:
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(hours=hours_ahead)
    values = {
        "employer_id": emp.id,
        "market_id": emp.market_id,
        "trade_code": trade,
        "title": "工地砌墙两天",
        "headcount": 3,
        "accepted_count": 0,
        "work_address": "郑州市金水区测试路8号",
        "area_code": "410105",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=9),
        "pay_amount": Decimal("260"),
        "pay_unit": PayUnit.DAY,
        "settlement": Settlement.DAILY,
        "contact_name": "王工",
        "valid_until": date.today() + timedelta(days=5),
        "status": GigStatus.OPEN,
    }
    values.update(kw)
    row = Gig(**values)
    db.session.add(row)
    db.session.flush()
    identity.store(row, "contact_phone", "+8613900001111")
    return row


def worker(_make_worker, market_id, *, trades=((BRICK, 0),), wish=220, verified=True, **kw):
    """A worker with an encrypted identity, built in the current session (flushed)."""
    n = next(_numbers)
    number = synthesize_resident_id("410105", kw.get("birth", date(1975, 3, 14)), n % 100, "M")
    rid = parse_resident_id(number)
    row = Worker(
        name=kw.get("name", "张三"),
        birth_date=rid.birth_date,
        sex=rid.sex,
        hukou_region=rid.region_code,
        registered_market_id=market_id,
        verification_status=VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING,
        desired_pay_amount=Decimal(wish) if wish else None,
        desired_pay_unit=PayUnit.DAY if wish else None,
    )
    identity.store(row, "id_number", rid.number)
    identity.store(row, "phone", f"+86137{n:08d}")
    for code, level in trades:
        row.trades.append(WorkerTrade(trade_code=code, skill_level=level))
    db.session.flush()
    return row


def staff_user(market_id) -> StaffUser:
    row = StaffUser(
        username=f"staff{next(_numbers)}",
        display_name="审核员",
        password_hash="x",
        role=StaffRole.STATION_ADMIN,
        market_id=market_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def changes() -> list[tuple[str, int]]:
    return [
        (r.kind, r.ref_id)
        for r in db.session.execute(
            select(MatchChange.kind, MatchChange.ref_id).order_by(MatchChange.id)
        )
    ]


@pytest.fixture
def world(ctx, make_worker):
    """A station with a verified employer, an open gig and a verified bricklayer."""
    station = market()
    emp = employer(station.id)
    g = gig(emp)
    w = worker(make_worker, station.id)
    db.session.commit()
    # Ids for use inside another app's context (an expired attribute of these rows would load
    # through that app's engine there).
    return SimpleNamespace(
        station=station,
        employer=emp,
        gig=g,
        worker=w,
        station_id=station.id,
        employer_id=emp.id,
        gig_id=g.id,
        worker_id=w.id,
    )


def other_app(app):
    """A second app on the same database: another gunicorn process, for the feed."""
    return _make_app(app.config["SQLALCHEMY_DATABASE_URI"], UPLOAD_DIR=app.config["UPLOAD_DIR"])


@pytest.fixture
def second(app):
    """Another process on the same database; its pool is closed after the test."""
    application = other_app(app)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


# -- mapping --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "hours", "expected"),
    [
        ("30", PayUnit.HOUR, None, 240.0),  # 8 hours when the posting does not say
        ("30", PayUnit.HOUR, Decimal("10"), 300.0),
        ("260", PayUnit.DAY, None, 260.0),
        ("5220", PayUnit.MONTH, None, 240.0),  # / 21.75
        ("2", PayUnit.PIECE, None, 2.0),  # as it is: the card says "per piece"
        (None, PayUnit.DAY, None, None),
    ],
)
def test_pay_is_normalised_per_day(amount, unit, hours, expected):
    value = matchrecords.pay_per_day(amount and Decimal(amount), unit, hours)
    assert value == pytest.approx(expected) if expected is not None else value is None


@pytest.mark.parametrize(
    ("availability", "mask"),
    [
        ({}, 0x7F),
        ({"days": "any"}, 0x7F),
        ({"days": "weekdays"}, 0b0011111),
        ({"days": "weekends"}, 0b1100000),
        ({"days": [1, 3, 7]}, 0b1000101),
        ({"days": ["x"]}, 0x7F),
    ],
)
def test_availability_becomes_a_weekday_mask(availability, mask):
    assert matchrecords.available_weekdays(availability) == mask


def test_reliability_rewards_turning_up_and_good_ratings():
    newcomer = matchrecords.reliability(0, 0, 0, 0, 0)
    steady = matchrecords.reliability(10, 0, 0, 50, 10)
    absent = matchrecords.reliability(2, 4, 2, 4, 2)
    assert newcomer == pytest.approx(0.5)
    assert steady == pytest.approx(0.9167, abs=1e-3)
    assert absent < newcomer < steady
    assert 0 <= absent <= 1


def test_worker_record_mapping():
    row = SimpleNamespace(
        id=7,
        birth_date=date(1980, 1, 2),
        desired_pay_amount=Decimal("25"),
        desired_pay_unit=PayUnit.HOUR,
        availability={"days": "weekdays"},
        completed_count=3,
        no_show_count=0,
        late_cancel_count=0,
        rating_sum=0,
        rating_count=0,
    )
    facts = WorkerFacts(
        trades={BRICK: 4},
        certificates=frozenset({"健康证"}),
        busy=((200, 300), (100, 150)),
        sanctioned=True,
        check_in_market=5,
        check_in_minute=1234,
        location=(34.8, 113.6),
        gigs_today=1,
    )
    record = matchfeed.to_worker_record(row, facts)
    assert record.id == 7
    assert record.trades == {BRICK: 4}
    assert record.certificates == frozenset({"健康证"})
    assert record.birth_day == (date(1980, 1, 2) - date(1970, 1, 1)).days
    assert record.desired_pay_per_day == 200.0
    assert record.available_weekdays == 0b0011111
    assert record.busy == ((100, 150), (200, 300))
    assert record.sanctioned is True
    assert (record.checked_in_market, record.checked_in_at) == (5, 1234)
    assert (record.lat, record.lon) == (34.8, 113.6)
    assert record.gigs_today == 1
    assert record.reliability == pytest.approx(matchrecords.reliability(3, 0, 0, 0, 0))


def test_gig_record_mapping(world):
    g = world.gig
    g.pay_unit, g.pay_amount, g.daily_hours = PayUnit.HOUR, Decimal("30"), Decimal("9")
    g.accepted_count = 1
    g.certificates_required = ["特种作业操作证（电工作业）"]
    record = matchfeed.to_gig_record(g)
    assert (record.id, record.market_id) == (g.id, world.station.id)
    assert record.trade == BRICK
    assert record.pay_per_day == 270.0
    assert record.open_slots == 2
    assert (record.starts, record.ends) == (minute_of(g.starts_at), minute_of(g.ends_at))
    local = g.starts_at.astimezone(matchrecords.local_zone())
    assert record.start_weekday == local.weekday()
    assert record.certificates == frozenset({"特种作业操作证（电工作业）"})
    assert record.min_age == 18
    assert record.max_age is None
    # No coordinates of its own: the market's.
    assert (record.lat, record.lon) == (34.80, 113.66)
    assert record.employer_standing == pytest.approx(0.9)
    g.latitude, g.longitude = 34.9, 113.7
    assert matchfeed.to_gig_record(g).lat == 34.9


@pytest.mark.parametrize(
    ("trade", "heavy", "certificates", "age"),
    [
        (WAITER, False, [], 16),
        (WAITER, False, ["健康证"], 16),  # a health certificate is no age limit
        (WAITER, True, [], 18),  # the posting says heavy or hazardous
        (BRICK, False, [], 18),  # the trade is heavy whatever the posting says
        (CLEANER, False, ["特种作业操作证（高处作业）"], 18),
    ],
)
def test_legal_minimum_age(trade, heavy, certificates, age):
    gig_like = SimpleNamespace(
        trade_code=trade, heavy_or_hazardous=heavy, certificates_required=certificates
    )
    assert matchrecords.min_age_for(gig_like) == age


# -- build ----------------------------------------------------------------------------------------


def test_engine_holds_the_eligible_workers_and_gigs_only(world, make_worker):
    station, emp = world.station, world.employer
    closed = gig(emp, status=GigStatus.CLOSED)
    full = gig(emp, headcount=1, accepted_count=1)
    ended = gig(emp, hours_ahead=-20)
    stale = gig(emp, valid_until=date.today() - timedelta(days=1))
    unverified = gig(employer(station.id, verified=False, name="未认证公司"))
    overdue_emp = employer(station.id, name="逾期复核公司")
    overdue_emp.reverify_due_on = date.today() - timedelta(days=2)
    overdue = gig(overdue_emp)
    barred_emp = employer(station.id, name="失信公司")
    db.session.add(
        Sanction(
            subject_kind=SubjectKind.EMPLOYER,
            employer_id=barred_emp.id,
            reason="拖欠工资",
            reviewer_id=staff_user(station.id).id,
            starts_at=utcnow() - timedelta(days=1),
        )
    )
    barred = gig(barred_emp)
    pending = worker(make_worker, station.id, verified=False, name="李四")
    gone = worker(make_worker, station.id, name="王五")
    gone.is_active = False
    db.session.commit()

    engine = matchfeed.engine()
    assert engine.has_gig(world.gig.id)
    for g in (closed, full, ended, stale, unverified, overdue, barred):
        assert not engine.has_gig(g.id), g.title
    assert engine.has_worker(world.worker.id)
    assert not engine.has_worker(pending.id)
    assert not engine.has_worker(gone.id)


def test_gigs_for_worker_are_ranked_with_reasons_in_words(world):
    ranked = matchfeed.gigs_for_worker(world.worker, k=5)
    assert [r.gig.id for r in ranked] == [world.gig.id]
    best = ranked[0]
    assert isinstance(best.gig, Gig)
    assert best.score > 0
    assert {"trade_exact", "pay_above_wish"} <= {c.code for c in best.codes}
    assert len(best.reasons) == len(best.codes)
    assert all(isinstance(text, str) and text for text in best.reasons)
    assert any("¥260" in text and "¥220" in text for text in best.reasons)
    # A gig the worker has signed up for is not offered again; one they withdrew from is.
    application = Application(
        gig_id=world.gig.id,
        worker_id=world.worker.id,
        source=ApplicationSource.WORKER_SELF,
        status=ApplicationStatus.APPLIED,
    )
    db.session.add(application)
    db.session.commit()
    assert matchfeed.gigs_for_worker(world.worker) == []
    assert matchfeed.why_not_codes(world.worker, world.gig) == ["applied"]
    application.status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    assert [r.gig.id for r in matchfeed.gigs_for_worker(world.worker)] == [world.gig.id]


def test_market_filter_and_related_trades(world, make_worker):
    far = market("远处零工驿站", lat=34.60, lon=113.40)
    other = gig(employer(far.id, name="远方公司"), trade=CONCRETE)
    db.session.commit()
    everywhere = matchfeed.gigs_for_worker(world.worker)
    assert {r.gig.id for r in everywhere} == {world.gig.id, other.id}
    related = next(r for r in everywhere if r.gig.id == other.id)
    assert any(c.code == "trade_related" for c in related.codes)
    here = matchfeed.gigs_for_worker(world.worker, market_ids=[world.station.id])
    assert [r.gig.id for r in here] == [world.gig.id]


def test_worker_record_reads_certificates_busy_check_in_and_gigs_today(world, make_worker):
    w = world.worker
    db.session.add_all(
        [
            WorkerCertificate(worker_id=w.id, name="健康证", valid_until=None),
            WorkerCertificate(
                worker_id=w.id, name="过期证", valid_until=date.today() - timedelta(days=1)
            ),
        ]
    )
    taken = gig(world.employer, title="已接的活", hours_ahead=30)
    db.session.add(
        Application(
            gig_id=taken.id,
            worker_id=w.id,
            source=ApplicationSource.KIOSK_RECOMMENDATION,
            status=ApplicationStatus.ACCEPTED,
            accepted_at=utcnow(),
        )
    )
    elsewhere = market("另一个驿站", lat=35.0, lon=113.0)
    db.session.add(
        CheckIn(
            worker_id=w.id,
            market_id=elsewhere.id,
            method=CheckInMethod.QR,
            checked_in_at=utcnow() - (utcnow() - matchrecords.day_start(utcnow())) / 2,
        )
    )
    db.session.commit()
    with matchfeed._reader() as s:
        (record,), gone = matchrecords.Loader(s, utcnow()).workers([w.id])
    assert gone == set()
    assert record.certificates == frozenset({"健康证"})
    assert record.busy == ((minute_of(taken.starts_at), minute_of(taken.ends_at)),)
    assert record.gigs_today == 1
    assert record.checked_in_market == elsewhere.id
    assert (record.lat, record.lon) == (35.0, 113.0)  # where they are today
    assert record.trades == {BRICK: 0}
    assert record.desired_pay_per_day == 220.0


# -- the change log -------------------------------------------------------------------------------


def test_flushes_log_changes_and_a_rollback_drops_them(world, make_worker):
    db.session.execute(select(MatchChange))  # (the world's own rows are there)
    before = db.session.scalar(select(func.count()).select_from(MatchChange))
    world.gig.headcount = 5
    world.worker.trades.append(WorkerTrade(trade_code=CLEANER, skill_level=0))
    db.session.flush()
    logged = set(changes()[before:])
    assert {("gig", world.gig.id), ("worker", world.worker.id)} <= logged
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MatchChange)) == before


def test_applications_check_ins_sanctions_and_employers_log_their_workers_and_gigs(world):
    start = len(changes())
    db.session.add(
        Application(
            gig_id=world.gig.id,
            worker_id=world.worker.id,
            source=ApplicationSource.WORKER_SELF,
            status=ApplicationStatus.APPLIED,
        )
    )
    db.session.commit()
    assert set(changes()[start:]) == {("gig", world.gig.id), ("worker", world.worker.id)}
    start = len(changes())
    world.employer.credit_score = 60
    db.session.commit()
    assert changes()[start:] == [("gig", world.gig.id)]
    start = len(changes())
    db.session.add(
        Sanction(
            subject_kind=SubjectKind.WORKER,
            worker_id=world.worker.id,
            reason="多次爽约",
            reviewer_id=staff_user(world.station.id).id,
            starts_at=utcnow(),
        )
    )
    db.session.commit()
    assert ("worker", world.worker.id) in changes()[start:]
    start = len(changes())
    world.station.latitude = 34.81
    db.session.commit()
    assert ("all", 0) in changes()[start:]


def test_bulk_updates_log_the_rows_they_touch(world):
    start = len(changes())
    db.session.execute(
        update(Gig)
        .where(Gig.id == world.gig.id, Gig.accepted_count < Gig.headcount)
        .values(accepted_count=Gig.accepted_count + 1)
    )
    db.session.execute(update(Worker).where(Worker.id == world.worker.id).values(no_show_count=1))
    db.session.execute(
        update(Employer).where(Employer.id == world.employer.id).values(credit_score=50)
    )
    db.session.commit()
    assert set(changes()[start:]) == {("gig", world.gig.id), ("worker", world.worker.id)}


# -- other processes ------------------------------------------------------------------------------


def test_another_process_sees_changes_made_through_this_one(app, world, second, make_worker):
    assert [r.gig.id for r in matchfeed.gigs_for_worker(world.worker)] == [world.gig.id]
    with second.app_context():
        db.session.get(Gig, world.gig_id).status = GigStatus.CLOSED
        emp = db.session.get(Employer, world.employer_id)
        fresh = gig(emp, trade=CLEANER, title="商场保洁一天")
        same_worker = db.session.get(Worker, world.worker_id)
        same_worker.trades.append(WorkerTrade(trade_code=CLEANER, skill_level=0))
        db.session.commit()
        fresh_id = fresh.id
    assert matchfeed.sync() > 0
    assert [r.gig.id for r in matchfeed.gigs_for_worker(world.worker)] == [fresh_id]
    assert matchfeed.sync() == 0  # nothing new: one query, nothing applied


def test_this_process_sees_its_own_commits_and_never_uncommitted_rows(world):
    matchfeed.engine()
    world.gig.status = GigStatus.CLOSED
    db.session.flush()  # flushed, not committed: the feed reads on its own connection
    matchfeed.sync()
    assert matchfeed.engine().has_gig(world.gig.id)
    db.session.rollback()
    matchfeed.sync()
    assert matchfeed.engine().has_gig(world.gig.id)
    db.session.get(Gig, world.gig.id).status = GigStatus.CLOSED
    db.session.commit()
    matchfeed.sync()
    assert not matchfeed.engine().has_gig(world.gig.id)


def test_ids_committed_out_of_order_are_not_lost(world):
    """A transaction that got its id first but committed last (PostgreSQL) is still applied."""
    feed = matchfeed._feed()
    matchfeed.engine()
    top = db.session.scalar(select(func.max(MatchChange.id)))
    # Make id top+2 visible first, as a later transaction committing earlier would.
    db.session.add(MatchChange(id=top + 2, kind="worker", ref_id=world.worker.id))
    db.session.commit()
    matchfeed.sync()
    assert feed.last_id == top + 2
    assert top + 1 in feed.gaps
    # Now the earlier transaction commits: it closed the gig (its row gets the earlier id).
    db.session.execute(
        update(Gig).where(Gig.id == world.gig.id).values(status=GigStatus.CLOSED),
        execution_options={"synchronize_session": False},
    )
    logged = db.session.scalar(
        select(func.max(MatchChange.id)).where(
            MatchChange.kind == "gig", MatchChange.ref_id == world.gig.id
        )
    )
    if logged != top + 1:  # SQLite numbers past the highest row; PostgreSQL's sequence did not
        db.session.execute(update(MatchChange).where(MatchChange.id == logged).values(id=top + 1))
    db.session.commit()
    assert matchfeed.sync() == 1
    assert not matchfeed.engine().has_gig(world.gig.id)
    assert top + 1 not in feed.gaps


# PostgreSQL only: SQLite has one writer at a time, so its ids always commit in order.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_concurrent_transactions_on_postgresql_commit_out_of_order(backend, world, second):
    matchfeed.engine()
    other = gig(world.employer, trade=BRICK, title="另一个砌墙活")
    db.session.commit()
    matchfeed.sync()
    with second.app_context():
        bind = db.engine
    with Session(bind) as slow, Session(bind) as quick:
        slow.get(Gig, world.gig.id).status = GigStatus.CLOSED
        slow.flush()  # its change row takes the lower id; the transaction stays open
        quick.get(Gig, other.id).headcount = 9
        quick.commit()  # a higher id, committed first
        matchfeed.sync()
        assert matchfeed.engine().has_gig(world.gig.id)
        assert matchfeed._feed().gaps
        slow.commit()
    matchfeed.sync()
    assert not matchfeed.engine().has_gig(world.gig.id)
    assert not matchfeed._feed().gaps


def test_a_process_left_behind_by_pruning_rebuilds(world, second):
    feed = matchfeed._feed()
    matchfeed.engine()
    builds = feed.builds
    with second.app_context():
        db.session.get(Gig, world.gig_id).status = GigStatus.CLOSED
        db.session.commit()
        newest = db.session.get(Worker, world.worker_id)
        newest.availability = {"days": "weekdays"}
        db.session.commit()
        assert matchlog.prune(keep=timedelta(0), now=utcnow() + timedelta(seconds=1)) > 0
        db.session.commit()
        # The gig's row is gone; the newest row stays (ids must never be handed out again).
        left = db.session.execute(select(MatchChange.kind, MatchChange.ref_id)).all()
        assert [tuple(r) for r in left][0] == ("worker", world.worker_id)
        assert [r.kind for r in left] == ["worker", "pruned"]
    matchfeed.sync()
    assert feed.builds == builds + 1
    assert not matchfeed.engine().has_gig(world.gig.id)
    matchfeed.sync()
    assert feed.builds == builds + 1  # the marker is not applied twice


def test_pruning_never_reuses_ids(world):
    top = db.session.scalar(select(func.max(MatchChange.id)))
    matchlog.prune(keep=timedelta(0), now=utcnow() + timedelta(seconds=1))
    db.session.commit()
    world.gig.headcount = 7
    db.session.commit()
    assert db.session.scalar(select(func.min(MatchChange.id))) == top
    assert db.session.scalar(select(func.max(MatchChange.id))) > top + 1


def test_prune_keeps_recent_rows_and_runs_as_a_job(world):
    from webapp import jobs

    assert "prune_match_changes" in jobs.JOBS
    count = db.session.scalar(select(func.count()).select_from(MatchChange))
    assert jobs.run_job("prune_match_changes") == 0
    assert db.session.scalar(select(func.count()).select_from(MatchChange)) == count


def test_a_market_moving_rebuilds_every_engine(world, second):
    feed = matchfeed._feed()
    matchfeed.engine()
    builds = feed.builds
    with second.app_context():
        db.session.get(Market, world.station_id).longitude = 113.70
        db.session.commit()
    matchfeed.sync()
    assert feed.builds == builds + 1


def test_a_new_day_rebuilds(world):
    feed = matchfeed._feed()
    matchfeed.engine()
    feed.day = feed.day - timedelta(days=1)
    builds = feed.builds
    matchfeed.sync()
    assert feed.builds == builds + 1


def test_a_sanction_ending_later_is_lifted_on_time(world, monkeypatch):
    now = utcnow()
    db.session.add(
        Sanction(
            subject_kind=SubjectKind.WORKER,
            worker_id=world.worker.id,
            reason="多次爽约",
            reviewer_id=staff_user(world.station.id).id,
            starts_at=now - timedelta(days=1),
            expires_at=now + timedelta(minutes=2),
        )
    )
    db.session.commit()
    assert matchfeed.gigs_for_worker(world.worker) == []
    assert "sanctioned" in matchfeed.why_not_codes(world.worker, world.gig)
    later = now + timedelta(minutes=3)
    monkeypatch.setattr(matchfeed, "utcnow", lambda: later)
    assert [r.gig.id for r in matchfeed.gigs_for_worker(world.worker)] == [world.gig.id]


def test_engines_are_per_app(app, world, second):
    matchfeed.engine()
    with second.app_context():
        assert second.extensions["matchfeed"].engine is None
    assert app.extensions["matchfeed"].engine is not None


def test_threads_share_one_engine_safely(app, world):
    errors: list[BaseException] = []
    results: list[int] = []
    worker_id = world.worker.id

    def run():
        try:
            with app.test_request_context():
                for _ in range(10):
                    found = matchfeed.gigs_for_worker(db.session.get(Worker, worker_id))
                    results.append(len(found))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [1] * 40
    assert app.extensions["matchfeed"].builds == 1


# -- workers for a gig ----------------------------------------------------------------------------


def test_candidates_put_walk_ins_first_without_duplicates(world, make_worker):
    home = worker(make_worker, world.station.id, name="赵六", trades=((BRICK, 3),))
    walk_in = worker(make_worker, world.station.id, name="孙七")
    now = utcnow()
    midnight = matchrecords.day_start(now)
    arrived = now - timedelta(minutes=95)
    if arrived <= midnight:  # soon after midnight: any time today will do
        arrived = midnight + (now - midnight) / 2
    waited = int((now - arrived).total_seconds() // 60)
    db.session.add(
        CheckIn(
            worker_id=walk_in.id,
            market_id=world.station.id,
            method=CheckInMethod.QR,
            checked_in_at=arrived,
        )
    )
    db.session.commit()
    everyone = matchfeed.workers_for_gig(world.gig)
    assert {r.worker.id for r in everyone} == {world.worker.id, home.id, walk_in.id}
    on_site = matchfeed.workers_for_gig(world.gig, on_site=True)
    assert [r.worker.id for r in on_site] == [walk_in.id]
    assert on_site[0].on_site
    waiting = next(c for c in on_site[0].codes if c.code == "waiting")
    assert waiting.params["minutes"] in (waited, waited + 1)
    assert any(str(waiting.params["minutes"]) in text for text in on_site[0].reasons)
    ranked = matchfeed.candidates(world.gig)
    assert ranked[0].worker.id == walk_in.id
    assert ranked[0].on_site
    assert len({r.worker.id for r in ranked}) == len(ranked) == 3
    assert not any(r.on_site for r in ranked[1:])


def test_why_not_in_words(world, make_worker):
    cleaner = worker(make_worker, world.station.id, name="周八", trades=((CLEANER, 0),))
    db.session.commit()
    assert matchfeed.why_not(world.worker, world.gig) == []
    assert matchfeed.why_not_codes(cleaner, world.gig) == ["trade"]
    with force_locale("en"):
        assert matchfeed.why_not(cleaner, world.gig) == ["Trade does not match"]
    world.gig.status = GigStatus.CLOSED
    db.session.commit()
    assert matchfeed.why_not_codes(world.worker, world.gig) == ["gig_unavailable"]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (Reason("trade_exact", {"trade": BRICK}), "Trade matches: 瓦工"),
        (
            Reason("trade_related", {"trade": BRICK, "gig_trade": CONCRETE}),
            "Related trade: 混凝土工 (has 瓦工)",
        ),
        (Reason("level", {"level": 4}), "Skill level: 中级工"),
        (Reason("certificates", {"names": ["健康证"]}), "Holds the certificate: 健康证"),
        (
            Reason("pay_above_wish", {"pay": 260.0, "wish": 220.0}),
            "Pay ¥260 a day, above the wish of ¥220",
        ),
        (Reason("pay", {"pay": 204.0}), "Pay ¥204 a day"),
        (Reason("distance", {"km": 3.2}), "About 3.2 km away"),
        (Reason("distance", {"km": 0.4}), "Less than 1 km away"),
        (Reason("starts_in", {"hours": 2.7}), "Starts in about 3 hours"),
        (Reason("starts_in", {"hours": 1.2}), "Starts in about an hour"),
        (Reason("starts_in", {"hours": 0.5}), "Starts within the hour"),
        (Reason("starts_in", {"hours": 72.0}), "Starts in 3 days"),
        (Reason("waiting", {"minutes": 95}), "Waiting at the station for 95 minutes"),
        (Reason("waiting", {"minutes": 0}), "Just arrived at the station"),
        (Reason("gigs_today", {"count": 1}), "Gigs already taken today: 1"),
        (Reason("on_site", {}), "On site at the station"),
        (Reason("something_new", {}), "something_new"),
    ],
)
def test_reason_text(app, reason, expected):
    with app.test_request_context(), force_locale("en"):
        assert matchfeed.reason_text(reason) == expected


def test_piece_rates_are_not_called_a_day(app):
    with app.test_request_context(), force_locale("en"):
        text = matchfeed.reason_text(
            Reason("pay_below_wish", {"pay": 2.0, "wish": 200.0}), pay_unit=PayUnit.PIECE
        )
    assert text == "Paid by the piece: ¥2 a piece"


def test_rebuilding_from_many_changes_matches_a_fresh_build(world, make_worker, second):
    """Applying changes one by one ends where building from scratch does."""
    matchfeed.engine()
    with second.app_context():
        for n in range(5):
            emp = db.session.get(Employer, world.employer_id)
            gig(emp, title=f"砌墙活{n}", hours_ahead=4 + n)
        full = db.session.get(Gig, world.gig_id)
        full.headcount, full.accepted_count = 1, 1
        db.session.commit()
    incremental = [(r.gig.id, round(r.score, 6)) for r in matchfeed.gigs_for_worker(world.worker)]
    matchfeed.rebuild()
    fresh = [(r.gig.id, round(r.score, 6)) for r in matchfeed.gigs_for_worker(world.worker)]
    assert incremental == fresh
    assert len(fresh) == 5


def test_records_compare_equal_after_a_round_trip(world):
    """What the feed loads equals the mapping applied to the ORM row with its facts."""
    with matchfeed._reader() as s:
        (loaded,), _ = matchrecords.Loader(s, utcnow()).workers([world.worker.id])
    expected = matchfeed.to_worker_record(
        world.worker,
        replace(
            WorkerFacts(),
            trades={BRICK: 0},
            location=(world.station.latitude, world.station.longitude),
        ),
    )
    assert loaded == expected


def test_naive_datetimes_count_as_utc():
    assert minute_of(datetime(1970, 1, 1, 1, 0)) == 60
