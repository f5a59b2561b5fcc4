"""The daily record of the stations: three months of check-ins, the staff-kept ledgers
(① policy sessions, ④ specialist visits) and the signed-off days with their totals."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from webapp.extensions import db
from webapp.models import CheckIn, LedgerDay, PolicySession, SpecialistVisit
from webapp.models.types import ApplicationSource, CheckInMethod, FaceDecision
from webapp.services import audit

from . import text
from .context import (
    HISTORY_DAYS,
    Context,
    Station,
    WorkerPlan,
    bulk_insert,
    local_at,
    local_date,
)


def plan_checkins(ctx: Context) -> None:
    """30-60 walk-ins per station per day, regulars often; every walk-in hire has one."""
    forced: dict[tuple[str, date], dict[int, datetime]] = defaultdict(dict)
    for w in ctx.workers:
        if w.reg_at < ctx.cutoff and local_date(w.reg_at) >= ctx.day0:
            forced[w.station, local_date(w.reg_at)][w.index] = w.reg_at
    for gig, app, _row in ctx.app_rows:
        if app.source in (
            ApplicationSource.KIOSK_RECOMMENDATION,
            ApplicationSource.STAFF_DISPATCH,
        ):
            first = app.first_at
            spec = ctx.stations[gig.station].spec
            day = local_date(first)
            at = max(first - ctx.minutes(3, 40), local_at(day, spec.opens), app.worker.reg_at)
            slot = forced[gig.station, day]
            slot[app.worker.index] = min(slot.get(app.worker.index, at), at)
    by_station: dict[str, list[WorkerPlan]] = defaultdict(list)
    for w in ctx.workers:
        by_station[w.station].append(w)
    rows: list[dict] = []
    for spec in text.STATIONS:
        station = ctx.stations[spec.key]
        pool = by_station[spec.key]
        for offset in range(HISTORY_DAYS):
            day = ctx.day0 + timedelta(days=offset)
            day_start = local_at(day, time(0))
            present = [w for w in pool if w.reg_at < day_start and day not in w.busy_days]
            total_weight = sum(w.weight for w in present) or 1.0
            target = ctx.rng.randint(30, 60) if day.weekday() < 6 else ctx.rng.randint(18, 35)
            chosen: dict[int, datetime | None] = {}
            for w in present:
                if ctx.rng.random() < min(0.9, w.weight * target / total_weight):
                    chosen[w.index] = None
            chosen.update(forced.get((spec.key, day), {}))
            for index in sorted(chosen):
                rows.append(_checkin(ctx, station, ctx.workers[index], day, chosen[index]))
    ctx.checkins = rows


def _checkin(
    ctx: Context, station: Station, worker: WorkerPlan, day: date, at: datetime | None
) -> dict:
    """One check-in row: when, how (card and face, QR or staff) and at which kiosk."""
    rng = ctx.rng
    spec = station.spec
    opens, closes = local_at(day, spec.opens), local_at(day, spec.closes)
    registering = at is not None and at == worker.reg_at
    if at is None:
        span = (closes - opens).total_seconds() / 60 - 60
        at = opens + timedelta(minutes=int(min(rng.expovariate(1 / 75), span)))
    out = min(at + ctx.minutes(30, 360), closes)
    if registering:
        method = (
            CheckInMethod.ID_CARD_FACE
            if worker.method == "kiosk_face"
            else CheckInMethod.STAFF_ASSISTED
        )
    elif worker.method == "kiosk_face":
        method = rng.choices(
            (CheckInMethod.ID_CARD_FACE, CheckInMethod.QR, CheckInMethod.STAFF_ASSISTED),
            weights=(82, 13, 5),
            k=1,
        )[0]
    else:
        method = rng.choices(
            (CheckInMethod.QR, CheckInMethod.STAFF_ASSISTED), weights=(40, 60), k=1
        )[0]
    face = method is CheckInMethod.ID_CARD_FACE
    if worker.last_check_in is None or at > worker.last_check_in:
        worker.last_check_in = at
    return {
        "worker_id": worker.row.id,
        "market_id": station.market.id,
        "kiosk_id": None
        if method is CheckInMethod.STAFF_ASSISTED
        else rng.choice(station.kiosks).id,
        "method": method,
        "face_distance": round(rng.uniform(0.25, 0.45), 3) if face else None,
        "face_decision": FaceDecision.MATCH if face else None,
        "liveness_passed": True if face else None,
        "assisted_by_id": rng.choice(station.staff).id
        if method is CheckInMethod.STAFF_ASSISTED
        else None,
        "idempotency_key": None,
        "checked_in_at": at,
        "checked_out_at": out,
        "created_at": at,
    }


def write_checkins(ctx: Context) -> None:
    """Insert the check-ins in batches (Core executemany)."""
    bulk_insert(CheckIn, ctx.checkins)
    ctx.progress(f"check-ins {len(ctx.checkins)}")


def build_ledgers(ctx: Context) -> None:
    """Policy sessions, specialist visits and a run of signed-off days per station."""
    rng = ctx.rng
    sessions, visits = [], []
    for spec in text.STATIONS:
        station = ctx.stations[spec.key]
        day = ctx.day0 + timedelta(days=rng.randint(1, 8))
        while day < ctx.today:
            form = rng.choice(text.POLICY_FORMS)
            workers_reached = rng.randint(15, 80)
            sessions.append(
                PolicySession(
                    market_id=station.market.id,
                    day=day,
                    place=rng.choice(text.POLICY_PLACES),
                    form=form,
                    topics=sorted(
                        rng.sample(text.POLICY_TOPICS, rng.randint(1, 3)),
                        key=text.POLICY_TOPICS.index,
                    ),
                    speaker=station.admin.display_name
                    if rng.random() < 0.5
                    else rng.choice(station.staff).display_name,
                    workers_reached=workers_reached,
                    employers_reached=rng.randint(0, 8),
                    materials_handed_out=workers_reached + rng.randint(0, 40),
                    seekers_registered=rng.randint(0, workers_reached // 4),
                    demands_registered=rng.randint(0, 4),
                    attachments=[],
                    entered_by_id=rng.choice(station.staff).id,
                    created_at=local_at(day, time(17, 0)) + ctx.minutes(0, 60),
                )
            )
            day += timedelta(days=rng.randint(10, 16))
        local_employers = [
            e for e in ctx.employers if e.station == spec.key and e.posts_from is not None
        ]
        for _ in range(rng.randint(10, 14)):
            day = ctx.day0 + timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
            if day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)
            known = [e for e in local_employers if e.posts_from < local_at(day, time(0))]
            employer = rng.choice(known) if known and rng.random() < 0.75 else None
            demands = rng.randint(0, 3)
            visits.append(
                SpecialistVisit(
                    market_id=station.market.id,
                    day=day,
                    specialist_id=rng.choice(station.staff).id,
                    employer_id=employer.row.id if employer else None,
                    employer_name=employer.row.name
                    if employer
                    else rng.choice(text.UNREGISTERED_COMPANIES),
                    method=rng.choice(text.VISIT_METHODS),
                    content=sorted(
                        rng.sample(text.VISIT_CONTENT, rng.randint(1, 3)),
                        key=text.VISIT_CONTENT.index,
                    ),
                    demands_collected=demands,
                    people_needed=sum(rng.randint(1, 10) for _ in range(demands)),
                    issues=rng.choice(text.VISIT_ISSUES),
                    outcome=rng.choice(text.VISIT_OUTCOMES),
                    follow_up_on=day + timedelta(days=rng.randint(7, 30)),
                    created_at=local_at(day, time(16, 0)) + ctx.minutes(0, 90),
                )
            )
    db.session.add_all(sessions + visits)
    db.session.flush()
    _sign_off(ctx, sessions, visits)


def _sign_off(ctx: Context, sessions: list, visits: list) -> None:
    """LedgerDay rows for the days from ten days ago to two days ago, with totals."""
    per_day: dict[tuple[int, date], dict[str, int]] = defaultdict(
        lambda: {
            "policy": 0,
            "demand": 0,
            "demand_people": 0,
            "supply": 0,
            "supply_new": 0,
            "specialist": 0,
            "matching": 0,
        }
    )
    for s in sessions:
        per_day[s.market_id, s.day]["policy"] += 1
    for v in visits:
        per_day[v.market_id, v.day]["specialist"] += 1
    for gig in ctx.gigs:
        if gig.plan in ("pending", "rejected"):
            continue
        key = (gig.row.market_id, local_date(gig.created_at))
        per_day[key]["demand"] += 1
        per_day[key]["demand_people"] += gig.row.headcount
        for app in gig.apps:
            first = app.first_at
            per_day[gig.row.market_id, local_date(first)]["matching"] += 1
    seen: set[tuple[int, int, date]] = set()
    for c in ctx.checkins:
        day = local_date(c["checked_in_at"])
        if (c["market_id"], c["worker_id"], day) not in seen:
            seen.add((c["market_id"], c["worker_id"], day))
            per_day[c["market_id"], day]["supply"] += 1
    for w in ctx.workers:
        per_day[ctx.stations[w.station].market.id, local_date(w.reg_at)]["supply_new"] += 1
    days = []
    for spec in text.STATIONS:
        station = ctx.stations[spec.key]
        for back in range(10, 1, -1):
            day = ctx.today - timedelta(days=back)
            signed = local_at(day, spec.closes) + ctx.minutes(10, 60)
            days.append(
                LedgerDay(
                    market=station.market,
                    day=day,
                    signed_off_by_id=station.admin.id,
                    signed_off_at=signed,
                    totals=dict(per_day[station.market.id, day]),
                    created_at=signed,
                )
            )
    db.session.add_all(days)
    db.session.flush()
    for ledger_day in days:
        audit.record(
            "sign_off",
            actor_kind="staff",
            actor_id=ledger_day.signed_off_by_id,
            object_kind="ledger_day",
            object_id=ledger_day.id,
            market_id=ledger_day.market_id,
            detail={"day": ledger_day.day.isoformat(), "demo_history": True},
        )
