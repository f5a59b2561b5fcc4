"""Workers and gigs as the matching engine sees them: the mapping from database rows to records.

The engine (matching/) gets plain records (matching/records.py), never ORM rows. The mapping:

- Pay per day: an hour rate x the gig's daily hours (8 if not stated); a day rate as it is; a
  month / 21.75 (月计薪天数, refdata.DAYS_PER_MONTH, as the screening rules use); a piece rate
  as it is (the card and the reason say "per piece"). A worker's wish likewise (8 hours).
- Where: the gig's own coordinates, else its market's; the worker's market of today's check-in,
  else the registered market.
- Skill levels from WorkerTrade; certificates valid today (valid_until empty or not past).
- Busy: the [start, end) minutes of the worker's held places not yet done (accepted,
  dispatched, arrived) whose gig has not ended.
- Reliability: see `reliability`. Employer standing: credit_score / 100.
- Sanctioned: a sanction not lifted, started and not expired.
- Check-in: the latest check-in while still open (not checked out); on site if today.
- Gigs today: places held whose acceptance was today (local day).
- Age: 16, or 18 for heavy or hazardous work (the posting's flag or its trade's reference flag)
  or work needing a 特种作业 / 特种设备 certificate; no upper limit (none set by law here).
- Weekday: the gig's start in the market's time zone (gigs.local_zone()).
- Eligible: verified, active workers; open gigs, valid today, not ended, a place free, whose
  employer is verified today and under no live sanction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from matching.records import GigRecord, WorkerRecord
from webapp import refdata
from webapp.models import (
    Application,
    CheckIn,
    Employer,
    Gig,
    Market,
    Sanction,
    Worker,
    WorkerCertificate,
    WorkerTrade,
)
from webapp.models.types import ApplicationStatus, GigStatus, PayUnit, VerificationStatus

HOURS_PER_DAY = Decimal(8)
ADULT_AGE = 18
MIN_AGE = 16
# Held places whose time is still ahead: they make a worker busy (completed work does not).
BUSY_STATUSES = (
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.DISPATCHED,
    ApplicationStatus.ARRIVED,
)
HELD = (*BUSY_STATUSES, ApplicationStatus.COMPLETED, ApplicationStatus.PAID_CONFIRMED)
WEEKDAYS = 0b0011111  # Monday .. Friday
WEEKENDS = 0b1100000
ALL_DAYS = 0x7F


# -- times --------------------------------------------------------------------------------------


def minute_of(moment: datetime) -> int:
    """Whole minutes since the Unix epoch (UTC), as the engine counts time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 60)


def day_number(day: date) -> int:
    """Whole days since 1970-01-01."""
    return (day - date(1970, 1, 1)).days


def local_zone():
    """The markets' time zone (gigs.local_zone)."""
    from webapp.services import gigs

    return gigs.local_zone()


def local_today(now: datetime) -> date:
    """The markets' date at a moment."""
    return now.astimezone(local_zone()).date()


def day_start(now: datetime) -> datetime:
    """Local midnight of that date, as aware UTC."""
    from webapp.services.checkins import local_day_start

    return local_day_start(now)


# -- mapping ------------------------------------------------------------------------------------


def pay_per_day(amount: Decimal | float | None, unit: PayUnit | str | None, daily_hours=None):
    """Pay as yuan per day: an hour rate x the daily hours (8 if not stated), a day rate as it
    is, a month / 21.75 (月计薪天数), a piece rate as it is (the card says it is per piece)."""
    if amount is None or unit is None:
        return None
    if unit == PayUnit.HOUR:
        hours = Decimal(daily_hours) if daily_hours else HOURS_PER_DAY
        return float(Decimal(amount) * hours)
    if unit == PayUnit.MONTH:
        return float(Decimal(amount) / refdata.DAYS_PER_MONTH)
    if unit in (PayUnit.DAY, PayUnit.PIECE):  # a piece rate: no daily estimate to be had
        return float(amount)
    raise ValueError(f"unknown pay unit {unit!r}")


def available_weekdays(availability: Mapping | None) -> int:
    """The weekday bit mask (bit 0 = Monday) from Worker.availability.

    The kiosk stores {"days": "any" | "weekdays" | "weekends"}; phones may store a list of
    ISO weekday numbers (1 = Monday ... 7 = Sunday). Anything else means every day.
    """
    return weekdays_of((availability or {}).get("days"))


def weekdays_of(days: Any) -> int:
    """The weekday mask of an availability's "days" value (also as JSON text: '[1, 2]')."""
    if days == "weekdays":
        return WEEKDAYS
    if days == "weekends":
        return WEEKENDS
    if isinstance(days, str) and days.startswith("["):
        try:
            days = json.loads(days)
        except ValueError:
            return ALL_DAYS
    if isinstance(days, list):
        mask = 0
        for day in days:
            if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 7:
                mask |= 1 << (day - 1)
        return mask or ALL_DAYS
    return ALL_DAYS


def reliability(
    completed: int, no_shows: int, late_cancels: int, rating_sum: int, rating_count: int
) -> float:
    """0..1 from a worker's record; a newcomer is 0.5.

    turn-up = (completed + 1) / (completed + no_shows + late_cancels / 2 + 2)   (Laplace: 1 of 2)
    rating  = (sum of (stars - 1) / 4 + 1) / (ratings + 2)                      (same prior)
    reliability = 0.7 x turn-up + 0.3 x rating
    A late cancellation counts half a no-show. Ten gigs done, no no-show, all 5 stars: 0.92.
    """
    completed = completed if completed and completed > 0 else 0
    no_shows = no_shows if no_shows and no_shows > 0 else 0
    late_cancels = late_cancels if late_cancels and late_cancels > 0 else 0
    turn_up = (completed + 1) / (completed + no_shows + late_cancels / 2 + 2)
    if rating_count and rating_count > 0:
        stars = min(max((rating_sum or 0) - rating_count, 0) / 4, rating_count)
        rating = (stars + 1) / (rating_count + 2)
    else:
        rating = 0.5
    return round(0.7 * turn_up + 0.3 * rating, 4)


def standing(credit_score: int | None) -> float:
    """An employer's credit score (0..100) as 0..1."""
    if credit_score is None:
        return 0.5
    return min(max(credit_score / 100, 0.0), 1.0)


@dataclass(frozen=True)
class WorkerFacts:
    """What a worker record needs besides the worker row itself."""

    trades: Mapping[str, int] = field(default_factory=dict)  # trade code -> skill level
    certificates: frozenset[str] = frozenset()  # valid today
    busy: tuple[tuple[int, int], ...] = ()
    sanctioned: bool = False
    check_in_market: int | None = None  # the latest check-in still open
    check_in_minute: int | None = None
    location: tuple[float, float] | None = None  # today's station, else the home market
    gigs_today: int = 0
    weekdays: int | None = None  # the availability mask when already worked out (bulk loads)


def to_worker_record(worker: Any, facts: WorkerFacts) -> WorkerRecord:
    """The engine's record of a worker (an ORM Worker or a row with the same attributes)."""
    lat, lon = facts.location if facts.location else (None, None)
    return WorkerRecord(
        id=worker.id,
        trades=dict(facts.trades),
        certificates=frozenset(facts.certificates),
        birth_day=day_number(worker.birth_date),
        desired_pay_per_day=pay_per_day(worker.desired_pay_amount, worker.desired_pay_unit),
        lat=lat,
        lon=lon,
        available_weekdays=(
            available_weekdays(worker.availability) if facts.weekdays is None else facts.weekdays
        ),
        busy=tuple(sorted(facts.busy)),
        reliability=reliability(
            worker.completed_count,
            worker.no_show_count,
            worker.late_cancel_count,
            worker.rating_sum,
            worker.rating_count,
        ),
        sanctioned=facts.sanctioned,
        checked_in_market=facts.check_in_market,
        checked_in_at=facts.check_in_minute,
        gigs_today=facts.gigs_today,
    )


def min_age_for(gig: Any) -> int:
    """16, or 18 for heavy or hazardous work (the posting's flag or its trade's reference flag,
    未成年工特殊保护规定) or work that needs a 特种作业 / 特种设备 certificate (18 by law).

    A health certificate (健康证) alone does not raise the age: 16-17 year olds may wait tables.
    """
    try:
        heavy_trade = refdata.trade(gig.trade_code).heavy_or_hazardous
    except KeyError:
        heavy_trade = False
    special = any("特种" in str(name) for name in gig.certificates_required or ())
    return ADULT_AGE if gig.heavy_or_hazardous or heavy_trade or special else MIN_AGE


def to_gig_record(gig: Any, *, market: Any = None, employer: Any = None, zone=None) -> GigRecord:
    """The engine's record of a gig (an ORM Gig, or a row with the same attributes plus the
    market and employer given). Coordinates: the gig's own, else its market's."""
    market = market if market is not None else gig.market
    employer = employer if employer is not None else gig.employer
    zone = zone or local_zone()
    lat, lon = gig.latitude, gig.longitude
    if lat is None or lon is None:
        lat, lon = (market.latitude, market.longitude) if market is not None else (None, None)
    return GigRecord(
        id=gig.id,
        market_id=gig.market_id,
        trade=gig.trade_code,
        starts=minute_of(gig.starts_at),
        ends=minute_of(gig.ends_at),
        start_weekday=gig.starts_at.astimezone(zone).weekday(),
        pay_per_day=pay_per_day(gig.pay_amount, gig.pay_unit, gig.daily_hours) or 0.0,
        open_slots=gig.headcount - (gig.accepted_count or 0),
        level_required=gig.skill_level_required or 0,
        certificates=frozenset(gig.certificates_required or ()),
        min_age=min_age_for(gig),
        max_age=None,  # no legal upper limit applies to these trades
        lat=lat,
        lon=lon,
        employer_standing=standing(getattr(employer, "credit_score", None)),
    )


def trade_groups() -> dict[str, str]:
    """Trade code -> related-trade group, for the engine."""
    return {t.code: t.group for t in refdata.trades()}


# -- reading the database -----------------------------------------------------------------------


def _live_sanction(column, ids: Iterable[int] | None, now: datetime):
    """A query of (subject id, starts_at, expires_at) for sanctions not lifted nor expired."""
    query = select(column, Sanction.starts_at, Sanction.expires_at).where(
        column.is_not(None),
        Sanction.lifted_at.is_(None),
        or_(Sanction.expires_at.is_(None), Sanction.expires_at > now),
    )
    if ids is not None:
        query = query.where(column.in_(list(ids)))
    return query


class Loader:
    """Reads workers and gigs for the engine in a few set-based queries (ids=None: all)."""

    def __init__(self, connection: Connection, now: datetime):
        # Plain Core rows on a connection: no ORM row processing for 100k rows.
        self.s = connection
        self.now = now
        self.today = local_today(now)
        self.day_start = day_start(now)
        self.zone = local_zone()
        self.markets = {
            m.id: m
            for m in self.s.execute(
                select(Market.id, Market.latitude, Market.longitude, Market.is_active)
            )
        }
        self.coords = {
            m.id: (m.latitude, m.longitude)
            for m in self.markets.values()
            if m.latitude is not None and m.longitude is not None
        }
        self.wake: list[tuple[int, int]] = []  # (minute, worker id): re-read then

    def workers(self, ids: list[int] | None) -> tuple[list[WorkerRecord], set[int]]:
        """Records of the eligible workers among ids (all if None), and the ids that are not."""
        s, now = self.s, self.now
        query = select(
            Worker.id,
            Worker.birth_date,
            Worker.desired_pay_amount,
            Worker.desired_pay_unit,
            # Just the days, as text: decoding every availability document costs more.
            Worker.availability["days"].as_string().label("days"),
            Worker.registered_market_id,
            Worker.completed_count,
            Worker.no_show_count,
            Worker.late_cancel_count,
            Worker.rating_sum,
            Worker.rating_count,
        ).where(
            Worker.is_active.is_(True), Worker.verification_status == VerificationStatus.VERIFIED
        )
        if ids is not None:
            query = query.where(Worker.id.in_(ids))
        rows = s.execute(query).all()
        eligible = {r.id for r in rows}
        gone = set(ids or ()) - eligible
        if not rows:
            return [], gone

        def scoped(q, column):
            return q.where(column.in_(list(eligible))) if ids is not None else q

        trades: dict[int, dict[str, int]] = defaultdict(dict)
        for wid, code, level in s.execute(
            scoped(
                select(WorkerTrade.worker_id, WorkerTrade.trade_code, WorkerTrade.skill_level),
                WorkerTrade.worker_id,
            )
        ):
            trades[wid][code] = level or 0
        certificates: dict[int, set[str]] = defaultdict(set)
        for wid, name in s.execute(
            scoped(
                select(WorkerCertificate.worker_id, WorkerCertificate.name).where(
                    or_(
                        WorkerCertificate.valid_until.is_(None),
                        WorkerCertificate.valid_until >= self.today,
                    )
                ),
                WorkerCertificate.worker_id,
            )
        ):
            certificates[wid].add(name)
        busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for wid, starts, ends in s.execute(
            scoped(
                select(Application.worker_id, Gig.starts_at, Gig.ends_at)
                .join(Gig, Gig.id == Application.gig_id)
                .where(Application.status.in_(BUSY_STATUSES), Gig.ends_at > now),
                Application.worker_id,
            )
        ):
            busy[wid].append((minute_of(starts), minute_of(ends)))
        gigs_today: dict[int, int] = defaultdict(int)
        for wid, count in s.execute(
            scoped(
                select(Application.worker_id, func.count())
                .where(Application.status.in_(HELD), Application.accepted_at >= self.day_start)
                .group_by(Application.worker_id),
                Application.worker_id,
            )
        ):
            gigs_today[wid] = count
        sanctioned: set[int] = set()
        for wid, starts, expires in s.execute(
            _live_sanction(Sanction.worker_id, eligible if ids is not None else None, now)
        ):
            if starts <= now:
                sanctioned.add(wid)
                if expires is not None:
                    self.wake.append((minute_of(expires), wid))
            else:
                self.wake.append((minute_of(starts), wid))
        # The latest check-in of each worker (by id, which grows with time).
        latest = scoped(
            select(CheckIn.worker_id, func.max(CheckIn.id).label("id")).group_by(CheckIn.worker_id),
            CheckIn.worker_id,
        ).subquery()
        check_ins = {
            row.worker_id: row
            for row in s.execute(
                select(
                    CheckIn.worker_id,
                    CheckIn.market_id,
                    CheckIn.checked_in_at,
                    CheckIn.checked_out_at,
                ).join(latest, latest.c.id == CheckIn.id)
            )
        }
        records = []
        for row in rows:
            visit = check_ins.get(row.id)
            here_today = visit is not None and visit.checked_in_at >= self.day_start
            still_in = visit is not None and visit.checked_out_at is None
            location = (self.coords.get(visit.market_id) if here_today else None) or (
                self.coords.get(row.registered_market_id)
            )
            facts = WorkerFacts(
                trades=trades.get(row.id, {}),
                certificates=frozenset(certificates.get(row.id, ())),
                busy=tuple(busy.get(row.id, ())),
                sanctioned=row.id in sanctioned,
                check_in_market=visit.market_id if still_in else None,
                check_in_minute=minute_of(visit.checked_in_at) if still_in else None,
                location=location,
                gigs_today=gigs_today.get(row.id, 0),
                weekdays=weekdays_of(row.days),
            )
            records.append(to_worker_record(row, facts))
        return records, gone

    def gigs(self, ids: list[int] | None) -> tuple[list[GigRecord], set[int]]:
        """Records of the gigs among ids (all if None) that take sign-ups, and those that do not.

        Taking sign-ups: open, valid today, not yet ended, a place free, the employer verified
        and not under a live sanction.
        """
        s, now = self.s, self.now
        verified_on = now.date()  # verification.effective_status compares with the UTC date
        query = (
            select(
                Gig.id,
                Gig.employer_id,
                Gig.market_id,
                Gig.trade_code,
                Gig.starts_at,
                Gig.ends_at,
                Gig.pay_amount,
                Gig.pay_unit,
                Gig.daily_hours,
                Gig.headcount,
                Gig.accepted_count,
                Gig.skill_level_required,
                Gig.certificates_required,
                Gig.heavy_or_hazardous,
                Gig.latitude,
                Gig.longitude,
                Employer.credit_score,
            )
            .join(Employer, Employer.id == Gig.employer_id)
            .where(
                Gig.status == GigStatus.OPEN,
                Gig.valid_until >= self.today,
                Gig.ends_at > now,
                Gig.accepted_count < Gig.headcount,
                Employer.verification_status == VerificationStatus.VERIFIED,
                or_(Employer.reverify_due_on.is_(None), Employer.reverify_due_on >= verified_on),
            )
        )
        if ids is not None:
            query = query.where(Gig.id.in_(ids))
        gigs = s.execute(query).all()
        employer_ids = {g.employer_id for g in gigs}
        barred = set()
        if employer_ids:
            for eid, starts, _expires in s.execute(
                _live_sanction(Sanction.employer_id, employer_ids, now)
            ):
                if starts <= now:
                    barred.add(eid)
        records = [
            to_gig_record(g, market=self.markets.get(g.market_id), employer=g, zone=self.zone)
            for g in gigs
            if g.employer_id not in barred
        ]
        kept = {r.id for r in records}
        return records, set(ids or ()) - kept
