"""Shared builders for the matching tests: a small province with a fixed clock."""

from __future__ import annotations

import dataclasses

from matching.engine import Engine
from matching.records import GigRecord, WorkerRecord
from matching.reference import ReferenceEngine, compare_matches
from matching.scoring import day_of
from matching.synth import DEFAULT_NOW, day_start_of

NOW = DEFAULT_NOW  # Monday 2 June 2025, 09:30 Beijing time
DAY_START = day_start_of(NOW)
TODAY = day_of(NOW)
TOMORROW_8 = DAY_START + 1440 + 8 * 60  # Tuesday 08:00 local
TUESDAY = 1
MARKET = 7

GROUPS = {
    "CON01": "construction",  # 砌筑工
    "CON02": "construction",  # 钢筋工
    "CLN01": "cleaning",  # 保洁员
    "CLN02": "cleaning",  # 家政服务员
}
ENGINES = (Engine, ReferenceEngine)


def worker(id: int = 1, **changes) -> WorkerRecord:
    """An adult mason near the market, free all week, who matches `gig()`."""
    base = WorkerRecord(
        id=id,
        trades={"CON01": 0},
        birth_day=TODAY - 30 * 365,
        lat=34.75,
        lon=113.62,
        reliability=0.5,
    )
    return dataclasses.replace(base, **changes)


def gig(id: int = 100, **changes) -> GigRecord:
    """A masonry gig at MARKET tomorrow 08:00-17:00 local for 250 yuan."""
    base = GigRecord(
        id=id,
        market_id=MARKET,
        trade="CON01",
        starts=TOMORROW_8,
        ends=TOMORROW_8 + 9 * 60,
        start_weekday=TUESDAY,
        pay_per_day=250.0,
        lat=34.76,
        lon=113.65,
    )
    return dataclasses.replace(base, **changes)


def built(cls, workers, gigs, **kwargs):
    """An engine of class cls holding these records."""
    engine = cls(GROUPS, **kwargs)
    engine.build(workers, gigs)
    return engine


def both(workers, gigs):
    """(Engine, ReferenceEngine) holding the same records."""
    return built(Engine, workers, gigs), built(ReferenceEngine, workers, gigs)


def ids(matches) -> list[int]:
    return [m.id for m in matches]


def assert_same(got, expected) -> None:
    """The engine's answer equals the reference's (see compare_matches)."""
    problems = compare_matches(got, expected)
    assert not problems, problems
