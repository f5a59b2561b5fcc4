"""Property test: Engine and ReferenceEngine agree on random small worlds and update sequences.

Worlds mix a few trades in two groups plus an ungrouped one, levels, certificates, busy
intervals around the gigs (touching, overlapping, empty, three or more), coordinates near and
far or unknown, check-ins before and after day_start, sanctions, and birthdays around the
16 / 18 / 60 boundaries of gigs starting over the next days. Sometimes a filler worker first
pushes the trade and certificate vocabularies past 64 (so the real ones sit in later words).
The engine compacts its lists eagerly here (COMPACT_MIN = 1) and starts small, so row reuse,
growth and compaction all happen.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import Engine
from matching.records import GigRecord, WorkerRecord
from matching.reference import ReferenceEngine

from .util import DAY_START, NOW, TODAY, assert_same

GROUPS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"}
TRADES = [*GROUPS, "c1"]  # c1 is in no group: related to nothing else
CERTS = ["x", "y", "z"]
FILLER_TRADES = {f"f{i:02}": 0 for i in range(70)}
FILLER_CERTS = frozenset(f"fc{i:02}" for i in range(70))
TRADE_SETS = [  # common shapes of a worker's trades -> levels
    {"a1": 0},
    {"a1": 3},
    {"a2": 4, "b1": 0},
    {"a3": 1, "a1": 5},
    {},
    {"b1": 2},
    {"b2": 0, "a2": 2},
    {"c1": 0, "a1": 4},
    {"a1": 2, "b2": 5},
]
WORKER_IDS = st.integers(1, 24)
GIG_IDS = st.integers(100, 115)


class EagerEngine(Engine):
    COMPACT_MIN = 1
    SPILL_COMPACT_MIN = 1
    PRUNE_MIN = 0  # bound by distance even the smallest candidate sets
    PRUNE_FIRST = 1


def minutes(lo: int, hi: int):
    """Minutes around NOW on a half-hour grid (so intervals often touch exactly)."""
    return st.integers(lo, hi).map(lambda h: NOW + 30 * h)


coordinate = st.one_of(
    st.none(),
    st.tuples(st.floats(34.5, 35.0), st.floats(113.3, 113.9)),
    st.tuples(st.floats(-60, 60), st.floats(-179, 179)),  # far away: the arcsine fallback
)


@st.composite
def workers(draw, id_=None):
    trades = draw(
        st.sampled_from(TRADE_SETS)
        | st.sampled_from(TRADE_SETS)
        | st.dictionaries(st.sampled_from(TRADES), st.integers(0, 5), max_size=3)
    )
    busy = draw(
        st.lists(
            st.tuples(minutes(-20, 200), st.sampled_from([0, 30, 120, 480, 1440])).map(
                lambda p: (p[0], p[0] + p[1])
            ),
            max_size=4,
        )
        | st.just([])
    )
    age = draw(st.sampled_from([30, 40, 18, 16, 17, 15, 19, 50, 59, 60, 61]))
    birth = TODAY - round(age * 365.2425) + draw(st.integers(-4, 4))
    point = draw(coordinate)
    checked_in = draw(st.sampled_from([True, False]))
    return WorkerRecord(
        id=draw(WORKER_IDS) if id_ is None else id_,
        trades=trades,
        certificates=draw(
            st.sampled_from([frozenset(), frozenset("x"), frozenset("xy"), frozenset("xyz")])
            | st.frozensets(st.sampled_from(CERTS))
        ),
        birth_day=birth,
        desired_pay_per_day=draw(st.sampled_from([None, 0.0, 120.0, 200.0, 240.0, 260.0, 400.0])),
        lat=None if point is None else point[0],
        lon=None if point is None else point[1],
        available_weekdays=draw(
            st.sampled_from([0x7F, 0x7F, 0x1F, 0x7F, 0x60, 0x7F])
            | st.sampled_from([0x7F, 0x3F])
            | st.integers(0, 127)
        ),
        busy=tuple(busy),
        reliability=draw(st.sampled_from([0.0, 0.5, 0.7, 1.0]) | st.floats(-0.2, 1.2)),
        sanctioned=draw(st.sampled_from([False, False, False, True, False, False, False])),
        checked_in_market=draw(st.sampled_from([1, 2, 3])) if checked_in else None,
        checked_in_at=(
            draw(st.sampled_from([NOW - 240, DAY_START, DAY_START - 1, NOW - 600, NOW]))
            if checked_in
            else draw(st.sampled_from([None, NOW - 30]))
        ),
        gigs_today=draw(st.integers(0, 3)),
    )


@st.composite
def gigs(draw, id_=None):
    starts = draw(minutes(-20, 150))
    point = draw(coordinate)
    return GigRecord(
        id=draw(GIG_IDS) if id_ is None else id_,
        market_id=draw(st.sampled_from([1, 2, 3])),
        trade=draw(st.sampled_from(["a1", "a2", "a1", "b1", "a1", "c1", "a3", "b2", "a1"])),
        starts=starts,
        ends=starts + draw(st.sampled_from([480, 240, 600, 30])),
        start_weekday=draw(st.integers(0, 6)),
        pay_per_day=draw(st.sampled_from([100.0, 200.0, 240.0, 250.0, 300.0])),
        open_slots=draw(st.sampled_from([1, 2, 1, 0, 1, 3, -1, 1])),
        level_required=draw(st.sampled_from([0, 0, 0, 4, 0, 0, 3, 0, 5, 1, 0])),
        certificates=draw(
            st.sampled_from(
                [frozenset(), frozenset(), frozenset("x"), frozenset(), frozenset("xy")]
                + [frozenset(), frozenset("z"), frozenset()]
            )
        ),
        min_age=draw(st.sampled_from([16, 18])),
        max_age=draw(st.sampled_from([None, 60])),
        lat=None if point is None else point[0],
        lon=None if point is None else point[1],
        employer_standing=draw(st.sampled_from([0.5, 0.7, 0.9]) | st.floats(0, 1)),
    )


operations = st.lists(
    st.one_of(
        workers().map(lambda r: ("upsert_worker", r)),
        WORKER_IDS.map(lambda i: ("remove_worker", i)),
        gigs().map(lambda r: ("upsert_gig", r)),
        GIG_IDS.map(lambda i: ("remove_gig", i)),
    ),
    max_size=40,
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    initial_workers=st.lists(workers(), min_size=4, max_size=16),
    initial_gigs=st.lists(gigs(), min_size=2, max_size=10),
    ops=operations,
    wide=st.booleans(),
    clock=st.tuples(st.sampled_from([0, 30, 240, 1440, 3000]), st.sampled_from([0, 1, 480])),
    k=st.sampled_from([5, 50, 1, 2, 3]),
    data=st.data(),
)
def test_engine_equals_reference(initial_workers, initial_gigs, ops, wide, clock, k, data):
    engine, reference = EagerEngine(GROUPS), ReferenceEngine(GROUPS)
    filler = WorkerRecord(id=999, trades=FILLER_TRADES, certificates=FILLER_CERTS)
    for e in (engine, reference):
        if wide:  # a filler first, so the real trades and certificates land past bit 64
            e.upsert_worker(filler)
            for r in initial_workers:
                e.upsert_worker(r)
            for g in initial_gigs:
                e.upsert_gig(g)
            e.remove_worker(999)
        else:
            e.build(initial_workers, initial_gigs)
        for name, arg in ops:
            getattr(e, name)(arg)
    assert engine.worker_count == reference.worker_count
    assert engine.gig_count == reference.gig_count

    now, day_start = NOW + clock[0], DAY_START + clock[1]
    q = {"now": now, "day_start": day_start, "k": k}
    worker_ids = sorted(reference._workers) + [0]  # 0: unknown
    gig_ids = sorted(reference._gigs) + [1]
    for worker_id in worker_ids:
        assert engine.has_worker(worker_id) == reference.has_worker(worker_id)
        markets = data.draw(st.none() | st.frozensets(st.sampled_from([1, 2, 3, 4])))
        exclude = data.draw(st.frozensets(st.sampled_from(gig_ids), max_size=2))
        got = engine.top_gigs(worker_id, **q, markets=markets, exclude=exclude)
        assert_same(got, reference.top_gigs(worker_id, **q, markets=markets, exclude=exclude))
        whole = engine.top_gigs(worker_id, **{**q, "k": 999}, markets=markets, exclude=exclude)
        assert got == whole[:k]  # ties at the k-th place go to the smaller id
    for gig_id in gig_ids:
        exclude = data.draw(st.frozensets(st.sampled_from(worker_ids), max_size=2))
        for on_site in (False, True):
            got = engine.top_workers(gig_id, **q, on_site=on_site, exclude=exclude)
            expected = reference.top_workers(gig_id, **q, on_site=on_site, exclude=exclude)
            assert_same(got, expected)
            whole = engine.top_workers(gig_id, **{**q, "k": 999}, on_site=on_site, exclude=exclude)
            assert got == whole[:k]
    for worker_id in worker_ids[:-1]:
        for gig_id in gig_ids[:-1]:
            assert engine.why_not(worker_id, gig_id, now=now) == reference.why_not(
                worker_id, gig_id, now=now
            )


def test_generated_worlds_have_matches():
    """The generators give eligible pairs often enough for the comparison to bite."""
    counts = []

    @settings(max_examples=25, derandomize=True, deadline=None, database=None)
    @given(st.lists(workers(), min_size=10, max_size=10), st.lists(gigs(), min_size=4, max_size=4))
    def collect(workers_, gigs_):
        reference = ReferenceEngine(GROUPS)
        reference.build(workers_, gigs_)
        found = [reference.top_workers(g.id, now=NOW, day_start=DAY_START) for g in gigs_]
        counts.append(sum(len(f) for f in found))

    collect()
    assert sum(c > 0 for c in counts) >= len(counts) // 2
    assert sum(counts) >= 2 * len(counts)
