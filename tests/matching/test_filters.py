"""Each hard filter, refused and allowed at its boundary, in both engines."""

from __future__ import annotations

from datetime import date

import pytest

from matching.scoring import EPOCH, age_on, birth_day_bounds, day_of, latest_birth_day

from .util import DAY_START, ENGINES, NOW, TOMORROW_8, built, gig, ids, worker

START_DAY = day_of(TOMORROW_8)  # the gig's start day (UTC)


def years_before(day: int, years: int) -> int:
    """The epoch day `years` calendar years before `day` (same month and day)."""
    d = EPOCH.fromordinal(EPOCH.toordinal() + day)
    return (date(d.year - years, d.month, d.day) - EPOCH).days


def verdict(cls, w, g, now=NOW):
    """(why_not codes, found by top_gigs, found by top_workers) for one pair."""
    engine = built(cls, [w], [g])
    codes = engine.why_not(w.id, g.id, now=now)
    by_worker = g.id in ids(engine.top_gigs(w.id, now=now, day_start=DAY_START))
    by_gig = w.id in ids(engine.top_workers(g.id, now=now, day_start=DAY_START))
    assert by_worker == by_gig == (codes == [])
    return codes


CASES = [
    # (name, worker changes, gig changes, expected codes)
    ("plain match", {}, {}, []),
    ("no open slots", {}, {"open_slots": 0}, ["no_open_slots"]),
    ("negative slots", {}, {"open_slots": -1}, ["no_open_slots"]),
    ("one slot", {}, {"open_slots": 1}, []),
    ("unrelated trade", {"trades": {"CLN01": 0}}, {}, ["trade"]),
    ("related trade, no level needed", {"trades": {"CON02": 3}}, {}, []),
    (
        "related trade never meets a level",
        {"trades": {"CON02": 1}},
        {"level_required": 4},
        ["level"],
    ),
    ("level 4 required, holds 4", {"trades": {"CON01": 4}}, {"level_required": 4}, []),
    ("level 4 required, holds 3", {"trades": {"CON01": 3}}, {"level_required": 4}, []),
    ("level 4 required, holds 1", {"trades": {"CON01": 1}}, {"level_required": 4}, []),
    ("level 4 required, holds 5", {"trades": {"CON01": 5}}, {"level_required": 4}, ["level"]),
    ("level 4 required, holds 0", {"trades": {"CON01": 0}}, {"level_required": 4}, ["level"]),
    ("level 5 required, holds 5", {"trades": {"CON01": 5}}, {"level_required": 5}, []),
    (
        "exact at 5 and related at 1, level 4 required",
        {"trades": {"CON01": 5, "CON02": 1}},
        {"level_required": 4},
        ["level"],
    ),
    (
        "certificate held",
        {"certificates": frozenset({"高处作业证", "健康证"})},
        {"certificates": frozenset({"高处作业证"})},
        [],
    ),
    (
        "certificate missing",
        {"certificates": frozenset({"健康证"})},
        {"certificates": frozenset({"高处作业证", "健康证"})},
        ["certificates"],
    ),
    ("busy ends as the gig starts", {"busy": ((TOMORROW_8 - 600, TOMORROW_8),)}, {}, []),
    (
        "busy ends a minute into the gig",
        {"busy": ((TOMORROW_8 - 600, TOMORROW_8 + 1),)},
        {},
        ["overlap"],
    ),
    ("busy starts as the gig ends", {"busy": ((TOMORROW_8 + 540, TOMORROW_8 + 900),)}, {}, []),
    (
        "busy starts a minute before the end",
        {"busy": ((TOMORROW_8 + 539, TOMORROW_8 + 900),)},
        {},
        ["overlap"],
    ),
    ("busy inside the gig", {"busy": ((TOMORROW_8 + 60, TOMORROW_8 + 120),)}, {}, ["overlap"]),
    ("empty busy interval is ignored", {"busy": ((TOMORROW_8 + 60, TOMORROW_8 + 60),)}, {}, []),
    (
        "third busy interval overlaps",
        {"busy": ((NOW, NOW + 60), (NOW + 100, NOW + 160), (TOMORROW_8 + 30, TOMORROW_8 + 90))},
        {},
        ["overlap"],
    ),
    (
        "fourth busy interval clear",
        {
            "busy": (
                (NOW, NOW + 60),
                (NOW + 100, NOW + 160),
                (NOW + 200, NOW + 260),
                (NOW + 300, NOW + 360),
            )
        },
        {},
        [],
    ),
    ("weekday off", {"available_weekdays": 0x7F & ~(1 << 1)}, {}, ["weekday"]),
    ("only that weekday", {"available_weekdays": 1 << 1}, {}, []),
    ("sanctioned", {"sanctioned": True}, {}, ["sanctioned"]),
    ("ended at now", {}, {"starts": NOW - 300, "ends": NOW}, ["started"]),
    ("running", {}, {"starts": NOW - 300, "ends": NOW + 1}, []),
    (
        "several at once",
        {"trades": {"CLN01": 0}, "sanctioned": True},
        {"open_slots": 0, "starts": NOW - 300, "ends": NOW - 1},
        ["no_open_slots", "trade", "sanctioned", "started"],
    ),
]


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("name", "w", "g", "codes"), CASES, ids=[c[0] for c in CASES])
def test_hard_filter(cls, name, w, g, codes):
    assert verdict(cls, worker(**w), gig(**g)) == codes


AGE_CASES = [
    # (years before the start day, day shift, min_age, max_age, ok)
    (16, 0, 16, None, True),  # 16th birthday on the start day
    (16, 1, 16, None, False),  # 16th birthday the day after
    (18, 0, 18, None, True),
    (18, 1, 18, None, False),
    (17, -100, 18, None, False),
    (60, 0, 18, 60, True),  # 60 today
    (61, 1, 18, 60, True),  # 61 tomorrow: still 60
    (61, 0, 18, 60, False),  # 61 today
    (80, 0, 16, None, True),
]


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("years", "shift", "min_age", "max_age", "ok"), AGE_CASES)
def test_age_boundaries(cls, years, shift, min_age, max_age, ok):
    w = worker(birth_day=years_before(START_DAY, years) + shift)
    g = gig(min_age=min_age, max_age=max_age)
    assert verdict(cls, w, g) == ([] if ok else ["age"])


@pytest.mark.parametrize("cls", ENGINES, ids=lambda c: c.__name__)
def test_age_of_a_leap_day_birthday(cls):
    born = (date(2004, 2, 29) - EPOCH).days
    for start, ok in ((date(2022, 2, 28), False), (date(2022, 3, 1), True)):
        starts = (start - EPOCH).days * 1440 + 60
        g = gig(starts=starts, ends=starts + 480, start_weekday=start.weekday(), min_age=18)
        codes = verdict(cls, worker(birth_day=born), g, now=starts - 600)
        assert codes == ([] if ok else ["age"])


def test_birth_day_bounds_agree_with_age_on():
    """The engine's thresholds on birth days say what whole-year ages say."""
    for start in (date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1), date(2025, 12, 31)):
        day = (start - EPOCH).days
        for min_age, max_age in ((16, None), (18, 60), (18, 55), (0, 0)):
            lo, hi = birth_day_bounds(day * 1440 + 5, min_age, max_age)
            for born in range(day - 62 * 366, day + 3):
                age = age_on(born, day)
                ok = age >= min_age and (max_age is None or age <= max_age)
                assert (lo <= born <= hi) == ok, (start, min_age, max_age, born, age)
    assert latest_birth_day(0, 5000) < -(10**15)  # nobody is that old
