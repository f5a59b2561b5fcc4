"""Upserts and removals: answers follow the changes, rows and vocabularies are reused or grow."""

from __future__ import annotations

import dataclasses

import pytest

from matching.engine import Engine
from matching.reference import ReferenceEngine

from .util import (
    DAY_START,
    ENGINES,
    GROUPS,
    NOW,
    TOMORROW_8,
    assert_same,
    both,
    built,
    gig,
    ids,
    worker,
)

Q = {"now": NOW, "day_start": DAY_START}


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_gig_filled_disappears(cls):
    engine = built(cls, [worker(1)], [gig(100, open_slots=2)])
    assert ids(engine.top_gigs(1, **Q)) == [100]
    engine.upsert_gig(gig(100, open_slots=1))
    assert ids(engine.top_gigs(1, **Q)) == [100]
    engine.upsert_gig(gig(100, open_slots=0))  # the last place taken
    assert engine.top_gigs(1, **Q) == []
    assert engine.top_workers(100, **Q) == []
    assert engine.why_not(1, 100, now=NOW) == ["no_open_slots"]
    assert engine.has_gig(100)


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_worker_gets_busy(cls):
    later = gig(101, starts=TOMORROW_8 + 1440, ends=TOMORROW_8 + 1440 + 480, start_weekday=2)
    engine = built(cls, [worker(1)], [gig(100), later])
    assert sorted(ids(engine.top_gigs(1, **Q))) == [100, 101]
    engine.upsert_worker(worker(1, busy=((TOMORROW_8, TOMORROW_8 + 540),)))  # hired for 100's day
    assert ids(engine.top_gigs(1, **Q)) == [101]
    assert engine.top_workers(100, **Q) == []
    assert ids(engine.top_workers(101, **Q)) == [1]


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_remove_and_unknown_ids(cls):
    engine = built(cls, [worker(1), worker(2)], [gig(100), gig(101)])
    assert (engine.worker_count, engine.gig_count) == (2, 2)
    engine.remove_worker(1)
    engine.remove_worker(1)  # twice: nothing
    engine.remove_worker(999)
    engine.remove_gig(101)
    engine.remove_gig(999)
    assert (engine.worker_count, engine.gig_count) == (1, 1)
    assert not engine.has_worker(1)
    assert engine.has_worker(2)
    assert ids(engine.top_workers(100, **Q)) == [2]
    assert engine.top_gigs(1, **Q) == []
    assert engine.top_workers(101, **Q) == []
    assert engine.top_gigs(2, **Q, k=0) == []
    with pytest.raises(KeyError):
        engine.why_not(1, 100, now=NOW)
    with pytest.raises(KeyError):
        engine.why_not(2, 101, now=NOW)


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_build_replaces_and_last_duplicate_wins(cls):
    engine = built(cls, [worker(1), worker(2)], [gig(100)])
    engine.build([worker(3), worker(3, sanctioned=True), worker(4)], [gig(200), gig(100)])
    assert (engine.worker_count, engine.gig_count) == (2, 2)
    assert not engine.has_worker(1)
    assert ids(engine.top_workers(200, **Q)) == [4]  # 3's last record is sanctioned


def test_trade_change_moves_between_groups():
    workers = [worker(1), worker(2, trades={"CLN01": 0})]
    engine, reference = both(workers, [gig(100), gig(101, trade="CLN02")])
    for e in (engine, reference):
        e.upsert_worker(worker(1, trades={"CLN02": 2}))  # changes trade group
        e.upsert_gig(gig(100, trade="CLN01"))  # so does the gig
    for gig_id in (100, 101):
        assert_same(engine.top_workers(gig_id, **Q), reference.top_workers(gig_id, **Q))
    assert sorted(ids(engine.top_workers(100, **Q))) == [1, 2]


class TinyEngine(Engine):
    """Compacts the lazy group lists as soon as anything is stale."""

    COMPACT_MIN = 1
    SPILL_COMPACT_MIN = 1


def test_row_reuse_and_compaction_keep_answers():
    engine = TinyEngine(GROUPS)
    reference = ReferenceEngine(GROUPS)
    for e in (engine, reference):
        e.build([worker(i, trades={"CON01": i % 6}) for i in range(1, 41)], [gig(100), gig(101)])
        for i in range(1, 41, 2):
            e.remove_worker(i)
        for i in range(2, 41, 4):
            e.upsert_worker(worker(i, trades={"CLN01": 0}))  # leaves the construction group
        for i in range(100, 130):  # reuses the freed rows, then grows
            e.upsert_worker(worker(i, trades={"CON02": 3}, reliability=(i % 7) / 7))
    assert engine.worker_count == reference.worker_count == 50
    listed = engine._wpost[0].view()  # construction: 10 left + 30 new, a few stale entries
    assert engine._holds_group(listed, 0).sum() == 40
    assert len(listed) <= 40 + 40 // 4  # 50 without compaction
    for gig_id in (100, 101):
        for k in (1, 5, 50):
            assert_same(
                engine.top_workers(gig_id, **Q, k=k), reference.top_workers(gig_id, **Q, k=k)
            )


def test_capacity_grows_by_upserts():
    engine, reference = both([], [])
    for e in (engine, reference):
        for i in range(1, 300):
            e.upsert_worker(worker(i, lat=34.7 + i / 1000, reliability=(i % 10) / 10))
        for j in range(100, 140):
            e.upsert_gig(gig(j, pay_per_day=100.0 + j))
    assert_same(engine.top_workers(120, **Q), reference.top_workers(120, **Q))
    assert_same(engine.top_gigs(7, **Q), reference.top_gigs(7, **Q))


def test_vocabulary_grows_past_64_trades_and_certificates():
    """Trade and certificate bitsets take more words; related trades across words still work."""
    groups = {f"T{i:03}": f"G{i % 7}" for i in range(150)}
    engine, reference = Engine(groups), ReferenceEngine(groups)
    certs = [f"C{i:03}" for i in range(140)]
    records = [
        worker(
            i,
            trades={f"T{(i * 37) % 150:03}": i % 6, f"T{(i * 11) % 150:03}": 0},
            certificates=frozenset(certs[(i * 13) % 140 : (i * 13) % 140 + 3]),
            reliability=(i % 9) / 9,
        )
        for i in range(1, 120)
    ]
    gigs = [
        gig(
            1000 + j,
            trade=f"T{(j * 29) % 150:03}",
            certificates=frozenset([certs[(j * 7) % 140]]) if j % 3 == 0 else frozenset(),
            level_required=j % 4,
        )
        for j in range(60)
    ]
    for e in (engine, reference):
        e.build(records[:60], gigs[:30])
        for r in records[60:]:
            e.upsert_worker(r)
        for g in gigs[30:]:
            e.upsert_gig(g)
    assert engine._w.tbits.shape[0] == 3
    assert engine._w.cbits.shape[0] == 3
    found = 0
    for g in gigs:
        got = engine.top_workers(g.id, **Q)
        assert_same(got, reference.top_workers(g.id, **Q))
        found += len(got)
        for r in records[::10]:
            assert engine.why_not(r.id, g.id, now=NOW) == reference.why_not(r.id, g.id, now=NOW)
    for r in records:
        assert_same(engine.top_gigs(r.id, **Q), reference.top_gigs(r.id, **Q))
    assert found > 50  # the comparison was not vacuous


def test_new_trade_joins_an_existing_group():
    engine, reference = both([worker(1, trades={"CON01": 0})], [])
    groups_trade = "CON02"
    for e in (engine, reference):
        e.upsert_gig(gig(100, trade=groups_trade))  # CON02 enters the vocabulary now
        e.upsert_worker(worker(2, trades={"CON02": 4}))
    assert_same(engine.top_workers(100, **Q), reference.top_workers(100, **Q))
    assert ids(engine.top_workers(100, **Q)) == [2, 1]


def test_records_are_not_kept():
    engine = built(Engine, [worker(1)], [gig(100)])
    kept = [v for v in vars(engine).values() if isinstance(v, dict)]
    assert not any(isinstance(x, type(worker())) for d in kept for x in d.values()), (
        "the engine keeps columns, not WorkerRecords"
    )
    assert dataclasses.is_dataclass(worker())


def test_many_busy_intervals_spill_and_compact():
    """Busy intervals beyond two go to the spill pool; rewriting them leaves garbage that the
    pool drops when it is rebuilt, without changing any answer."""
    engine, reference = TinyEngine(GROUPS), ReferenceEngine(GROUPS)
    day = 1440
    gigs = [
        gig(100 + d, starts=TOMORROW_8 + d * day, ends=TOMORROW_8 + d * day + 540) for d in range(8)
    ]
    gigs = [dataclasses.replace(g, start_weekday=(1 + d) % 7) for d, g in enumerate(gigs)]
    for e in (engine, reference):
        e.build([worker(i) for i in range(1, 6)], gigs)
        for round_ in range(6):  # each worker books more days, one more each round
            for i in range(1, 6):
                days = [(i + round_ + d) % 8 for d in range(round_ + 1)]
                busy = tuple((TOMORROW_8 + d * day, TOMORROW_8 + d * day + 60) for d in days)
                e.upsert_worker(worker(i, busy=busy))
        e.remove_worker(5)
    assert engine._spill.n - engine._spill.garbage == 4 * 4  # live: 4 workers, 4 spilled each
    assert engine._spill.n < 50  # 50 were written: the pool was rebuilt
    for g in gigs:
        assert_same(engine.top_workers(g.id, **Q), reference.top_workers(g.id, **Q))
        for i in range(1, 5):
            assert engine.why_not(i, g.id, now=NOW) == reference.why_not(i, g.id, now=NOW)
    for i in range(1, 5):
        assert_same(engine.top_gigs(i, **Q), reference.top_gigs(i, **Q))
        assert len(engine.top_gigs(i, **Q)) == 2  # 6 of the 8 days are booked


def test_invalid_records_are_refused():
    engine = Engine(GROUPS)
    with pytest.raises(ValueError, match="skill level"):
        engine.upsert_worker(worker(1, trades={"CON01": 6}))
    with pytest.raises(ValueError, match="available_weekdays"):
        engine.upsert_worker(worker(1, available_weekdays=128))
    with pytest.raises(ValueError, match="start_weekday"):
        engine.upsert_gig(gig(100, start_weekday=7))
    with pytest.raises(ValueError, match="skill level"):
        engine.build([worker(1, trades={"CON01": -1})], [])
    assert engine.worker_count == 0
