"""Scalar pieces shared by both engines: filter codes, score components for one pair, reasons.

The reference engine scores pairs with these functions; the columnar engine scores whole columns
with numpy (engine.py) and calls :func:`explain` only for the top k it returns, so both engines'
reasons come from the same figures. Keep the numpy formulas in engine.py in step with these.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from matching.records import Reason
from matching.weights import Weights

MINUTES_PER_DAY = 1440
EARTH_RADIUS_KM = 6371.0088
EPOCH = date(1970, 1, 1)

# Hard filter codes, in the order why_not() lists them.
FILTER_CODES = (
    "no_open_slots",  # gig.open_slots <= 0 (已招满)
    "trade",  # neither the gig's trade nor a related one (工种不符)
    "level",  # the gig's trade not held at the required level (技能等级不够)
    "certificates",  # a required certificate missing (缺证)
    "overlap",  # the gig overlaps a gig already accepted (时间冲突)
    "weekday",  # the worker does not work on the gig's weekday
    "sanctioned",  # under a live sanction (失信惩戒中)
    "age",  # below the minimum or above the maximum legal age on the start day
    "started",  # the gig is over (gig.ends <= now)
)

# Reason codes in the order they are listed when their weights tie.
REASON_ORDER = (
    "trade_exact",
    "trade_related",
    "certificates",
    "level",
    "on_site",
    "waiting",
    "pay_above_wish",
    "pay_near_wish",
    "pay",
    "distance",
    "running",
    "starts_in",
    "reliable",
    "employer_standing",
    "pay_below_wish",
    "gigs_today",
)
_RANK = {code: i for i, code in enumerate(REASON_ORDER)}


# ---- age (法定用工年龄) -----------------------------------------------------------------------
def day_of(minute: int) -> int:
    """The UTC day (days since 1970-01-01) of an epoch minute."""
    return minute // MINUTES_PER_DAY


def age_on(birth_day: int, day: int) -> int:
    """Whole calendar years of age on `day` of someone born on `birth_day` (both epoch days)."""
    born, then = EPOCH + timedelta(days=birth_day), EPOCH + timedelta(days=day)
    return then.year - born.year - ((then.month, then.day) < (born.month, born.day))


_BIG = 2**62  # beyond any epoch day


def latest_birth_day(day: int, years: int) -> int:
    """The last birth day (epoch days) of someone at least `years` old on `day`.

    Born on or before it: age >= years. A 29 February start day in a year `years` earlier
    without one gives 28 February (a 29 February birthday counts on 1 March in common years,
    so someone born 28 February is exactly `years` old and someone born 1 March is not).
    """
    then = EPOCH + timedelta(days=day)
    year = then.year - years
    if year < 1:
        return -_BIG  # older than the calendar: nobody qualifies
    if year > 9999:
        return _BIG  # a negative age: everybody qualifies
    try:
        last = date(year, then.month, then.day)
    except ValueError:  # 29 February into a common year
        last = date(year, 2, 28)
    return (last - EPOCH).days


def birth_day_bounds(starts: int, min_age: int, max_age: int | None) -> tuple[int, int]:
    """Inclusive range of birth days allowed by a gig's age limits on its start day."""
    day = day_of(starts)
    upper = latest_birth_day(day, min_age)
    lower = -_BIG if max_age is None else latest_birth_day(day, max_age + 1) + 1
    return lower, upper


# ---- score components (see weights.py) ----------------------------------------------------
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2) - math.radians(lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def clip01(x: float) -> float:
    """x clipped into [0, 1]."""
    return min(1.0, max(0.0, x))


def trade_component(exact: bool, w: Weights) -> float:
    """1 for the gig's own trade, w.related_trade for a related one."""
    return 1.0 if exact else w.related_trade


def skill_component(exact: bool, level: int) -> float:
    """(6 - L) / 5 for the exact trade held at level L (5..1), else 0."""
    return (6 - level) / 5 if exact and level > 0 else 0.0


def valid_wish(wish: float | None) -> bool:
    """A pay wish counts when given and positive (a wish of 0 means none)."""
    return wish is not None and wish > 0 and not math.isnan(wish)


def pay_component(pay: float, wish: float | None, w: Weights) -> float:
    """0.5 without a wish, else a clipped ramp on pay / wish."""
    if not valid_wish(wish):
        return 0.5
    ratio = pay / wish
    return clip01((ratio - w.pay_low_ratio) / (w.pay_high_ratio - w.pay_low_ratio))


def distance_component(km: float | None, w: Weights) -> float:
    """1 / (1 + km / scale); 0.5 when the distance is unknown."""
    return 0.5 if km is None else 1.0 / (1.0 + km / w.distance_scale_km)


def start_component(starts: int, now: int, w: Weights) -> float:
    """1 for running gigs and gigs starting within w.start_full_hours, decaying after."""
    hours = (starts - now) / 60
    return 1.0 / (1.0 + max(hours - w.start_full_hours, 0.0) / w.start_decay_hours)


def fairness_component(on_site: bool, minutes: int, gigs_today: int, w: Weights) -> float:
    """Walk-ins on site only: grows with minutes waited, falls with gigs had today."""
    if not on_site:
        return 0.0
    waited = min(max(minutes, 0), w.wait_cap_minutes) / w.wait_cap_minutes
    return (w.fairness_base + (1.0 - w.fairness_base) * waited) / (1 + max(gigs_today, 0))


def total(parts: tuple[float, ...], w: Weights) -> float:
    """The weighted sum, added in the order the columnar engine adds its columns."""
    trade, skill, pay, distance, start, reliability, standing, fairness = parts
    score = w.trade * trade
    score = score + w.skill * skill
    score = score + w.pay * pay
    score = score + w.distance * distance
    score = score + w.start * start
    score = score + w.reliability * reliability
    score = score + w.employer * standing
    return score + w.fairness * fairness


# ---- reasons ---------------------------------------------------------------------------------
def explain(
    *,
    w: Weights,
    exact: bool,
    worker_trade: str,
    gig_trade: str,
    level: int,
    certificates: list[str],
    pay: float,
    wish: float | None,
    km: float | None,
    starts: int,
    now: int,
    reliability: float,
    standing: float,
    on_site: bool,
    minutes: int,
    gigs_today: int,
) -> tuple[Reason, ...]:
    """The reasons for one match, most important (largest weighted component) first.

    `worker_trade` is the trade that fits (the gig's own, or the worker's related one, the
    smallest code when several); `level` is the worker's level in the gig's trade (0 none);
    `minutes` the minutes waited on site. Figures are plain numbers and strings.
    """
    trade = trade_component(exact, w)
    items: list[tuple[float, Reason]] = []
    if exact:
        items.append((w.trade * trade, Reason("trade_exact", {"trade": gig_trade})))
    else:
        params = {"trade": worker_trade, "gig_trade": gig_trade}
        items.append((w.trade * trade, Reason("trade_related", params)))
    if exact and level > 0:
        items.append((w.skill * skill_component(exact, level), Reason("level", {"level": level})))
    if certificates:
        items.append((w.trade * trade, Reason("certificates", {"names": sorted(certificates)})))

    pay_value = w.pay * pay_component(pay, wish, w)
    if valid_wish(wish):
        ratio = pay / wish
        if ratio > 1 + w.pay_near_band:
            code = "pay_above_wish"
        elif ratio < 1 - w.pay_near_band:
            code = "pay_below_wish"
        else:
            code = "pay_near_wish"
        items.append((pay_value, Reason(code, {"pay": round(pay, 2), "wish": round(wish, 2)})))
    else:
        items.append((pay_value, Reason("pay", {"pay": round(pay, 2)})))

    if km is not None:
        reason = Reason("distance", {"km": round(km, 1)})
        items.append((w.distance * distance_component(km, w), reason))
    start_value = w.start * start_component(starts, now, w)
    if starts <= now:
        items.append((start_value, Reason("running", {})))
    else:
        items.append((start_value, Reason("starts_in", {"hours": round((starts - now) / 60, 1)})))
    reliability = clip01(reliability)
    if reliability >= w.reason_reliability:
        reason = Reason("reliable", {"reliability": round(reliability, 2)})
        items.append((w.reliability * reliability, reason))
    standing = clip01(standing)
    if standing >= w.reason_standing:
        reason = Reason("employer_standing", {"standing": round(standing, 2)})
        items.append((w.employer * standing, reason))
    if on_site:
        fairness = w.fairness * fairness_component(True, minutes, gigs_today, w)
        items.append((fairness, Reason("on_site", {})))
        items.append((fairness, Reason("waiting", {"minutes": int(minutes)})))
        if gigs_today > 0:
            items.append((0.0, Reason("gigs_today", {"count": int(gigs_today)})))
    ranked = sorted((-value, _RANK[reason.code], reason) for value, reason in items)
    return tuple(reason for _, _, reason in ranked)
