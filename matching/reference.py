"""The reference engine: the matching rules written the straightforward way (参考实现).

Dicts of records and Python loops, no numpy, no index. It has the same API as
:class:`matching.engine.Engine` and must give the same answers; the property tests and the
benchmark compare the two (:func:`compare_matches`). Use it to read what the rules are.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping

from matching import scoring
from matching.records import GigRecord, Match, WorkerRecord
from matching.weights import DEFAULT_WEIGHTS, Weights


class ReferenceEngine:
    """Straightforward matching over dicts of records (slow; for tests and the benchmark)."""

    def __init__(self, trade_groups: Mapping[str, str], weights: Weights | None = None):
        self.trade_groups = dict(trade_groups)
        self.weights = weights or DEFAULT_WEIGHTS
        self._workers: dict[int, WorkerRecord] = {}
        self._gigs: dict[int, GigRecord] = {}

    # ---- contents ----------------------------------------------------------------------------
    def build(self, workers: Iterable[WorkerRecord], gigs: Iterable[GigRecord]) -> None:
        """Replace everything (a later record with the same id wins)."""
        self._workers = {w.id: w for w in workers}
        self._gigs = {g.id: g for g in gigs}

    def upsert_worker(self, record: WorkerRecord) -> None:
        """Add or replace a worker."""
        self._workers[record.id] = record

    def remove_worker(self, worker_id: int) -> None:
        """Forget a worker (unknown id: nothing happens)."""
        self._workers.pop(worker_id, None)

    def upsert_gig(self, record: GigRecord) -> None:
        """Add or replace a gig."""
        self._gigs[record.id] = record

    def remove_gig(self, gig_id: int) -> None:
        """Forget a gig (unknown id: nothing happens)."""
        self._gigs.pop(gig_id, None)

    def has_worker(self, worker_id: int) -> bool:
        return worker_id in self._workers

    def has_gig(self, gig_id: int) -> bool:
        return gig_id in self._gigs

    @property
    def worker_count(self) -> int:
        return len(self._workers)

    @property
    def gig_count(self) -> int:
        return len(self._gigs)

    # ---- rules -------------------------------------------------------------------------------
    def _group(self, trade: str) -> tuple[str, str]:
        """A trade's group; a trade outside the mapping is a group of its own."""
        if trade in self.trade_groups:
            return ("group", self.trade_groups[trade])
        return ("trade", trade)

    def _related_trades(self, worker: WorkerRecord, gig: GigRecord) -> list[str]:
        """The worker's trades in the gig's trade group (the gig's own trade included)."""
        group = self._group(gig.trade)
        return sorted(t for t in worker.trades if self._group(t) == group)

    @staticmethod
    def _overlaps(worker: WorkerRecord, gig: GigRecord) -> bool:
        """Whether [gig.starts, gig.ends) overlaps a non-empty busy interval."""
        return any(s < gig.ends and e > gig.starts for s, e in worker.busy if e > s)

    def _failures(self, worker: WorkerRecord, gig: GigRecord, now: int) -> list[str]:
        """Codes of every failing hard filter, in the order of scoring.FILTER_CODES."""
        failing = {
            "no_open_slots": gig.open_slots <= 0,
            "trade": not self._related_trades(worker, gig),
            "level": gig.level_required > 0 and not self._level_ok(worker, gig),
            "certificates": not gig.certificates <= worker.certificates,
            "overlap": self._overlaps(worker, gig),
            "weekday": not (worker.available_weekdays >> gig.start_weekday) & 1,
            "sanctioned": worker.sanctioned,
            "age": not self._age_ok(worker, gig),
            "started": gig.ends <= now,
        }
        return [code for code in scoring.FILTER_CODES if failing[code]]

    def _eligible(self, worker: WorkerRecord, gig: GigRecord, now: int) -> bool:
        """No hard filter fails (the same rules as _failures, cheapest and most selective first)."""
        group = self._group(gig.trade)
        return (
            gig.open_slots > 0
            and gig.ends > now
            and (gig.trade in worker.trades or any(self._group(t) == group for t in worker.trades))
            and not worker.sanctioned
            and (gig.level_required <= 0 or self._level_ok(worker, gig))
            and gig.certificates <= worker.certificates
            and (worker.available_weekdays >> gig.start_weekday) & 1 == 1
            and not self._overlaps(worker, gig)
            and self._age_ok(worker, gig)
        )

    @staticmethod
    def _level_ok(worker: WorkerRecord, gig: GigRecord) -> bool:
        """Holds the gig's own trade at a level at least as high as required (1 is highest)."""
        level = worker.trades.get(gig.trade, 0)
        return level != 0 and level <= gig.level_required

    @staticmethod
    def _age_ok(worker: WorkerRecord, gig: GigRecord) -> bool:
        """Whole years of age on the gig's start day within [min_age, max_age]."""
        age = scoring.age_on(worker.birth_day, scoring.day_of(gig.starts))
        return age >= gig.min_age and (gig.max_age is None or age <= gig.max_age)

    @staticmethod
    def _known(lat: float | None, lon: float | None) -> bool:
        return lat is not None and lon is not None and not (math.isnan(lat) or math.isnan(lon))

    @staticmethod
    def _on_site(worker: WorkerRecord, gig: GigRecord, day_start: int) -> bool:
        """Checked in at the gig's market today (a walk-in, 现场零工)."""
        return (
            worker.checked_in_market == gig.market_id
            and worker.checked_in_at is not None
            and worker.checked_in_at >= day_start
        )

    def _facts(self, worker: WorkerRecord, gig: GigRecord, now: int, day_start: int) -> dict:
        """The figures a pair is scored and explained by (scoring.explain's arguments)."""
        exact = gig.trade in worker.trades
        km = None
        if self._known(worker.lat, worker.lon) and self._known(gig.lat, gig.lon):
            km = scoring.haversine_km(worker.lat, worker.lon, gig.lat, gig.lon)
        on_site = self._on_site(worker, gig, day_start)
        return dict(
            w=self.weights,
            exact=exact,
            worker_trade=gig.trade if exact else self._related_trades(worker, gig)[0],
            gig_trade=gig.trade,
            level=worker.trades[gig.trade] if exact else 0,
            certificates=sorted(gig.certificates),
            pay=gig.pay_per_day,
            wish=worker.desired_pay_per_day,
            km=km,
            starts=gig.starts,
            now=now,
            reliability=worker.reliability,
            standing=gig.employer_standing,
            on_site=on_site,
            minutes=max(0, now - worker.checked_in_at) if on_site else 0,
            gigs_today=max(0, worker.gigs_today),
        )

    def _score(self, worker: WorkerRecord, gig: GigRecord, now: int, day_start: int) -> float:
        """The pair's score: the weighted sum of its components (see weights.py)."""
        w = self.weights
        f = self._facts(worker, gig, now, day_start)
        parts = (
            scoring.trade_component(f["exact"], w),
            scoring.skill_component(f["exact"], f["level"]),
            scoring.pay_component(f["pay"], f["wish"], w),
            scoring.distance_component(f["km"], w),
            scoring.start_component(f["starts"], now, w),
            scoring.clip01(f["reliability"]),
            scoring.clip01(f["standing"]),
            scoring.fairness_component(f["on_site"], f["minutes"], f["gigs_today"], w),
        )
        return scoring.total(parts, w)

    def _top(self, pairs, now: int, day_start: int, k: int) -> list[Match]:
        """Score every (id, worker, gig), sort by score then id, explain the first k."""
        scored = [
            (self._score(worker, gig, now, day_start), id_, worker, gig)
            for id_, worker, gig in pairs
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [
            Match(id_, score, scoring.explain(**self._facts(worker, gig, now, day_start)))
            for score, id_, worker, gig in scored[:k]
        ]

    # ---- queries -----------------------------------------------------------------------------
    def top_gigs(
        self,
        worker_id: int,
        *,
        now: int,
        day_start: int,
        k: int = 20,
        markets: Collection[int] | None = None,
        exclude: Collection[int] = (),
    ) -> list[Match]:
        """The best open gigs for one worker (Match.id is the gig's id)."""
        worker = self._workers.get(worker_id)
        if worker is None or k <= 0:
            return []
        exclude = set(exclude)
        markets = None if markets is None else set(markets)
        pairs = [
            (gig.id, worker, gig)
            for gig in self._gigs.values()
            if gig.id not in exclude
            and (markets is None or gig.market_id in markets)
            and self._eligible(worker, gig, now)
        ]
        return self._top(pairs, now, day_start, k)

    def top_workers(
        self,
        gig_id: int,
        *,
        now: int,
        day_start: int,
        k: int = 50,
        on_site: bool = False,
        exclude: Collection[int] = (),
    ) -> list[Match]:
        """The best workers for one gig (Match.id is the worker's id); on_site: walk-ins only."""
        gig = self._gigs.get(gig_id)
        if gig is None or k <= 0:
            return []
        exclude = set(exclude)
        pairs = [
            (worker.id, worker, gig)
            for worker in self._workers.values()
            if worker.id not in exclude
            and (not on_site or self._on_site(worker, gig, day_start))
            and self._eligible(worker, gig, now)
        ]
        return self._top(pairs, now, day_start, k)

    def why_not(self, worker_id: int, gig_id: int, *, now: int) -> list[str]:
        """Codes of the hard filters the pair fails ([] when eligible); KeyError if unknown."""
        return self._failures(self._workers[worker_id], self._gigs[gig_id], now)


def compare_matches(got: list[Match], expected: list[Match], tol: float = 1e-9) -> list[str]:
    """Differences between two answers to the same query, allowing last-bit float noise.

    Each list must be ordered by score descending then id ascending; position i's scores must
    agree within `tol`; the ids scoring more than `tol` above the k-th (last) score must be the
    same in both, and any id in both must have the same score (within `tol`) and reasons. Only
    results tied within `tol` at the k-th place may differ. [] means they agree.
    """
    problems = []
    for name, result in (("got", got), ("expected", expected)):
        for a, b in zip(result, result[1:], strict=False):
            if not (a.score > b.score or (a.score == b.score and a.id < b.id)):
                problems.append(f"{name} out of order at ids {a.id}, {b.id}")
        if len({m.id for m in result}) != len(result):
            problems.append(f"{name} repeats an id")
    if len(got) != len(expected):
        return [*problems, f"{len(got)} results, expected {len(expected)}"]
    if not got:
        return problems
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        if abs(a.score - b.score) > tol:
            problems.append(f"score at {i}: {a.score!r} != {b.score!r}")
    kth = min(got[-1].score, expected[-1].score)
    sure_got = {m.id for m in got if m.score > kth + tol}
    sure_expected = {m.id for m in expected if m.score > kth + tol}
    if sure_got != sure_expected:
        problems.append(f"ids differ: {sorted(sure_got ^ sure_expected)}")
    by_id = {m.id: m for m in expected}
    for m in got:
        other = by_id.get(m.id)
        if other is None:
            continue
        if abs(m.score - other.score) > tol:
            problems.append(f"id {m.id}: score {m.score!r} != {other.score!r}")
        if m.reasons != other.reasons:
            problems.append(f"id {m.id}: reasons {m.reasons} != {other.reasons}")
    return problems
