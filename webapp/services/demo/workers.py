"""The 1,000 workers: who they are, what they do, and (after the history) their trades,
certificates, consents and last check-ins."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from webapp import refdata
from webapp.extensions import db
from webapp.models import Consent, Worker, WorkerCertificate, WorkerTrade
from webapp.models.types import (
    ConsentPurpose,
    EmployerKind,
    PayUnit,
    SubjectKind,
    VerificationStatus,
)
from webapp.services import identity

from . import text
from .context import (
    BATCH,
    CONSENT_VERSION,
    HISTORY_DAYS,
    N_WORKERS,
    Context,
    WorkerPlan,
    add_months,
    bulk_insert,
    full_years,
    local_at,
    years_before,
)


def build_workers(ctx: Context) -> None:
    """1,000 verified workers with encrypted ID numbers and (for ~70%) phones."""
    station_keys = [s.key for s in text.STATIONS]
    station_weights = (30, 25, 25, 20)
    staged: list[tuple[WorkerPlan, str]] = []
    blind = identity.blind_index()
    for index in range(N_WORKERS):
        rng = ctx.rng
        key = rng.choices(station_keys, weights=station_weights, k=1)[0]
        station = ctx.stations[key]
        city = station.spec.city
        age = _age(ctx, index)
        minor = age < 18
        sex = "M" if rng.random() < 0.66 else "F"
        birth = years_before(ctx.today, age) - timedelta(days=rng.randint(1, 364))
        hukou = _hukou(ctx, city)
        number = ctx.resident_id(hukou, birth, sex)
        name = text.person_name(rng, sex, birth.year)
        edu = text.education(rng, age)
        trades = _worker_trades(ctx, sex, minor)
        category, flags = _category(ctx, hukou, city, age, sex, edu)
        # Registration: most before the history, about a third during it.
        if rng.random() < 0.35 or minor:
            reg_day = ctx.day0 + timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
        else:
            reg_day = ctx.day0 - timedelta(days=rng.randint(1, 540))
        reg_day = max(reg_day, years_before(birth, -16))
        reg_at = local_at(reg_day, station.spec.opens) + ctx.minutes(10, 240)
        method = "staff" if rng.random() < (0.25 if age >= 58 else 0.12) else "kiosk_face"
        phone = ctx.phone() if rng.random() < (0.8 if age < 55 else 0.55) else None
        if age >= 46:
            valid_until = None  # 长期
        else:
            years = 10 if age < 26 else 20
            valid_until = add_months(ctx.today, rng.randint(1, years * 12 - 1))
        primary = next(iter(trades))
        guide = refdata.wage_guide(city, primary)
        if guide is not None:
            desired = guide.median + Decimal(rng.randint(-2, 4)) * (
                Decimal(10) if guide.unit == "day" else Decimal(1)
            )
            desired_unit = PayUnit.DAY if guide.unit == "day" else PayUnit.HOUR
        else:
            desired, desired_unit = Decimal(150), PayUnit.DAY
        county = text.STATION_COUNTY[key]
        home = rng.choice(text.NEARBY[county])
        everyday = rng.random() < 0.6
        row = Worker(
            name=name,
            id_number_index=blind.compute(number, kind="resident_id"),
            phone_index=blind.compute(phone, kind="phone") if phone else None,
            birth_date=birth,
            sex=sex,
            hukou_region=hukou,
            nation=text.weighted(rng, text.NATIONS),
            id_valid_until=valid_until,
            home_area=home,
            education=edu,
            person_category=category,
            flags=flags,
            desired_pay_amount=desired,
            desired_pay_unit=desired_unit,
            availability={
                "days": list(range(1, 8)) if everyday else list(range(1, 7)),
                "from": rng.choice(("06:00", "06:30", "07:00")),
                "to": rng.choice(("17:00", "18:00", "19:00")),
                "areas": list(dict.fromkeys((home, county))),
            },
            registered_market=station.market,
            verification_status=VerificationStatus.VERIFIED,
            verification_method=method,
            verified_at=reg_at,
            verified_by_id=rng.choice(station.staff).id if method == "staff" else None,
            created_at=reg_at,
        )
        certs = set()
        for code, level in trades.items():
            cert = refdata.trade(code).certificate
            if cert and (level > 0 or rng.random() < 0.55):
                certs.add(cert)
        weight = rng.choices((8.0, 2.0, 0.5), weights=(25, 45, 30), k=1)[0]
        plan = WorkerPlan(
            row, index, key, city, birth, sex, trades, certs, weight, reg_at, method, phone
        )
        ctx.workers.append(plan)
        staged.append((plan, number))
        if len(staged) == BATCH or index == N_WORKERS - 1:
            db.session.add_all([p.row for p, _n in staged])
            db.session.flush()
            for p, num in staged:
                identity.store(p.row, "id_number", num)
                if p.phone:
                    identity.store(p.row, "phone", p.phone)
            staged = []
            ctx.progress(f"workers {index + 1}/{N_WORKERS}")


def _hukou(ctx: Context, city: str) -> str:
    """户籍地 county code: mostly the station's city, some the other city or elsewhere."""
    roll = ctx.rng.random()
    if roll < 0.65:
        pick_city = city
    elif roll < 0.75:
        pick_city = "410300" if city == "410100" else "410100"
    else:
        return text.weighted(ctx.rng, [(code, w) for code, _n, w in text.OUTSIDE_HUKOU])
    counties = [r.code for r in refdata.children(pick_city)]
    return ctx.rng.choice(counties)


def _age(ctx: Context, index: int) -> int:
    """Ages 18-65 weighted towards 40-60; a few 16-17 year olds."""
    if index % 150 == 7:
        return ctx.rng.choice((16, 17))
    bins = (
        (18, 24, 50),
        (25, 34, 110),
        (35, 44, 170),
        (45, 54, 330),
        (55, 60, 230),
        (61, 65, 110),
    )
    low, high, _w = ctx.rng.choices(bins, weights=[b[2] for b in bins], k=1)[0]
    return ctx.rng.randint(low, high)


def _worker_trades(ctx: Context, sex: str, minor: bool) -> dict[str, int]:
    """1-3 trades with skill levels (mostly none, some 五级/四级)."""
    rng = ctx.rng
    pool = [t for t in refdata.trades() if not (minor and t.heavy_or_hazardous)]
    col = 1 if sex == "M" else 2
    weights = [text.TRADE_PROFILES.get(t.code, text.DEFAULT_PROFILE)[col] for t in pool]
    if not any(weights):
        weights = [1] * len(pool)
    primary = rng.choices(pool, weights=weights, k=1)[0]
    chosen = [primary]
    for _ in range(rng.choices((0, 1, 2), weights=(40, 40, 20), k=1)[0]):
        related = [t for t in pool if t.group == primary.group and t not in chosen]
        if related and rng.random() < 0.6:
            chosen.append(rng.choice(related))
        else:
            extra = rng.choices(pool, weights=[w + 0.1 for w in weights], k=1)[0]
            if extra not in chosen:
                chosen.append(extra)
    return {t.code: rng.choices((0, 5, 4, 3), weights=(55, 28, 13, 4), k=1)[0] for t in chosen}


def _category(
    ctx: Context, hukou: str, city: str, age: int, sex: str, edu: str
) -> tuple[str, list]:
    """表8 person category and flags, consistent with age, sex and 户籍."""
    rng = ctx.rng
    flags: list[str] = []
    if age <= 19 and rng.random() < 0.5:
        category = "student"
    elif age <= 24 and edu == "大专":
        category = "new_youth"
        if rng.random() < 0.4:
            flags.append("fresh_graduate")
    elif not hukou.startswith(city[:4]):
        category = "non_local"
    elif hukou in text.RURAL_COUNTIES or refdata.region(hukou).name.endswith(("县", "市")):
        category = "local_rural"
    elif age >= (60 if sex == "M" else 50) and rng.random() < 0.6:
        category = "retired"
    else:
        pairs = [("job_loser", 35), ("other_unemployed", 35), ("employed", 20)]
        if age >= 45:
            pairs.append(("laid_off", 3))
        category = text.weighted(rng, pairs)
    older = (sex == "F" and age >= 40) or (sex == "M" and age >= 50)
    if rng.random() < (0.15 if older else 0.05) and category != "student":
        flags.append("hard_to_employ")
    if older:
        flags.append("older_4050")
    if category in ("local_rural", "non_local") and rng.random() < 0.08:
        flags.append("poverty_alleviated")
    if rng.random() < 0.015:
        flags.append("disabled")
    if sex == "M" and age >= 22 and rng.random() < 0.04:
        flags.append("veteran")
    if rng.random() < 0.01:
        flags.append("zero_employment_family")
    order = [c.code for c in refdata.person_categories()]
    return category, sorted(flags, key=order.index)


def write_worker_details(ctx: Context) -> None:
    """Trades, certificates, consents and last check-in times of the workers (and the
    employers' consents), once the check-ins are planned."""
    trades, certs, consents = [], [], []
    for w in ctx.workers:
        w.row.last_check_in_at = w.last_check_in
        station = ctx.stations[w.station]
        for code, level in w.trades.items():
            years = min(max(1, full_years(w.birth, ctx.today) - 16), ctx.rng.randint(1, 25))
            trades.append(
                {
                    "worker_id": w.row.id,
                    "trade_code": code,
                    "skill_level": level,
                    "years": years,
                    "created_at": w.reg_at,
                }
            )
        for name in sorted(w.certs):
            certs.append(
                {
                    "worker_id": w.row.id,
                    "name": name,
                    "valid_until": ctx.today + timedelta(days=ctx.rng.randint(60, 1500)),
                    "checked_by_id": ctx.rng.choice(station.staff).id,
                    "created_at": w.reg_at,
                }
            )
        kiosk = w.method == "kiosk_face"
        base = {
            "subject_kind": SubjectKind.WORKER,
            "worker_id": w.row.id,
            "employer_id": None,
            "version": CONSENT_VERSION,
            "channel": "kiosk" if kiosk else "staff",
            "kiosk_id": station.kiosks[0].id if kiosk else None,
            "given_at": w.reg_at,
            "withdrawn_at": None,
            "created_at": w.reg_at,
        }
        consents.append({**base, "purpose": ConsentPurpose.PERSONAL_INFO})
        if kiosk:
            consents.append({**base, "purpose": ConsentPurpose.FACE_VERIFICATION})
    for e in ctx.employers:
        given = e.row.created_at
        consents.append(
            {
                "subject_kind": SubjectKind.EMPLOYER,
                "worker_id": None,
                "employer_id": e.row.id,
                "purpose": ConsentPurpose.PERSONAL_INFO,
                "version": CONSENT_VERSION,
                "channel": "phone" if e.row.kind is not EmployerKind.HR_AGENCY else "staff",
                "kiosk_id": None,
                "given_at": given,
                "withdrawn_at": None,
                "created_at": given,
            }
        )
    bulk_insert(WorkerTrade, trades)
    bulk_insert(WorkerCertificate, certs)
    bulk_insert(Consent, consents)
    db.session.flush()
