"""Engine against ReferenceEngine on seeded random worlds dense in eligible pairs.

Complements the hypothesis test (which shrinks failures but finds few eligible pairs per
world): here each hard filter fails for roughly one pair in ten, values sit on their
boundaries often (levels around the requirement, birthdays around 16/18/60, busy intervals on
the gigs' half-hour grid), and every query kind runs with k small and large.
"""

from __future__ import annotations

import random

import pytest

from matching.engine import Engine
from matching.records import GigRecord, WorkerRecord
from matching.reference import ReferenceEngine

from .util import DAY_START, NOW, TODAY, assert_same

GROUPS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"}
TRADES = ["a1", "a1", "a1", "a2", "a3", "b1", "b2", "c1"]


class EagerEngine(Engine):
    COMPACT_MIN = 2
    SPILL_COMPACT_MIN = 3
    PRUNE_MIN = 0
    PRUNE_FIRST = 1


def chance(rnd: random.Random, p: float) -> bool:
    return rnd.random() < p


def grid(rnd: random.Random, lo: int, hi: int) -> int:
    return NOW + 30 * rnd.randint(lo, hi)


def point(rnd: random.Random):
    if chance(rnd, 0.1):
        return None, None
    if chance(rnd, 0.05):
        return rnd.uniform(-60, 60), rnd.uniform(-179, 179)
    return rnd.uniform(34.5, 35.0), rnd.uniform(113.3, 113.9)


def make_worker(rnd: random.Random, id_: int) -> WorkerRecord:
    trades = {rnd.choice(TRADES): rnd.randint(0, 5) for _ in range(rnd.choice([1, 1, 2, 3]))}
    if chance(rnd, 0.3):
        age = rnd.choice([15, 16, 17, 18, 59, 60, 61])
        birth = TODAY - round(age * 365.2425) + rnd.randint(-4, 4)
    else:
        birth = TODAY - rnd.randint(20 * 365, 50 * 365)
    busy = []
    for _ in range(rnd.choice([0, 0, 0, 1, 2, 3, 5])):
        start = grid(rnd, -20, 150)
        busy.append((start, start + 30 * rnd.choice([0, 4, 8, 16])))
    lat, lon = point(rnd)
    on_site = chance(rnd, 0.4)
    return WorkerRecord(
        id=id_,
        trades=trades,
        certificates=frozenset(c for c in "xyz" if chance(rnd, 0.6)),
        birth_day=birth,
        desired_pay_per_day=rnd.choice([None, None, 0.0, 150.0, 200.0, 240.0, 300.0]),
        lat=lat,
        lon=lon,
        available_weekdays=0x7F if chance(rnd, 0.8) else rnd.randint(0, 127),
        busy=tuple(busy),
        reliability=rnd.choice([0.5, 0.7, rnd.random(), rnd.uniform(-0.2, 1.2)]),
        sanctioned=chance(rnd, 0.05),
        checked_in_market=rnd.randint(1, 3) if on_site or chance(rnd, 0.5) else None,
        checked_in_at=rnd.choice([DAY_START - 1, DAY_START, NOW - 300, NOW - 30, NOW]),
        gigs_today=rnd.choice([0, 0, 0, 1, 2]),
    )


def make_gig(rnd: random.Random, id_: int) -> GigRecord:
    starts = grid(rnd, -10, 150)
    lat, lon = point(rnd)
    return GigRecord(
        id=id_,
        market_id=rnd.randint(1, 3),
        trade=rnd.choice(TRADES),
        starts=starts,
        ends=starts + 30 * rnd.choice([1, 8, 16, 20]),
        start_weekday=rnd.randint(0, 6),
        pay_per_day=rnd.choice([100.0, 200.0, 240.0, 250.0, 300.0]),
        open_slots=rnd.choice([1, 1, 1, 2, 3, 3, 1, 2, 0, -1]),
        level_required=0 if chance(rnd, 0.6) else rnd.randint(1, 5),
        certificates=frozenset(c for c in "xyz" if chance(rnd, 0.1)),
        min_age=rnd.choice([16, 16, 18]),
        max_age=rnd.choice([None, None, 60]),
        lat=lat,
        lon=lon,
        employer_standing=rnd.random(),
    )


@pytest.mark.parametrize("seed", range(16))
def test_random_world(seed):
    rnd = random.Random(seed)
    engine, reference = EagerEngine(GROUPS), ReferenceEngine(GROUPS)
    workers = [make_worker(rnd, i) for i in range(1, 61)]
    gigs = [make_gig(rnd, 100 + j) for j in range(20)]
    for e in (engine, reference):
        e.build(workers, gigs)
    for _ in range(120):
        roll = rnd.random()
        if roll < 0.45:
            op, arg = "upsert_worker", make_worker(rnd, rnd.randint(1, 80))
        elif roll < 0.6:
            op, arg = "remove_worker", rnd.randint(1, 80)
        elif roll < 0.85:
            op, arg = "upsert_gig", make_gig(rnd, rnd.randint(100, 130))
        else:
            op, arg = "remove_gig", rnd.randint(100, 130)
        getattr(engine, op)(arg)
        getattr(reference, op)(arg)

    found = 0
    for shift in (0, rnd.choice([30, 600, 1500])):
        now = NOW + shift
        for k in (1, 3, 100):
            q = {"now": now, "day_start": DAY_START, "k": k}
            for worker_id in sorted(reference._workers):
                got = engine.top_gigs(worker_id, **q)
                assert_same(got, reference.top_gigs(worker_id, **q))
                # Ties at the k-th place go to the smaller id: a prefix of the whole list.
                assert got == engine.top_gigs(worker_id, now=now, day_start=DAY_START, k=999)[:k]
                found += len(got)
            for gig_id in sorted(reference._gigs):
                for on_site in (False, True):
                    got = engine.top_workers(gig_id, **q, on_site=on_site)
                    assert_same(got, reference.top_workers(gig_id, **q, on_site=on_site))
                    whole = engine.top_workers(
                        gig_id, now=now, day_start=DAY_START, k=999, on_site=on_site
                    )
                    assert got == whole[:k]
                    found += len(got)
        for worker_id in sorted(reference._workers):
            for gig_id in sorted(reference._gigs):
                assert engine.why_not(worker_id, gig_id, now=now) == reference.why_not(
                    worker_id, gig_id, now=now
                )
    assert found > 200
