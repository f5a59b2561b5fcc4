"""A synthetic province (模拟省份) for the benchmark: workers and gigs generated as columns.

Realistic-ish, seeded and fast (a million workers in a few seconds): ~40 trades in 8 groups
with uneven popularity, 1-3 trades per worker (mostly within one group), skill levels, 10 %
with certificates, ~150 markets over ~300 x 300 km around Zhengzhou (34.7N 113.6E), 5 % of the
workers on site today, some busy intervals, pay wishes, gigs with 1-10 places starting over the
next 14 days. Trade codes are made up (``CON01`` ...), not 职业分类大典 codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from matching.columns import NONE, GigColumns, WorkerColumns

# group -> (base pay yuan/day, [(code, name)])
GROUPS: dict[str, tuple[float, list[tuple[str, str]]]] = {
    "construction": (300.0, [("CON01", "砌筑工"), ("CON02", "钢筋工"), ("CON03", "混凝土工"),
                             ("CON04", "架子工"), ("CON05", "木工")]),
    "decoration": (320.0, [("DEC01", "抹灰工"), ("DEC02", "油漆工"), ("DEC03", "瓷砖工"),
                           ("DEC04", "水电工"), ("DEC05", "防水工")]),
    "logistics": (220.0, [("LOG01", "装卸搬运工"), ("LOG02", "快递分拣员"), ("LOG03", "仓库管理员"),
                          ("LOG04", "叉车司机"), ("LOG05", "配送员")]),
    "cleaning": (180.0, [("CLN01", "保洁员"), ("CLN02", "家政服务员"), ("CLN03", "养老护理员"),
                         ("CLN04", "育婴员"), ("CLN05", "洗衣工")]),
    "catering": (170.0, [("CAT01", "中式烹调师"), ("CAT02", "餐厅服务员"), ("CAT03", "面点师"),
                         ("CAT04", "厨房帮工"), ("CAT05", "送餐员")]),
    "manufacturing": (210.0, [("MFG01", "普工"), ("MFG02", "焊工"), ("MFG03", "电工"),
                              ("MFG04", "包装工"), ("MFG05", "质检员")]),
    "agriculture": (150.0, [("AGR01", "农艺工"), ("AGR02", "果树工"), ("AGR03", "采摘工"),
                            ("AGR04", "园林绿化工"), ("AGR05", "畜禽饲养员")]),
    "services": (190.0, [("SRV01", "保安员"), ("SRV02", "会展服务员"), ("SRV03", "促销员"),
                         ("SRV04", "停车管理员"), ("SRV05", "礼仪服务员")]),
}  # fmt: skip

CERTIFICATES = [
    "电工作业证",  # 特种作业操作证: electrician
    "焊接与热切割作业证",
    "高处作业证",
    "叉车司机证",  # 特种设备作业人员证
    "健康证",
    "保安员证",
    "育婴员证",
    "消防设施操作员证",
]
CERT_WEIGHTS = np.array([3, 2, 3, 2, 6, 2, 1, 1], dtype=float)

CENTER_LAT, CENTER_LON = 34.7, 113.6
HALF_SIDE_KM = 150.0
KM_PER_DEG_LAT = 111.32
LOCAL_OFFSET = 8 * 60  # Beijing time, minutes ahead of UTC
DEFAULT_NOW = int(datetime(2025, 6, 2, 1, 30, tzinfo=UTC).timestamp()) // 60  # Mon 09:30 local


@dataclass
class Province:
    """Everything the benchmark needs: groups, markets, workers, gigs and the query clock."""

    trade_groups: dict[str, str]
    market_ids: np.ndarray  # int64
    market_lat: np.ndarray
    market_lon: np.ndarray
    workers: WorkerColumns
    gigs: GigColumns
    now: int  # epoch minute
    day_start: int  # the local day's first minute, UTC epoch minutes


def trade_table() -> tuple[list[str], dict[str, str], np.ndarray, np.ndarray]:
    """Trade codes, code -> group, each trade's group index, each group's base pay."""
    codes, groups, group_of, pays = [], {}, [], []
    for g, (name, (pay, trades)) in enumerate(GROUPS.items()):
        pays.append(pay)
        for code, _ in trades:
            codes.append(code)
            groups[code] = name
            group_of.append(g)
    return codes, groups, np.array(group_of), np.array(pays)


def day_start_of(now: int) -> int:
    """The first minute (UTC epoch minutes) of the local day containing `now`."""
    return (now + LOCAL_OFFSET) // 1440 * 1440 - LOCAL_OFFSET


def _km_to_deg(lat: np.ndarray, dx_km: np.ndarray, dy_km: np.ndarray):
    return dy_km / KM_PER_DEG_LAT, dx_km / (KM_PER_DEG_LAT * np.cos(np.radians(lat)))


def _markets(rng: np.random.Generator, count: int):
    """Market coordinates (a third in and around the capital) and their sizes."""
    city = rng.random(count) < 1 / 3
    dx = np.where(city, rng.normal(0, 15, count), rng.uniform(-HALF_SIDE_KM, HALF_SIDE_KM, count))
    dy = np.where(city, rng.normal(0, 15, count), rng.uniform(-HALF_SIDE_KM, HALF_SIDE_KM, count))
    dlat, dlon = _km_to_deg(np.full(count, CENTER_LAT), dx, dy)
    size = rng.lognormal(0, 0.6, count) * np.where(city, 2.0, 1.0)
    return CENTER_LAT + dlat, CENTER_LON + dlon, size / size.sum()


def _trade_popularity(rng: np.random.Generator, n_trades: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n_trades + 1) ** 0.8  # a few trades are very common
    rng.shuffle(weights)
    return weights / weights.sum()


def workers(
    rng: np.random.Generator,
    n: int,
    *,
    first_id: int,
    market_lat: np.ndarray,
    market_lon: np.ndarray,
    market_ids: np.ndarray,
    market_p: np.ndarray,
    popularity: np.ndarray,
    now: int,
) -> WorkerColumns:
    """n synthetic workers as columns."""
    codes, _, group_of, group_pay = trade_table()
    n_trades = len(codes)
    today = now // 1440
    day_start = day_start_of(now)
    home = rng.choice(len(market_ids), size=n, p=market_p)

    levels = np.full((n, n_trades), -1, dtype=np.int8)
    level_values = np.array([0, 5, 4, 3, 2, 1], dtype=np.int8)
    level_p = [0.45, 0.22, 0.17, 0.10, 0.045, 0.015]
    primary = rng.choice(n_trades, size=n, p=popularity)
    levels[np.arange(n), primary] = rng.choice(level_values, size=n, p=level_p)
    count = rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15])
    group_first = np.searchsorted(group_of, np.arange(len(group_pay)))  # trades sorted by group
    group_size = np.bincount(group_of, minlength=len(group_pay))
    for extra in (2, 3):
        who = np.flatnonzero(count >= extra)
        same = rng.random(len(who)) < 0.7
        other = rng.choice(n_trades, size=len(who), p=popularity)
        g = group_of[primary[who]]
        in_group = group_first[g] + (rng.random(len(who)) * group_size[g]).astype(np.int64)
        trade = np.where(same, in_group, other)
        fresh = levels[who, trade] < 0  # a repeat draw adds nothing
        levels[who[fresh], trade[fresh]] = rng.choice(level_values, size=fresh.sum(), p=level_p)

    certs = np.zeros((n, len(CERTIFICATES)), dtype=bool)
    holders = np.flatnonzero(rng.random(n) < 0.10)
    for _ in range(2):
        pick = rng.choice(len(CERTIFICATES), size=len(holders), p=CERT_WEIGHTS / CERT_WEIGHTS.sum())
        certs[holders, pick] = True
        holders = holders[rng.random(len(holders)) < 0.3]

    age = np.select(
        [rng.random(n) < p for p in (0.02, 0.08 / 0.98, 0.8 / 0.9)],
        [rng.integers(16, 18, n), rng.integers(18, 23, n), rng.integers(23, 60, n)],
        rng.integers(60, 71, n),
    )
    birth_day = today - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)

    wish = group_pay[group_of[primary]] * rng.lognormal(0, 0.2, n)
    wish = np.where(rng.random(n) < 0.7, np.round(wish / 10) * 10, np.nan)

    dx, dy = rng.normal(0, 8, n), rng.normal(0, 8, n)
    dlat, dlon = _km_to_deg(market_lat[home], dx, dy)
    unknown = rng.random(n) < 0.03
    lat = np.where(unknown, np.nan, market_lat[home] + dlat)
    lon = np.where(unknown, np.nan, market_lon[home] + dlon)

    days = np.full(n, 0x7F, dtype=np.int64)
    partial = np.flatnonzero(rng.random(n) < 0.2)
    bits = (rng.random((len(partial), 7)) < 0.7) << np.arange(7)
    days[partial] = bits.sum(axis=1) | (1 << rng.integers(0, 7, len(partial)))

    busy_count = rng.choice([0, 1, 2, 3], size=n, p=[0.70, 0.20, 0.08, 0.02])
    offsets = np.concatenate(([0], np.cumsum(busy_count))).astype(np.int64)
    total = int(offsets[-1])
    b_start = now + rng.integers(-4 * 60, 14 * 1440, total) // 30 * 30
    b_end = b_start + rng.integers(4 * 60, 10 * 60 + 1, total) // 30 * 30

    reliability = rng.beta(5, 2, n)
    sanctioned = rng.random(n) < 0.005

    market = np.full(n, NONE, dtype=np.int64)
    at = np.full(n, NONE, dtype=np.int64)
    gigs_today = np.zeros(n, dtype=np.int64)
    roll = rng.random(n)
    on_site = roll < 0.05
    earlier = (roll >= 0.05) & (roll < 0.05 + 0.6)
    elsewhere = rng.random(n) < 0.1
    where = np.where(elsewhere, rng.choice(len(market_ids), size=n, p=market_p), home)
    market[on_site] = market_ids[where[on_site]]
    at[on_site] = rng.integers(day_start, now + 1, on_site.sum())
    gigs_today[on_site] = rng.choice([0, 1, 2], size=on_site.sum(), p=[0.75, 0.2, 0.05])
    market[earlier] = market_ids[home[earlier]]
    at[earlier] = day_start - rng.integers(60, 60 * 1440, earlier.sum())

    return WorkerColumns(
        ids=np.arange(first_id, first_id + n, dtype=np.int64),
        trade_codes=list(codes),
        levels=levels,
        cert_names=list(CERTIFICATES),
        certs=certs,
        birth_day=birth_day.astype(np.int64),
        desired_pay=wish,
        lat=lat,
        lon=lon,
        available_weekdays=days,
        busy_offsets=offsets,
        busy_starts=b_start.astype(np.int64),
        busy_ends=b_end.astype(np.int64),
        reliability=reliability,
        sanctioned=sanctioned,
        checked_in_market=market,
        checked_in_at=at,
        gigs_today=gigs_today,
    )


def gigs(
    rng: np.random.Generator,
    m: int,
    *,
    first_id: int,
    market_lat: np.ndarray,
    market_lon: np.ndarray,
    market_ids: np.ndarray,
    market_p: np.ndarray,
    popularity: np.ndarray,
    now: int,
) -> GigColumns:
    """m synthetic open gigs as columns."""
    codes, _, group_of, group_pay = trade_table()
    where = rng.choice(len(market_ids), size=m, p=market_p)
    trade = rng.choice(len(codes), size=m, p=popularity)
    local_midnight = day_start_of(now)
    hour = rng.choice([6, 7, 8, 9, 13, 14, 18], size=m, p=[0.15, 0.3, 0.25, 0.1, 0.1, 0.05, 0.05])
    starts = local_midnight + rng.integers(0, 14, m) * 1440 + hour * 60
    starts = np.where(rng.random(m) < 0.03, now - rng.integers(0, 180, m), starts)
    ends = starts + rng.integers(4, 11, m) * 60
    starts = np.where(ends <= now, starts + 1440, starts)  # nothing already over
    ends = np.where(ends <= now, ends + 1440, ends)
    weekday = ((starts + LOCAL_OFFSET) // 1440 + 3) % 7  # 1970-01-01 was a Thursday

    pay = np.round(group_pay[group_of[trade]] * rng.lognormal(0, 0.15, m) / 10) * 10
    slots = np.minimum(rng.geometric(0.35, m), 10)
    level = rng.choice([0, 5, 4, 3], size=m, p=[0.8, 0.08, 0.07, 0.05])
    certs = np.zeros((m, len(CERTIFICATES)), dtype=bool)
    needing = np.flatnonzero(rng.random(m) < 0.10)
    pick = rng.choice(len(CERTIFICATES), size=len(needing), p=CERT_WEIGHTS / CERT_WEIGHTS.sum())
    certs[needing, pick] = True
    min_age = np.where(rng.random(m) < 0.25, 18, 16)
    max_age = rng.choice([NONE, 60, 55], size=m, p=[0.85, 0.10, 0.05])

    dx, dy = rng.normal(0, 3, m), rng.normal(0, 3, m)
    dlat, dlon = _km_to_deg(market_lat[where], dx, dy)
    unknown = rng.random(m) < 0.02
    return GigColumns(
        ids=np.arange(first_id, first_id + m, dtype=np.int64),
        market_id=market_ids[where],
        trade_codes=list(codes),
        trade=trade.astype(np.int64),
        starts=starts.astype(np.int64),
        ends=ends.astype(np.int64),
        start_weekday=weekday.astype(np.int64),
        pay_per_day=pay,
        open_slots=slots.astype(np.int64),
        level_required=level.astype(np.int64),
        cert_names=list(CERTIFICATES),
        certs=certs,
        min_age=min_age.astype(np.int64),
        max_age=max_age.astype(np.int64),
        lat=np.where(unknown, np.nan, market_lat[where] + dlat),
        lon=np.where(unknown, np.nan, market_lon[where] + dlon),
        employer_standing=rng.beta(4, 2, m),
    )


def province(
    n_workers: int = 1_000_000,
    n_gigs: int = 100_000,
    *,
    seed: int = 20241,
    n_markets: int = 150,
    now: int = DEFAULT_NOW,
) -> Province:
    """A seeded synthetic province (same seed and sizes, same data)."""
    rng = np.random.default_rng(seed)
    market_lat, market_lon, market_p = _markets(rng, n_markets)
    market_ids = np.arange(1, n_markets + 1, dtype=np.int64)
    codes, trade_groups, _, _ = trade_table()
    popularity = _trade_popularity(rng, len(codes))
    common = dict(
        market_lat=market_lat,
        market_lon=market_lon,
        market_ids=market_ids,
        market_p=market_p,
        popularity=popularity,
        now=now,
    )
    return Province(
        trade_groups=trade_groups,
        market_ids=market_ids,
        market_lat=market_lat,
        market_lon=market_lon,
        workers=workers(rng, n_workers, first_id=1, **common),
        gigs=gigs(rng, n_gigs, first_id=1, **common),
        now=now,
        day_start=day_start_of(now),
    )


def more_workers(p: Province, n: int, *, seed: int, first_id: int) -> WorkerColumns:
    """n further workers for the same province (for timing inserts)."""
    rng = np.random.default_rng(seed)
    popularity = _trade_popularity(np.random.default_rng(seed + 1), len(trade_table()[0]))
    return workers(
        rng,
        n,
        first_id=first_id,
        market_lat=p.market_lat,
        market_lon=p.market_lon,
        market_ids=p.market_ids,
        market_p=np.full(len(p.market_ids), 1 / len(p.market_ids)),
        popularity=popularity,
        now=p.now,
    )


def more_gigs(p: Province, m: int, *, seed: int, first_id: int) -> GigColumns:
    """m further gigs for the same province (for timing inserts)."""
    rng = np.random.default_rng(seed)
    popularity = _trade_popularity(np.random.default_rng(seed + 1), len(trade_table()[0]))
    return gigs(
        rng,
        m,
        first_id=first_id,
        market_lat=p.market_lat,
        market_lon=p.market_lon,
        market_ids=p.market_ids,
        market_p=np.full(len(p.market_ids), 1 / len(p.market_ids)),
        popularity=popularity,
        now=p.now,
    )
