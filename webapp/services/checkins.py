"""Check-ins and on-site occupancy (合理把控入场人数)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import CheckIn, Market
from webapp.models.base import utcnow

WARN_RATIO = 0.9


@dataclass(frozen=True)
class Occupancy:
    """Who is on site now, against the market's capacity."""

    on_site: int
    capacity: int | None

    @property
    def level(self) -> str:
        """'full' at capacity, 'near' from 90 %, else 'ok'."""
        if not self.capacity:
            return "ok"
        if self.on_site >= self.capacity:
            return "full"
        return "near" if self.on_site >= WARN_RATIO * self.capacity else "ok"


def station_zone() -> ZoneInfo:
    """The stations' time zone."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_day_start(now: datetime | None = None) -> datetime:
    """Midnight today in the station's time zone, as aware UTC."""
    now = now or utcnow()
    local = now.astimezone(station_zone())
    return datetime.combine(local.date(), time(0), tzinfo=station_zone())


def open_check_ins(market_id: int, now: datetime | None = None):
    """Today's check-ins at a market that have not been closed: the people on site."""
    return (
        select(CheckIn)
        .where(
            CheckIn.market_id == market_id,
            CheckIn.checked_out_at.is_(None),
            CheckIn.checked_in_at >= local_day_start(now),
        )
        .order_by(CheckIn.checked_in_at)
    )


def occupancy(market: Market, now: datetime | None = None) -> Occupancy:
    """The on-site count and capacity of a market."""
    count = db.session.scalar(
        select(func.count()).select_from(open_check_ins(market.id, now).subquery())
    )
    return Occupancy(on_site=count, capacity=market.capacity)


def check_out(check_in: CheckIn, now: datetime | None = None) -> None:
    """Record that a worker left the site."""
    if check_in.checked_out_at is None:
        check_in.checked_out_at = now or utcnow()


def close_at_closing_time(now: datetime | None = None) -> int:
    """Close open check-ins once their market's closing time has passed (a scheduled job).

    Each is closed at the closing time of the day it was opened (or at check-in, if later).
    """
    now = now or utcnow()
    zone = station_zone()
    local_now = now.astimezone(zone)
    closed = 0
    markets = db.session.scalars(select(Market).where(Market.closes_at.is_not(None))).all()
    for market in markets:
        closing_today = datetime.combine(local_now.date(), market.closes_at, tzinfo=zone)
        cutoff = closing_today if local_now >= closing_today else local_day_start(now)
        rows = db.session.scalars(
            select(CheckIn).where(
                CheckIn.market_id == market.id,
                CheckIn.checked_out_at.is_(None),
                CheckIn.checked_in_at < cutoff,
            )
        ).all()
        for row in rows:
            day = row.checked_in_at.astimezone(zone).date()
            closing = datetime.combine(day, market.closes_at, tzinfo=zone)
            row.checked_out_at = max(closing, row.checked_in_at)
            closed += 1
    return closed
