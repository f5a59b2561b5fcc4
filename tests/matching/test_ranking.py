"""Ranking: order and ties, the on-site rotation (轮派), reasons, query options."""

from __future__ import annotations

import json

import pytest

from matching.engine import Engine
from matching.records import Reason
from matching.reference import ReferenceEngine, compare_matches
from matching.scoring import REASON_ORDER, haversine_km
from matching.weights import Weights

from .util import (
    DAY_START,
    ENGINES,
    MARKET,
    NOW,
    assert_same,
    both,
    built,
    gig,
    ids,
    worker,
)

Q = {"now": NOW, "day_start": DAY_START}


def walk_in(id: int, waited: int, gigs_today: int = 0, **changes):
    """A worker checked in at MARKET `waited` minutes ago."""
    return worker(
        id, checked_in_market=MARKET, checked_in_at=NOW - waited, gigs_today=gigs_today, **changes
    )


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_on_site_queue_rotates(cls):
    """Longest waiting first; whoever got a gig today drops below those who have not."""
    morning = gig(100, starts=NOW + 30, ends=NOW + 270, start_weekday=0)
    afternoon = gig(101, starts=NOW + 300, ends=NOW + 540, start_weekday=0)
    evening = gig(102, starts=NOW + 560, ends=NOW + 800, start_weekday=0)
    engine = built(
        cls, [walk_in(1, 200), walk_in(2, 100), walk_in(3, 10)], [morning, afternoon, evening]
    )
    assert ids(engine.top_workers(100, **Q, on_site=True)) == [1, 2, 3]

    engine.upsert_worker(walk_in(1, 200, gigs_today=1, busy=((NOW + 30, NOW + 270),)))
    assert ids(engine.top_workers(101, **Q, on_site=True)) == [2, 3, 1]

    engine.upsert_worker(walk_in(2, 100, gigs_today=1, busy=((NOW + 300, NOW + 540),)))
    assert ids(engine.top_workers(102, **Q, on_site=True)) == [3, 1, 2]

    engine.upsert_worker(walk_in(3, 10, gigs_today=1, busy=((NOW + 560, NOW + 800),)))
    # Everyone has had one gig: the longest waiting again; 2 is busy then.
    assert ids(engine.top_workers(101, **Q, on_site=True)) == [1, 3]


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_walk_ins_and_registered(cls):
    """on_site keeps only today's walk-ins at the gig's market; they rank above the rest."""
    workers = [
        walk_in(1, 30),
        worker(2, checked_in_market=MARKET, checked_in_at=DAY_START - 1),  # yesterday
        worker(3, checked_in_market=MARKET + 1, checked_in_at=NOW - 30),  # another market
        worker(4),  # never checked in
        walk_in(5, 0),  # just arrived: on site from day_start on
        worker(6, checked_in_market=MARKET, checked_in_at=DAY_START),
    ]
    engine = built(cls, workers, [gig(100)])
    assert sorted(ids(engine.top_workers(100, **Q, on_site=True))) == [1, 5, 6]
    everyone = ids(engine.top_workers(100, **Q))
    assert sorted(everyone[:3]) == [1, 5, 6]
    assert sorted(everyone[3:]) == [2, 3, 4]
    assert engine.top_workers(100, **Q, on_site=True, exclude=[1, 5, 6, 99]) == []


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_waiting_is_capped_and_ties_go_by_id(cls):
    engine = built(cls, [walk_in(9, 500), walk_in(4, 300), walk_in(7, 240)], [gig(100)])
    result = engine.top_workers(100, **Q, on_site=True)
    assert ids(result) == [4, 7, 9]
    assert result[0].score == result[1].score == result[2].score
    assert ids(engine.top_workers(100, **Q, on_site=True, k=2)) == [4, 7]


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_components_order_results(cls):
    """Exact trade over related; nearer, better paid, sooner and more reliable first."""
    g = gig(100)
    pairs = [
        (worker(1), worker(2, trades={"CON02": 0})),  # exact vs related
        (worker(1, lat=34.76, lon=113.65), worker(2, lat=35.5, lon=113.65)),  # near vs far
        (worker(1, reliability=0.9), worker(2, reliability=0.2)),
        (worker(1, desired_pay_per_day=200.0), worker(2, desired_pay_per_day=400.0)),
        (worker(1, trades={"CON01": 1}), worker(2, trades={"CON01": 5})),  # 高级技师 vs 初级
    ]
    for better, worse in pairs:
        engine = built(cls, [worse, better], [g])
        assert ids(engine.top_workers(100, **Q)) == [better.id, worse.id], (better, worse)
    soon = gig(100, starts=NOW + 60, ends=NOW + 300, start_weekday=0)
    later = gig(101, starts=NOW + 4 * 1440, ends=NOW + 4 * 1440 + 300, start_weekday=4)
    running = gig(102, starts=NOW - 60, ends=NOW + 300, start_weekday=0)
    engine = built(cls, [worker(1)], [later, soon, running])
    result = engine.top_gigs(1, **Q)
    assert ids(result) == [100, 102, 101]  # soon and running tie on start; 100 is nearer in id
    assert result[0].score == result[1].score > result[2].score


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_reasons_explain_in_figures(cls):
    w = walk_in(
        1,
        75,
        gigs_today=1,
        trades={"CON01": 3, "CLN01": 0},
        certificates=frozenset({"高处作业证", "健康证", "电工作业证"}),
        desired_pay_per_day=200.0,
        reliability=0.93,
    )
    g = gig(
        100,
        level_required=4,
        certificates=frozenset({"高处作业证", "健康证"}),
        employer_standing=0.81,
    )
    engine = built(cls, [w], [g])
    [match] = engine.top_workers(100, **Q)
    reasons = {r.code: r.params for r in match.reasons}
    assert reasons == {
        "trade_exact": {"trade": "CON01"},
        "level": {"level": 3},
        "certificates": {"names": ["健康证", "高处作业证"]},
        "pay_above_wish": {"pay": 250.0, "wish": 200.0},
        "distance": {"km": round(haversine_km(w.lat, w.lon, g.lat, g.lon), 1)},
        "starts_in": {"hours": 22.5},
        "reliable": {"reliability": 0.93},
        "employer_standing": {"standing": 0.81},
        "on_site": {},
        "waiting": {"minutes": 75},
        "gigs_today": {"count": 1},
    }
    codes = [r.code for r in match.reasons]
    assert codes[:2] == ["trade_exact", "certificates"]  # the largest weighted parts first
    assert codes[-1] == "gigs_today"
    json.dumps([{"code": r.code, "params": r.params} for r in match.reasons])
    [same] = engine.top_gigs(1, **Q)
    assert same.reasons == match.reasons
    assert same.score == match.score


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_reasons_for_related_trade_and_pay(cls):
    cases = [
        (None, "pay", {"pay": 250.0}),
        (245.0, "pay_near_wish", {"pay": 250.0, "wish": 245.0}),
        (300.0, "pay_below_wish", {"pay": 250.0, "wish": 300.0}),
        (0.0, "pay", {"pay": 250.0}),  # a wish of 0 is no wish
    ]
    for wish, code, params in cases:
        w = worker(1, trades={"CON02": 2, "CLN01": 1}, desired_pay_per_day=wish, lat=None)
        engine = built(cls, [w], [gig(100, starts=NOW - 30, ends=NOW + 300, start_weekday=0)])
        [match] = engine.top_gigs(1, **Q)
        reasons = {r.code: r.params for r in match.reasons}
        assert reasons["trade_related"] == {"trade": "CON02", "gig_trade": "CON01"}
        assert reasons[code] == params
        assert "running" in reasons
        assert "distance" not in reasons
        assert "level" not in reasons
        assert all(r.code in REASON_ORDER for r in match.reasons)


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_markets_exclude_and_k(cls):
    gigs = [gig(100 + i, market_id=MARKET + i % 3, pay_per_day=200.0 + i) for i in range(9)]
    engine = built(cls, [worker(1)], gigs)
    assert len(engine.top_gigs(1, **Q)) == 9
    assert ids(engine.top_gigs(1, **Q, k=3)) == ids(engine.top_gigs(1, **Q))[:3]
    assert {m.id % 3 for m in engine.top_gigs(1, **Q, markets=[MARKET])} == {100 % 3}
    assert engine.top_gigs(1, **Q, markets=[]) == []
    assert 104 not in ids(engine.top_gigs(1, **Q, exclude={104, 999}))
    assert engine.top_gigs(1, **Q, k=0) == engine.top_gigs(999, **Q) == []


def test_scores_in_unit_range_and_weights_configurable():
    workers = [
        worker(i, reliability=i / 10, desired_pay_per_day=150.0 + 50 * i) for i in range(1, 8)
    ]
    engine, reference = both(workers, [gig(100)])
    for m in engine.top_workers(100, **Q):
        assert 0.0 <= m.score <= 1.0
    heavy_pay = Weights(pay=0.9, distance=0.0)
    engine2 = built(Engine, workers, [gig(100)], weights=heavy_pay)
    reference2 = built(ReferenceEngine, workers, [gig(100)], weights=heavy_pay)
    assert_same(engine2.top_workers(100, **Q), reference2.top_workers(100, **Q))
    assert ids(engine2.top_workers(100, **Q))[0] == 1  # lowest wish, least reliable
    trusty = built(Engine, workers, [gig(100)], weights=Weights(pay=0.0, reliability=0.9))
    assert ids(trusty.top_workers(100, **Q))[0] == 7  # most reliable
    with pytest.raises(ValueError, match="pay_high_ratio"):
        Weights(pay_low_ratio=1.5)


def test_compare_matches_can_fail():
    """The property tests' comparison is not vacuous."""
    from matching.records import Match

    def m(id_, score, reasons=()):
        return Match(id_, score, tuple(reasons))

    a = [m(1, 0.9), m(2, 0.8), m(3, 0.7)]
    assert compare_matches(a, list(a)) == []
    assert compare_matches(a, [m(1, 0.9), m(2, 0.8 + 1e-12), m(3, 0.7)]) == []
    assert compare_matches(a, [m(1, 0.9), m(2, 0.8), m(4, 0.7)]) == []  # tie at the k-th
    assert compare_matches(a, [m(1, 0.9), m(4, 0.8), m(3, 0.7)])  # a different id above k-th
    assert compare_matches(a, [m(1, 0.9), m(2, 0.8), m(3, 0.6)])  # a different score
    assert compare_matches(a, a[:2])  # a different length
    assert compare_matches([m(2, 0.9), m(1, 0.9)], [m(1, 0.9), m(2, 0.9)])  # tie not by id
    assert compare_matches(a, [m(1, 0.9, [Reason("on_site", {})]), m(2, 0.8), m(3, 0.7)])
    assert compare_matches([m(1, 0.9), m(1, 0.9)], [m(1, 0.9), m(2, 0.9)])  # repeated id
