"""The demo province: counts, invariants, determinism, and identities stored only encrypted.

Each test loads the demo once into its own database (the determinism test also loads into fresh
SQLite apps to compare); loading takes a few seconds, so the checks are grouped.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import JSON, String, Text, cast, func, select
from sqlalchemy import text as sql

from config import TestingConfig
from kiosk.devices import kiosk_for_token
from webapp import create_app, refdata
from webapp.extensions import db
from webapp.identity import normalize_mobile, parse_resident_id, validate_uscc
from webapp.models import (
    Agency,
    Application,
    ApplicationEvent,
    CheckIn,
    Complaint,
    Consent,
    CreditEvent,
    Employer,
    Gig,
    GigRevision,
    Kiosk,
    LedgerDay,
    Market,
    StaffUser,
    Worker,
)
from webapp.models.types import (
    AgencyStatus,
    ApplicationSource,
    ApplicationStatus,
    ConsentPurpose,
    EmployerKind,
    GigStatus,
    MarketLevel,
    PayUnit,
    StaffRole,
)
from webapp.services import identity
from webapp.services.demo import HELD_STATUSES, load_demo, text
from webapp.services.demo import gigs as demo_gigs
from webapp.services.demo import markets as demo_markets
from webapp.services.demo.context import Context

SEED = 20241
TODAY = date(2026, 11, 22)
LOCAL = timezone(timedelta(hours=8))
MIDNIGHT = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=LOCAL)  # history ends here
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# Hashes, blind indexes, public ids and ciphertext shown as hex: long hex runs, never identity.
HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")
STEP_ORDER = (
    "applied_at",
    "accepted_at",
    "dispatched_at",
    "arrived_at",
    "completed_at",
    "paid_confirmed_at",
)
REACHED = {  # the step timestamps each status must carry
    ApplicationStatus.PROPOSED: (),
    ApplicationStatus.APPLIED: STEP_ORDER[:1],
    ApplicationStatus.ACCEPTED: STEP_ORDER[:2],
    ApplicationStatus.DISPATCHED: STEP_ORDER[:3],
    ApplicationStatus.ARRIVED: STEP_ORDER[:4],
    ApplicationStatus.COMPLETED: STEP_ORDER[:5],
    ApplicationStatus.PAID_CONFIRMED: STEP_ORDER,
    ApplicationStatus.DECLINED: STEP_ORDER[:1],
    ApplicationStatus.WITHDRAWN: STEP_ORDER[:1],
    ApplicationStatus.CANCELLED: STEP_ORDER[:2],
    ApplicationStatus.NO_SHOW: STEP_ORDER[:3],
}


def _load(app, seed: int = SEED):
    """Load the demo into the app's database and commit, as the CLI does."""
    with app.app_context():
        summary = load_demo(seed=seed, today=TODAY)
        db.session.commit()
    return summary


@pytest.fixture
def fast_hashes(monkeypatch):
    """Skip argon2 for tests that do not look at passwords (it is most of the load time)."""
    monkeypatch.setattr(
        demo_markets,
        "hash_password",
        lambda pw: "$demo$" + hashlib.sha256(pw.encode()).hexdigest(),
    )


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_demo_counts_invariants_and_cli(app, runner):
    summary = _load(app)
    with app.app_context():
        s = db.session
        levels = Counter(s.scalars(select(Market.level)))
        assert levels[MarketLevel.PROVINCE] == 1
        assert levels[MarketLevel.CITY] == 2
        assert levels[MarketLevel.STATION] == 4
        stations = s.scalars(select(Market).where(Market.level == MarketLevel.STATION)).all()
        for station in stations:
            assert station.opens_at < station.closes_at
            assert station.hotline
            assert station.complaint_channel
            assert "12333" in station.complaint_channel
            assert station.services.count("\n") >= 5
            assert station.guide
            assert station.capacity
            assert refdata.region(station.region_code).level == "county"

        # Staff: 3 per station, a supervisor per city, a province supervisor and an auditor.
        roles = Counter(s.scalars(select(StaffUser.role)))
        assert roles == {
            StaffRole.STATION_ADMIN: 4,
            StaffRole.STATION_STAFF: 8,
            StaffRole.SUPERVISOR: 3,
            StaffRole.AUDITOR: 1,
        }
        assert len(summary.accounts) == 16
        assert len({a.password for a in summary.accounts}) == 16
        report = summary.report()
        for account in summary.accounts:
            assert account.username in report
            assert account.password in report
        admin = summary.accounts[0]
        stored = s.scalar(
            select(StaffUser.password_hash).where(StaffUser.username == admin.username)
        )
        assert stored.startswith("$argon2id$")
        assert PasswordHasher().verify(stored, admin.password)

        # Kiosks: each station's own, registered by its admin; their device codes are printed
        # once, after the staff accounts, and each one signs its kiosk in.
        kiosks = s.scalars(select(Kiosk)).all()
        assert Counter(k.market.name for k in kiosks) == {
            spec.name: spec.kiosks for spec in text.STATIONS
        }
        assert all(spec.kiosks >= 1 for spec in text.STATIONS)
        admin_of = {
            u.market_id: u.id
            for u in s.scalars(select(StaffUser).where(StaffUser.role == StaffRole.STATION_ADMIN))
        }
        assert all(k.registered_by_id == admin_of[k.market_id] for k in kiosks)
        assert len(summary.kiosks) == len(kiosks)
        assert len({token for _m, _k, token in summary.kiosks}) == len(kiosks)
        heading = "Kiosk device codes (enter at /kiosk/setup on each kiosk)"
        assert report.index(summary.accounts[-1].password) < report.index(heading)
        assert report.index(heading) < report.index("Rows:")
        for market_name, kiosk_name, token in summary.kiosks:
            assert token in report
            assert token not in repr(summary)
            kiosk = kiosk_for_token(token)
            assert kiosk is not None
            assert (kiosk.market.name, kiosk.name) == (market_name, kiosk_name)

        # Employers of every kind; agencies only through a valid licence.
        employers = s.scalars(select(Employer)).all()
        assert len(employers) == 50
        assert {e.kind for e in employers} == set(EmployerKind)
        # The exact 表4 unit type codes, none cut short to fit the column.
        bank_units = {name: unit for name, _s, _c, unit, *_rest in text.ENTERPRISES}
        for e in employers:
            if e.kind is EmployerKind.ENTERPRISE:
                assert e.unit_type == bank_units[e.name]
            elif e.kind is EmployerKind.INDIVIDUAL:
                assert e.unit_type == "individual_employer"
            else:
                assert e.unit_type == "llc"
            if e.kind is EmployerKind.HR_AGENCY:
                assert e.agency.status is AgencyStatus.VALID
                assert e.agency.valid_from <= TODAY <= e.agency.valid_until
            if e.uscc:
                assert validate_uscc(e.uscc) == e.uscc
            if e.verified_at:
                assert e.reverify_due_on > e.verified_at.date()
        assert {a.status for a in s.scalars(select(Agency))} >= {
            AgencyStatus.VALID,
            AgencyStatus.EXPIRED,
            AgencyStatus.REVOKED,
        }

        workers = {w.id: w for w in s.scalars(select(Worker))}
        assert len(workers) == 1000
        ages = [_age(w.birth_date, TODAY) for w in workers.values()]
        assert min(ages) >= 16
        assert max(ages) <= 65
        assert 1 <= sum(a < 18 for a in ages) <= 20
        assert 0.35 < sum(40 <= a <= 60 for a in ages) / len(ages) < 0.8

        gigs = {g.id: g for g in s.scalars(select(Gig))}
        assert len(gigs) == 200
        assert {g.trade_code for g in gigs.values()} == {t.code for t in refdata.trades()}
        assert {
            GigStatus.OPEN,
            GigStatus.FILLED,
            GigStatus.CLOSED,
            GigStatus.EXPIRED,
            GigStatus.PENDING_REVIEW,
            GigStatus.REJECTED,
        } <= {g.status for g in gigs.values()}
        for g in gigs.values():
            assert 1 <= g.headcount <= 20
            assert g.revision == 1
            assert g.heavy_or_hazardous == refdata.trade(g.trade_code).heavy_or_hazardous
            minimum = refdata.minimum_wage(g.area_code, g.starts_at.astimezone(LOCAL).date())
            if g.pay_unit is PayUnit.DAY:
                assert g.pay_amount >= minimum.daily
                assert g.pay_amount / g.daily_hours >= minimum.hourly
            else:
                assert g.pay_unit is PayUnit.HOUR
                assert g.pay_amount >= minimum.hourly
            if g.status is GigStatus.REJECTED:
                assert g.review_note
        assert s.scalar(select(func.count()).select_from(GigRevision)) == 200

        # Applications: every status and source, consistent counts and timestamps.
        apps = s.scalars(select(Application)).all()
        assert {a.status for a in apps} == set(ApplicationStatus)
        assert {a.source for a in apps} == set(ApplicationSource)
        held = Counter(a.gig_id for a in apps if a.status in HELD_STATUSES)
        for g in gigs.values():
            assert g.accepted_count == held[g.id] <= g.headcount
            if g.status is GigStatus.FILLED:
                assert g.accepted_count == g.headcount
        events = defaultdict(list)
        for e in s.scalars(select(ApplicationEvent).order_by(ApplicationEvent.id)):
            events[e.application_id].append(e)
        completed, no_shows, ratings = Counter(), Counter(), defaultdict(int)
        for a in apps:
            reached = REACHED[a.status]
            for attr in STEP_ORDER:
                assert (getattr(a, attr) is not None) == (attr in reached), (a.status, attr)
            moments = [a.created_at] + [getattr(a, attr) for attr in reached]
            if a.ended_at is not None:
                moments.append(a.ended_at)
            assert moments == sorted(moments), a.status
            assert moments[-1] < MIDNIGHT
            ends = a.status in (
                ApplicationStatus.DECLINED,
                ApplicationStatus.WITHDRAWN,
                ApplicationStatus.CANCELLED,
                ApplicationStatus.NO_SHOW,
            )
            assert (a.ended_at is not None) == ends
            if a.accepted_at is not None:
                assert a.worker_verification["status"] == "verified"
                assert a.employer_verification["status"] == "verified"
                assert a.agreed_pay_amount == gigs[a.gig_id].pay_amount
            trail = events[a.id]
            assert trail[0].from_status is None
            assert trail[-1].to_status == a.status.value
            assert [e.created_at for e in trail] == sorted(e.created_at for e in trail)
            worker, gig = workers[a.worker_id], gigs[a.gig_id]
            assert worker.created_at <= a.created_at
            if gig.heavy_or_hazardous:
                assert _age(worker.birth_date, gig.starts_at.astimezone(LOCAL).date()) >= 18
            if a.status in (ApplicationStatus.COMPLETED, ApplicationStatus.PAID_CONFIRMED):
                completed[a.worker_id] += 1
                ratings[a.worker_id] += a.employer_rating or 0
            if a.status is ApplicationStatus.NO_SHOW:
                no_shows[a.worker_id] += 1
            assert a.status in (ApplicationStatus.PROPOSED, ApplicationStatus.APPLIED) or (
                gig.status not in (GigStatus.PENDING_REVIEW, GigStatus.REJECTED)
            )
        assert sum(a.dispute for a in apps) >= 1
        for w in workers.values():
            assert w.completed_count == completed[w.id]
            assert w.no_show_count == no_shows[w.id]
            assert w.rating_sum == ratings[w.id]
        no_show_events = s.scalar(
            select(func.count()).select_from(CreditEvent).where(CreditEvent.kind == "no_show")
        )
        assert no_show_events == sum(no_shows.values())

        # Check-ins: about three months, 30-60 a station on most days, during opening hours.
        first, last = s.execute(
            select(func.min(CheckIn.checked_in_at), func.max(CheckIn.checked_in_at))
        ).one()
        assert (
            TODAY - timedelta(days=92)
            <= first.astimezone(LOCAL).date()
            <= TODAY - timedelta(days=88)
        )
        assert last.astimezone(LOCAL).date() == TODAY - timedelta(days=1)
        per_day = Counter(
            (m, t.astimezone(LOCAL).date())
            for m, t in s.execute(select(CheckIn.market_id, CheckIn.checked_in_at))
        )
        assert 30 <= sum(per_day.values()) / len(per_day) <= 60
        hours = {m.id: (m.opens_at, m.closes_at) for m in stations}
        for m, t_in, t_out in s.execute(
            select(CheckIn.market_id, CheckIn.checked_in_at, CheckIn.checked_out_at)
        ):
            opens, closes = hours[m]
            assert opens <= t_in.astimezone(LOCAL).time() < closes
            assert t_in < t_out

        consents = Counter(s.execute(select(Consent.purpose, Consent.subject_kind)).all())
        assert consents[ConsentPurpose.PERSONAL_INFO, "worker"] == 1000
        kiosk_verified = sum(w.verification_method == "kiosk_face" for w in workers.values())
        assert consents[ConsentPurpose.FACE_VERIFICATION, "worker"] == kiosk_verified
        for day in s.scalars(select(LedgerDay)):
            assert day.day < TODAY
            assert day.signed_off_by_id
            assert day.totals["supply"] > 0
        for c in s.scalars(select(Complaint)):
            assert c.due_at > c.created_at
            assert len(c.tracking_code) <= 16

    # The CLI refuses a database that already holds data; --if-empty skips quietly.
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "not empty" in result.output
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 1000


def _database_text(app, backend: str) -> str:
    """Everything the database holds, as text: the raw file on SQLite, every row on PostgreSQL."""
    with app.app_context():
        if backend == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.session.remove()  # return the session's connection first
            db.engine.dispose()
            path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
            files = [path] + [p for p in (path.with_name(path.name + "-wal"),) if p.exists()]
            return "".join(p.read_bytes().decode("latin-1") for p in files)
        parts = []
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if columns:
                for row in db.session.execute(select(*[cast(c, Text) for c in columns])):
                    parts.extend(v for v in row if v)
            parts.extend(db.session.scalars(sql(f'SELECT CAST(t AS text) FROM "{table.name}" t')))
        return "\n".join(parts)


def test_demo_stores_identity_only_encrypted(app, backend, fast_hashes):
    _load(app)
    plain: set[str] = set()
    with app.app_context():
        for worker in db.session.scalars(select(Worker)):
            number = identity.worker_id_number(worker)
            parsed = parse_resident_id(number, today=TODAY)
            assert parsed.number == number
            assert (parsed.birth_date, parsed.sex, parsed.region_code) == (
                worker.birth_date,
                worker.sex,
                worker.hukou_region,
            )
            plain.add(number)
            phone = identity.worker_phone(worker)
            if phone:
                assert normalize_mobile(phone) == phone
                plain.update((phone, phone.removeprefix("+86")))
        assert identity.find_worker_by_id_number(number).id == worker.id
        for employer in db.session.scalars(select(Employer)):
            plain.add(identity.reveal(employer, "contact_id"))
            phone = identity.reveal(employer, "contact_phone")
            plain.update((phone, phone.removeprefix("+86")))
        for gig in db.session.scalars(select(Gig)):
            assert normalize_mobile(identity.reveal(gig, "contact_phone"))
        for complaint in db.session.scalars(select(Complaint)):
            phone = identity.reveal(complaint, "contact_phone")
            if phone:
                plain.add(phone.removeprefix("+86"))
        with_phone = db.session.scalar(
            select(func.count()).select_from(Worker).where(Worker.phone_enc.is_not(None))
        )
        assert 600 <= with_phone <= 800

    stored = _database_text(app, backend)
    assert "0371-60011230" in stored  # the scan does see the data (a station hotline)
    scrubbed = HEX_RUN.sub(" ", stored)
    assert ID_NUMBER.findall(scrubbed) == []
    assert MOBILE.findall(scrubbed) == []
    # Every stored copy of a value would sit inside a run of digits (with X or +86 around it).
    runs = re.findall(r"[0-9Xx+]{11,}", stored)
    leaked = [value for value in plain if any(value in run for run in runs)]
    assert leaked == [], f"{len(leaked)} identity values stored in plain text"


def _fingerprint(app, summary) -> str:
    """A digest of what a seed decides: names, titles, pairings, statuses and counts."""
    with app.app_context():
        s = db.session
        payload = {
            "workers": [
                f"{n}|{b}"
                for n, b in s.execute(select(Worker.name, Worker.birth_date).order_by(Worker.id))
            ],
            "employers": list(s.scalars(select(Employer.name).order_by(Employer.id))),
            "gigs": [
                f"{t}|{p}|{h}"
                for t, p, h in s.execute(
                    select(Gig.title, Gig.pay_amount, Gig.headcount).order_by(Gig.id)
                )
            ],
            "applications": [
                f"{g}|{w}|{st}"
                for g, w, st in s.execute(
                    select(Application.gig_id, Application.worker_id, Application.status).order_by(
                        Application.id
                    )
                )
            ],
            "counts": {k: v for k, v in summary.counts.items() if k != "audit_events"},
        }
    return hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()


def _fresh_sqlite_app(request, tmp_path: Path, name: str):
    """Another app on its own freshly migrated SQLite file."""
    path = tmp_path / f"{name}.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )


def test_demo_is_deterministic(app, backend, request, tmp_path, fast_hashes):
    first = _fingerprint(app, _load(app))
    same = _fresh_sqlite_app(request, tmp_path, "same")
    apps = [same]
    try:
        assert _fingerprint(same, _load(same)) == first
        if backend == "sqlite":  # the backend plays no part in what a seed decides
            other = _fresh_sqlite_app(request, tmp_path, "other")
            apps.append(other)
            assert _fingerprint(other, _load(other, seed=SEED + 1)) != first
    finally:
        for extra in apps:
            with extra.app_context():
                db.session.remove()  # return the session's connection first
                db.engine.dispose()


def test_every_unit_type_code_fits_the_employer_column():
    limit = Employer.__table__.c.unit_type.type.length
    assert limit == 30
    too_long = [u.code for u in refdata.unit_types() if len(u.code) > limit]
    assert too_long == []


def test_demo_pay_helper_never_undercuts_the_minimum(app):
    """The pay rule on its own, for every trade, area class and a low-paying draw."""
    with app.app_context():
        ctx = Context(1, TODAY)
        for trade in refdata.trades():
            for area in ("410105", "410325"):  # 一类 and 二类 counties
                for _ in range(5):
                    amount, unit, hours = demo_gigs.pay(ctx, trade.code, area, 10, TODAY)
                    minimum = refdata.minimum_wage(area, TODAY)
                    assert amount >= minimum.hourly
                    if unit is PayUnit.DAY:
                        assert amount >= minimum.daily
                        assert Decimal(amount) / hours >= minimum.hourly
