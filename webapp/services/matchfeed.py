"""The matching feed: builds the engine's records from the database and keeps every process current.

Each web process (gunicorn runs several, each with threads) holds its own `matching.Engine`,
built lazily from the database on first use and kept current through the MatchChange log:

- Writing (webapp/services/matchlog.py). Every flush and bulk statement that touches a worker,
  a gig or what they depend on inserts MatchChange rows ("re-read worker 7", "re-read gig 12")
  in its own transaction, so a rollback drops them. A change that moves everything (a
  market's coordinates) writes kind "all": every process rebuilds.
- Reading. `sync()` runs before each query: one indexed query for the rows with an id above the
  last one applied (plus the ids it has seen missing, see below); it re-reads just those
  workers and gigs and upserts or removes them. Nothing changed: that one query is the cost.
- Ids out of order. On PostgreSQL, ids come from a sequence when a transaction inserts, but
  transactions commit in any order, and rolled-back ones leave holes. An id that is missing
  below the highest one seen is kept as a gap and asked for again on every sync for
  GAP_SECONDS (a transaction open longer than that is assumed not to exist); when it appears it
  is applied like any other row. Applying a row means re-reading the current state, so order
  and repetition do not matter.
- Pruning. `prune()` (the daily `prune_match_changes` job) deletes rows older than KEEP and
  inserts a kind "pruned" marker whose ref_id is the highest id deleted. A process whose last
  applied id is below a marker's ref_id may have missed deleted rows: it rebuilds.
- Time. Records that change with the clock are handled too: a new local day rebuilds (gigs
  today, certificate and employer-verification expiry); a sanction that starts or ends later is
  queued and the worker re-read at that minute. Results are checked against the database once
  more when the ORM rows are loaded (a gig still open, an employer still verified).
- Threads. One lock per app guards the engine and its sync; tests get a fresh app per test, so
  the feed lives in app.extensions["matchfeed"].

The mapping from rows to the engine's plain records is webapp/services/matchrecords.py; the
reasons in words are webapp/services/matchwords.py.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import selectinload

from matching.records import Reason
from webapp.extensions import db
from webapp.models import Application, CheckIn, Gig, MatchChange, Worker
from webapp.models.base import utcnow
from webapp.models.types import ApplicationStatus, VerificationStatus
from webapp.services import matchlog
from webapp.services.matchlog import prune
from webapp.services.matchrecords import (
    Loader,
    WorkerFacts,
    day_start,
    local_today,
    minute_of,
    to_gig_record,
    to_worker_record,
    trade_groups,
)
from webapp.services.matchwords import reason_text, why_not_text

__all__ = [
    "RankedGig",
    "RankedWorker",
    "WorkerFacts",
    "candidates",
    "engine",
    "gigs_for_worker",
    "install",
    "prune",
    "reason_text",
    "rebuild",
    "sync",
    "to_gig_record",
    "to_worker_record",
    "why_not",
    "why_not_codes",
    "why_not_text",
    "workers_for_gig",
]

log = logging.getLogger(__name__)

EXT_KEY = "matchfeed"
GAP_SECONDS = 300  # how long an id missing below the highest seen is looked for again
MAX_GAP_SPAN = 10_000  # a larger jump in ids (a sequence reset) is not tracked id by id
MARGIN = 10  # extra results asked of the engine, for the ones the final database check drops


# -- the feed -----------------------------------------------------------------------------------


class _Feed:
    """One app's engine and how far it has read the change log."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.engine = None
        self.last_id = 0
        self.gaps: dict[int, float] = {}  # id -> monotonic time it was first missed
        self.day: date | None = None  # the local day the engine was built on
        self.wake: list[tuple[int, int]] = []  # heap of (minute, worker id)
        self.builds = 0  # how many times the engine was (re)built, for tests and logs


def install(app) -> None:
    """Give the app its feed and record matching changes on every flush (no I/O here)."""
    app.extensions[EXT_KEY] = _Feed()
    matchlog.install()


def _feed() -> _Feed:
    feed = current_app.extensions.get(EXT_KEY)
    if feed is None:  # an app made without create_app's install step
        feed = current_app.extensions.setdefault(EXT_KEY, _Feed())
    return feed


def _reader() -> Connection:
    """Its own connection: the feed never sees a request's uncommitted rows."""
    return db.engine.connect()


def _gap_span(lo: int, hi: int) -> range:
    return range(lo + 1, hi) if hi - lo <= MAX_GAP_SPAN else range(0)


def _read_changes(s: Connection, feed: _Feed) -> list:
    """The change rows after the last applied one, and any missing ones that have appeared."""
    clock = time.monotonic()
    for gap, seen in list(feed.gaps.items()):
        if clock - seen > GAP_SECONDS:
            del feed.gaps[gap]
    condition = MatchChange.id > feed.last_id
    if feed.gaps:
        condition = or_(condition, MatchChange.id.in_(sorted(feed.gaps)))
    rows = s.execute(
        select(MatchChange.id, MatchChange.kind, MatchChange.ref_id)
        .where(condition)
        .order_by(MatchChange.id)
    ).all()
    top = max((r.id for r in rows), default=feed.last_id)
    if top > feed.last_id:
        returned = {r.id for r in rows}
        for missing in _gap_span(feed.last_id, top):
            if missing not in returned:
                feed.gaps.setdefault(missing, clock)
    for r in rows:
        feed.gaps.pop(r.id, None)
    feed.last_id = max(feed.last_id, top)
    return rows


def _build(feed: _Feed) -> None:
    """Build the engine from the database: every eligible worker and open gig."""
    from matching.engine import Engine

    started = time.perf_counter()
    now = utcnow()
    with _reader() as s:
        # Read the log first: whatever commits while we load is applied by the next sync.
        feed.last_id, feed.gaps = _watermark(s, now), {}
        _read_changes(s, feed)
        loader = Loader(s, now)
        workers, _ = loader.workers(None)
        gigs, _ = loader.gigs(None)
    engine = Engine(trade_groups())
    engine.build(workers, gigs)
    feed.engine = engine
    feed.day = loader.today
    feed.wake = list(loader.wake)
    heapq.heapify(feed.wake)
    feed.builds += 1
    log.info(
        "matching engine built: %d workers, %d gigs in %.0f ms",
        len(workers),
        len(gigs),
        (time.perf_counter() - started) * 1000,
    )


def _watermark(s: Connection, now: datetime) -> int:
    """The highest change id old enough that nothing below it can still be uncommitted."""
    cutoff = now - timedelta(seconds=GAP_SECONDS)
    old = s.scalar(select(func.max(MatchChange.id)).where(MatchChange.created_at < cutoff))
    pruned = s.scalar(select(func.max(MatchChange.ref_id)).where(MatchChange.kind == "pruned"))
    return max(old or 0, pruned or 0)


def _sync(feed: _Feed) -> int:
    """Apply the changes since the last sync (under feed.lock); return how many rows applied."""
    if feed.engine is None:
        _build(feed)
        return 0
    now = utcnow()
    if local_today(now) != feed.day:
        _build(feed)  # a new day: gigs today, certificate and verification expiry
        return 0
    before = feed.last_id
    with _reader() as s:
        rows = _read_changes(s, feed)
        if any(r.kind == "all" or (r.kind == "pruned" and r.ref_id > before) for r in rows):
            _build(feed)
            return len(rows)
        workers = {r.ref_id for r in rows if r.kind == "worker"}
        gigs = {r.ref_id for r in rows if r.kind == "gig"}
        minute = minute_of(now)
        while feed.wake and feed.wake[0][0] <= minute:
            workers.add(heapq.heappop(feed.wake)[1])
        if not workers and not gigs:
            return len(rows)
        loader = Loader(s, now)
        engine = feed.engine
        if workers:
            records, gone = loader.workers(sorted(workers))
            for record in records:
                engine.upsert_worker(record)
            for worker_id in gone:
                if engine.has_worker(worker_id):
                    engine.remove_worker(worker_id)
            for item in loader.wake:
                heapq.heappush(feed.wake, item)
        if gigs:
            records, gone = loader.gigs(sorted(gigs))
            for record in records:
                engine.upsert_gig(record)
            for gig_id in gone:
                if engine.has_gig(gig_id):
                    engine.remove_gig(gig_id)
    return len(rows)


def engine():
    """This process's engine for the current app, built on first use and kept current."""
    feed = _feed()
    with feed.lock:
        if feed.engine is None:
            _build(feed)
        return feed.engine


def sync() -> int:
    """Apply the MatchChange rows not yet applied; returns how many were read (0: nothing new)."""
    feed = _feed()
    with feed.lock:
        return _sync(feed)


def rebuild() -> None:
    """Throw the engine away and build it again from the database."""
    feed = _feed()
    with feed.lock:
        _build(feed)


# -- queries ------------------------------------------------------------------------------------


@dataclass
class RankedGig:
    """A gig for a worker, with the engine's score and reasons (in words and as codes)."""

    gig: Gig
    score: float
    reasons: list[str]
    codes: list[Reason]


@dataclass
class RankedWorker:
    """A worker for a gig, with the score, reasons in words, and whether they are on site."""

    worker: Worker
    score: float
    reasons: list[str]
    on_site: bool
    codes: list[Reason] = field(default_factory=list)


def _now_and_day() -> tuple[datetime, int, int]:
    now = utcnow()
    return now, minute_of(now), minute_of(day_start(now))


def _taking_signups(gig: Gig) -> bool:
    from webapp.services import gigs, verification

    return gigs.is_taking_signups(gig) and verification.is_verified(gig.employer)


def gigs_for_worker(
    worker: Worker, *, k: int = 20, market_ids: Iterable[int] | None = None
) -> list[RankedGig]:
    """The worker's best open gigs (optionally only in these markets), best first."""
    now, minute, day_start = _now_and_day()
    exclude = set(
        db.session.scalars(
            select(Application.gig_id).where(
                Application.worker_id == worker.id,
                Application.status != ApplicationStatus.WITHDRAWN,
            )
        )
    )
    markets = None if market_ids is None else sorted(set(market_ids))
    feed = _feed()
    with feed.lock:
        _sync(feed)
        if not feed.engine.has_worker(worker.id):
            return []
        matches = feed.engine.top_gigs(
            worker.id,
            now=minute,
            day_start=day_start,
            k=k + MARGIN,
            markets=markets,
            exclude=tuple(sorted(exclude)),
        )
    if not matches:
        return []
    rows = {
        g.id: g
        for g in db.session.scalars(
            select(Gig)
            .options(selectinload(Gig.employer), selectinload(Gig.market))
            .where(Gig.id.in_([m.id for m in matches]))
        )
    }
    ranked = []
    for match in matches:
        gig = rows.get(match.id)
        if gig is None or not _taking_signups(gig):
            continue
        ranked.append(
            RankedGig(
                gig=gig,
                score=match.score,
                reasons=[reason_text(r, pay_unit=gig.pay_unit) for r in match.reasons],
                codes=list(match.reasons),
            )
        )
        if len(ranked) == k:
            break
    return ranked


def _on_site_ids(worker_ids: Iterable[int], market_id: int, now: datetime) -> set[int]:
    ids = list(worker_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(CheckIn.worker_id).where(
                CheckIn.worker_id.in_(ids),
                CheckIn.market_id == market_id,
                CheckIn.checked_out_at.is_(None),
                CheckIn.checked_in_at >= day_start(now),
            )
        )
    )


def _rank_workers(gig: Gig, matches, now: datetime) -> list[RankedWorker]:
    if not matches:
        return []
    rows = {
        w.id: w
        for w in db.session.scalars(select(Worker).where(Worker.id.in_([m.id for m in matches])))
    }
    here = _on_site_ids(rows, gig.market_id, now)
    ranked = []
    for match in matches:
        worker = rows.get(match.id)
        if worker is None or not worker.is_active:
            continue
        if worker.verification_status != VerificationStatus.VERIFIED:
            continue
        ranked.append(
            RankedWorker(
                worker=worker,
                score=match.score,
                reasons=[reason_text(r, pay_unit=gig.pay_unit) for r in match.reasons],
                on_site=worker.id in here or any(r.code == "on_site" for r in match.reasons),
                codes=list(match.reasons),
            )
        )
    return ranked


def _applied_ids(gig: Gig) -> set[int]:
    return set(
        db.session.scalars(select(Application.worker_id).where(Application.gig_id == gig.id))
    )


def _top_workers(feed: _Feed, gig: Gig, k: int, on_site: bool, exclude, minute, day_start):
    if not feed.engine.has_gig(gig.id):
        return []
    return feed.engine.top_workers(
        gig.id,
        now=minute,
        day_start=day_start,
        k=k,
        on_site=on_site,
        exclude=tuple(sorted(exclude)),
    )


def workers_for_gig(
    gig: Gig, *, k: int = 50, on_site: bool = False, exclude_applied: bool = True
) -> list[RankedWorker]:
    """The best workers for a gig (only those on site today if on_site), best first."""
    now, minute, day_start = _now_and_day()
    exclude = _applied_ids(gig) if exclude_applied else set()
    feed = _feed()
    with feed.lock:
        _sync(feed)
        matches = _top_workers(feed, gig, k + MARGIN, on_site, exclude, minute, day_start)
    return _rank_workers(gig, matches, now)[:k]


def candidates(gig: Gig, *, k: int = 50) -> list[RankedWorker]:
    """Walk-ins on site first, then every other registered worker; no one twice; at most k."""
    now, minute, day_start = _now_and_day()
    exclude = _applied_ids(gig)
    feed = _feed()
    with feed.lock:
        _sync(feed)
        here = _top_workers(feed, gig, k + MARGIN, True, exclude, minute, day_start)
        seen = exclude | {m.id for m in here}
        rest = _top_workers(feed, gig, k + MARGIN, False, seen, minute, day_start)
    first = _rank_workers(gig, here, now)
    for ranked in first:
        ranked.on_site = True
    return (first + _rank_workers(gig, rest, now))[:k]


# -- why not ------------------------------------------------------------------------------------


def why_not_codes(worker: Worker, gig: Gig) -> list[str]:
    """Why a worker is not offered a gig, as codes (engine hard filters, or the feed's own)."""
    codes = []
    if db.session.scalar(
        select(Application.id).where(
            Application.worker_id == worker.id,
            Application.gig_id == gig.id,
            Application.status != ApplicationStatus.WITHDRAWN,
        )
    ):
        codes.append("applied")
    now = utcnow()
    feed = _feed()
    with feed.lock:
        _sync(feed)
        has_worker, has_gig = feed.engine.has_worker(worker.id), feed.engine.has_gig(gig.id)
        if has_worker and has_gig:
            codes.extend(feed.engine.why_not(worker.id, gig.id, now=minute_of(now)))
    if not has_worker:
        codes.append("worker_unavailable")
    if not has_gig:
        codes.append("gig_unavailable")
    return codes


def why_not(worker: Worker, gig: Gig) -> list[str]:
    """Why a worker is not offered a gig, in words (empty: nothing stands in the way)."""
    return [why_not_text(code) for code in why_not_codes(worker, gig)]
