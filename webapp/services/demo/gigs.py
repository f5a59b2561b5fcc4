"""The 200 gig postings: when, where, by whom, for how much; planned, then written with their
contact phones and first revision."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from webapp import refdata
from webapp.extensions import db
from webapp.models import Gig, GigRevision
from webapp.models.types import EmployerKind, GigChannel, GigStatus, PayUnit
from webapp.services import identity

from . import postings, text
from .context import (
    FUTURE_DAYS,
    HISTORY_DAYS,
    LOCAL,
    N_GIGS,
    Context,
    EmployerPlan,
    GigPlan,
    county_name,
    local_at,
    local_date,
)


def plan_gigs(ctx: Context) -> None:
    """200 postings across every trade, spread over the history and the next two weeks."""
    rng = ctx.rng
    trades = list(refdata.trades())
    by_code = {t.code: t for t in trades}
    gig_weights = [text.TRADE_PROFILES.get(t.code, text.DEFAULT_PROFILE)[0] for t in trades]
    cover = [t.code for t in trades]
    rng.shuffle(cover)
    multi = [
        t
        for t in trades
        if text.TRADE_PROFILES.get(t.code, text.DEFAULT_PROFILE)[7] in ("project", "season", "care")
    ]
    rejected_texts = list(text.REJECTED_POSTINGS)
    index = 0
    attempts = 0
    while index < N_GIGS:
        attempts += 1
        if attempts > N_GIGS * 50:  # pragma: no cover - the employer table rules this out
            raise RuntimeError("could not place the demo gigs")
        # Fixed slots make sure every phase and status shows up whatever the seed.
        rejected = None
        employer = None
        if index < 8:
            trade = rng.choice(multi)
            offset = -rng.randint(1, 5)
        elif index < 11:
            trade = rng.choices(trades, weights=gig_weights, k=1)[0]
            offset = 1
        elif index < 13:
            rejected = rejected_texts[index - 11]
            trade = by_code[rejected[0]]
            offset = rng.randint(2, FUTURE_DAYS) if index == 11 else -rng.randint(20, 80)
        elif index < 20:
            trade = rng.choices(trades, weights=gig_weights, k=1)[0]
            offset = rng.randint(2, FUTURE_DAYS)
        elif index == 20:
            # The employer later sanctioned for unpaid wages: one gig well before that.
            employer = next(e for e in ctx.employers if e.state == "arrears")
            trade = by_code[rng.choice(employer.trades)]
            offset = -rng.randint(45, 75)
        else:
            trade = (
                by_code[cover[-1]] if cover else rng.choices(trades, weights=gig_weights, k=1)[0]
            )
            offset = 0
            while offset == 0:
                offset = rng.randint(-HISTORY_DAYS + 3, FUTURE_DAYS)
        plan = _plan_gig(ctx, index, trade, offset, rejected, employer)
        if plan is None:
            continue
        if index == 20:
            plan.plan = "filled"
            ctx.arrears_gig = plan
        elif cover and trade.code == cover[-1]:
            cover.pop()
        ctx.gigs.append(plan)
        index += 1
    ctx.gigs.sort(key=lambda g: (g.row.starts_at, g.row.title))
    ctx.progress(f"gigs {len(ctx.gigs)}/{N_GIGS}")


def _plan_gig(
    ctx: Context,
    index: int,
    trade: refdata.Trade,
    offset: int,
    rejected,
    employer: EmployerPlan | None = None,
) -> GigPlan | None:
    """One posting, or None when no employer could have posted it then."""
    rng = ctx.rng
    profile = text.TRADE_PROFILES.get(trade.code, text.DEFAULT_PROFILE)
    _gw, _m, _f, (hc_low, hc_high), (sh, sm), hours_base, break_min, kind = profile
    start_day = ctx.today + timedelta(days=offset)
    duration = -offset + rng.randint(2, 10) if index < 8 else _duration(ctx, kind)
    starts_at = local_at(start_day, time(sh, sm))

    # When it was posted: mostly a day or two ahead, some the same morning (即时快招).
    lead = rng.choices((0, 1, 2, 3, 4, 5), weights=(25, 40, 20, 7, 5, 3), k=1)[0]
    created_day = start_day - timedelta(days=lead)
    if index in (11, 12) or 13 <= index < 20:
        created_day = min(created_day, ctx.today - timedelta(days=rng.randint(1, 2)))
    elif created_day >= ctx.today:
        created_day = ctx.today - timedelta(days=rng.randint(1, 5))
    if created_day == start_day:
        created_at = starts_at - ctx.minutes(100, 180)
        if local_date(created_at) != start_day or created_at.astimezone(LOCAL).hour < 5:
            created_day = start_day - timedelta(days=1)
    if created_day != start_day:
        created_at = local_at(created_day, time(7, 0)) + ctx.minutes(0, 14 * 60)
    if employer is None:
        employer = _pick_employer(ctx, trade.code, created_at)
    elif not (employer.posts_from < created_at < employer.posts_until):
        return None
    if employer is None:
        return None

    station_key = employer.station
    if employer.row.kind is not EmployerKind.INDIVIDUAL and rng.random() < 0.1:
        same_city = [
            s.key
            for s in text.STATIONS
            if s.city == ctx.stations[station_key].spec.city and s.key != station_key
        ]
        station_key = rng.choice(same_city) if same_city else station_key
    station = ctx.stations[station_key]
    city = station.spec.city
    county = text.STATION_COUNTY[station_key]
    if employer.row.kind is EmployerKind.INDIVIDUAL:
        area = employer.county
    elif trade.group == "agriculture" and trade.code != "4-09-10-01":
        area = rng.choice([c for c in text.RURAL_COUNTIES if c.startswith(city[:4])])
    else:
        area = rng.choice(text.NEARBY[county])
    area_name = county_name(area)

    amount, unit, hours = pay(ctx, trade.code, area, hours_base, start_day)
    span = timedelta(hours=hours, minutes=break_min if hours >= 6 else 0)
    ends_at = local_at(start_day + timedelta(days=duration - 1), time(sh, sm)) + span
    if local_date(ends_at) == ctx.today or (
        starts_at < ctx.cutoff <= ends_at and local_date(ends_at) <= ctx.today
    ):
        duration += 1
        ends_at += timedelta(days=1)
    valid_until = start_day + timedelta(days=min(duration - 1, 2))

    headcount = rng.randint(hc_low, hc_high)
    if employer.row.kind is EmployerKind.INDIVIDUAL:
        headcount = min(headcount, 4 if trade.code == "4-02-05-99" else 2)
    settlement = postings.settlement(ctx, trade, duration, unit)
    provides = postings.provides(ctx, trade, duration)
    skill = 0
    if trade.code in text.SKILLED_TRADES and rng.random() < 0.3:
        skill = rng.choice((5, 5, 4))
    channel = postings.channel(ctx, employer)
    address, place = postings.work_place(ctx, trade, area, city, employer)
    lat0, lon0 = text.COUNTY_CENTRES.get(area, (station.spec.lat, station.spec.lon))

    pay_text = f"{amount}元/{'小时' if unit is PayUnit.HOUR else '天'}"
    crop = text.CROPS[start_day.month]
    if rejected:
        title = rejected[1].format(n=headcount)
        description = rejected[2]
    else:
        title = postings.title(
            ctx, trade, employer, headcount, area_name, pay_text, crop, start_day
        )
        # What the title promises, the posting provides.
        if any(word in title for word in ("包吃", "包午餐", "管饭", "管午饭")):
            provides["provides_meals"] = True
        if "包吃住" in title:
            provides["provides_lodging"] = True
        description = postings.description(
            ctx, trade, address + place, pay_text, provides, settlement, skill, crop
        )
    phase = "future" if starts_at >= ctx.cutoff else "ongoing" if ends_at >= ctx.cutoff else "past"
    if rejected:
        plan = "rejected"
    elif 13 <= index < 20:
        plan = "pending"
    elif phase == "past":
        plan = rng.choices(("filled", "closed", "expired"), weights=(60, 15, 25), k=1)[0]
    else:
        plan = "open"
    reviewer = rng.choice(station.staff)
    reviewed_at = None
    if plan != "pending":
        limit = min(starts_at - timedelta(minutes=60), ctx.cutoff - timedelta(minutes=40))
        reviewed_at = ctx.step(created_at, ctx.minutes(5, 90), limit)
    row = Gig(
        employer=employer.row,
        market=station.market,
        trade_code=trade.code,
        title=title,
        description=description,
        headcount=headcount,
        accepted_count=0,
        work_address=address + place,
        area_code=area,
        latitude=round(lat0 + rng.uniform(-0.03, 0.03), 5),
        longitude=round(lon0 + rng.uniform(-0.03, 0.03), 5),
        starts_at=starts_at,
        ends_at=ends_at,
        daily_hours=Decimal(hours),
        pay_amount=amount,
        pay_unit=unit,
        settlement=settlement,
        skill_level_required=skill,
        certificates_required=[trade.certificate] if trade.certificate else [],
        heavy_or_hazardous=trade.heavy_or_hazardous,
        # 即时快招: every other unskilled gig takes verified walk-ins from the kiosk at once
        # (decided without the random stream, so the rest of the demo stays as it was).
        auto_accept=skill == 0 and not trade.certificate and index % 2 == 0,
        contact_name=employer.row.contact_name,
        valid_until=valid_until,
        channel=channel,
        screening=[],
        revision=1,
        created_at=created_at,
        **provides,
    )
    if plan == "rejected":
        row.screening = [dict(finding) for finding in rejected[4]]
        row.review_note = rejected[3]
    if plan == "pending" and index == 13:
        row.screening = [dict(text.PENDING_FINDING)]
    if plan != "pending":
        row.reviewed_by_id = reviewer.id
        row.reviewed_at = reviewed_at
    return GigPlan(
        row,
        employer,
        station_key,
        created_at,
        reviewed_at,
        reviewer if plan != "pending" else None,
        plan,
        phase,
    )


def _pick_employer(ctx: Context, trade_code: str, created: datetime) -> EmployerPlan | None:
    """An employer who posts this trade and may post at this time."""

    def can_post(e: EmployerPlan) -> bool:
        return (
            e.posts_from is not None
            and e.posts_from < created
            and (e.posts_until is None or created < e.posts_until)
        )

    eligible = [e for e in ctx.employers if trade_code in e.trades and can_post(e)]
    if not eligible:
        return None
    weights = [
        3.0
        if e.row.kind is EmployerKind.INDIVIDUAL
        else 0.6
        if e.row.kind is EmployerKind.HR_AGENCY
        else 1.0
        for e in eligible
    ]
    return ctx.rng.choices(eligible, weights=weights, k=1)[0]


def pay(ctx: Context, trade_code: str, area: str, hours_base: int, on: date):
    """(amount, unit, daily hours) from the wage guide, never below the minimum wage."""
    city = refdata.city_of(area).code
    guide = refdata.wage_guide(city, trade_code)
    minimum = refdata.minimum_wage(area, on)
    hourly_min = minimum.hourly.to_integral_value(ROUND_CEILING)
    if guide is None:
        low, median, high, unit = Decimal(120), Decimal(160), Decimal(220), "day"
    else:
        low, median, high, unit = guide.low, guide.median, guide.high, guide.unit
    amount = Decimal(str(ctx.rng.gauss(float(median), float(high - low) / 5)))
    amount = min(max(amount, low), high)
    if unit == "hour":
        amount = max(amount.to_integral_value(), hourly_min)
        return amount, PayUnit.HOUR, hours_base
    step = Decimal(10) if amount >= 200 else Decimal(5)
    amount = (amount / step).to_integral_value() * step
    amount = max(amount, (minimum.daily / step).to_integral_value(ROUND_CEILING) * step)
    # 非全日制 hourly minimum: a day rate must cover its hours; shorten the day if needed.
    hours = min(hours_base, int((amount / minimum.hourly).to_integral_value(ROUND_FLOOR)))
    if hours < 4:
        hours = 4
        amount = (minimum.hourly * 4).to_integral_value(ROUND_CEILING)
    return amount, PayUnit.DAY, hours


def _duration(ctx: Context, kind: str) -> int:
    """How many days the work lasts, drawn for its kind of duration."""
    spans = text.DURATIONS[kind]
    low, high, _w = ctx.rng.choices(spans, weights=[s[2] for s in spans], k=1)[0]
    return ctx.rng.randint(low, high)


def write_gigs(ctx: Context) -> None:
    """Gig rows (pending and rejected included), contact phones and revision 1."""
    for gig in ctx.gigs:
        if gig.plan == "pending":
            gig.row.status = GigStatus.PENDING_REVIEW
        elif gig.plan == "rejected":
            gig.row.status = GigStatus.REJECTED
        actions = {finding.get("action") for finding in gig.row.screening}
        gig.row.screening_decision = (
            "block" if "block" in actions else "review" if actions else "pass"
        )
        if gig.row.status not in (GigStatus.PENDING_REVIEW, GigStatus.REJECTED):
            gig.row.published_at = gig.reviewed_at or gig.created_at
    db.session.add_all([g.row for g in ctx.gigs])
    db.session.flush()
    revisions = []
    for gig in ctx.gigs:
        identity.store(gig.row, "contact_phone", gig.employer.phone)
        staff_entered = gig.row.channel is not GigChannel.QR
        if staff_entered:
            station_staff = ctx.stations[gig.station].staff
            actor_id = station_staff[gig.row.id % len(station_staff)].id
        else:
            actor_id = gig.employer.row.id
        reason = {
            GigChannel.QR: "雇主扫码发布",
            GigChannel.WINDOW: "窗口代录",
            GigChannel.SPECIALIST: "用工专员采集",
            GigChannel.PHONE: "电话登记",
        }
        revisions.append(
            GigRevision(
                gig_id=gig.row.id,
                revision=1,
                actor_kind="staff" if staff_entered else "employer",
                actor_id=actor_id,
                reason=reason[gig.row.channel],
                snapshot=_snapshot(gig.row),
                created_at=gig.created_at,
            )
        )
    db.session.add_all(revisions)
    db.session.flush()


def _snapshot(gig: Gig) -> dict:
    """The main fields of a posting as submitted (no contact phone)."""
    return {
        "title": gig.title,
        "description": gig.description,
        "trade_code": gig.trade_code,
        "headcount": gig.headcount,
        "work_address": gig.work_address,
        "area_code": gig.area_code,
        "starts_at": gig.starts_at.isoformat(),
        "ends_at": gig.ends_at.isoformat(),
        "daily_hours": str(gig.daily_hours),
        "pay_amount": str(gig.pay_amount),
        "pay_unit": gig.pay_unit.value,
        "settlement": gig.settlement.value,
        "provides_meals": gig.provides_meals,
        "provides_lodging": gig.provides_lodging,
        "provides_transport": gig.provides_transport,
        "provides_tools": gig.provides_tools,
        "provides_insurance": gig.provides_insurance,
        "skill_level_required": gig.skill_level_required,
        "certificates_required": list(gig.certificates_required),
        "heavy_or_hazardous": gig.heavy_or_hazardous,
        "contact_name": gig.contact_name,
        "valid_until": gig.valid_until.isoformat(),
        "channel": gig.channel.value,
        "status": GigStatus.PENDING_REVIEW.value,
    }
