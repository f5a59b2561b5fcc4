"""What the demo's steps share: the seeded generator, the calendar, the plans built so far,
and the small date, region and insert helpers they all use.

Plans are in-memory records that sit beside the ORM rows until everything is written; identity
values (ID numbers, phones) live only here and as ciphertext in the rows.
"""

from __future__ import annotations

import calendar
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from webapp import refdata
from webapp.extensions import db
from webapp.identity import (
    IdentityError,
    normalize_mobile,
    synthesize_resident_id,
    synthesize_uscc,
)
from webapp.identity.uscc import ALPHABET as USCC_ALPHABET
from webapp.models import (
    Agency,
    Application,
    Employer,
    Gig,
    Kiosk,
    Market,
    StaffUser,
    Worker,
)
from webapp.models.types import ApplicationSource, ApplicationStatus

from . import text
from .summary import DemoAccount

# China has kept one offset all year since 1991: a fixed zone is exact and needs no tz database.
LOCAL = timezone(timedelta(hours=8), "Asia/Shanghai")
HISTORY_DAYS = 91  # about three months of history before `today`
FUTURE_DAYS = 14  # gigs start up to two weeks ahead
N_WORKERS = 1000
N_GIGS = 200
BATCH = 250
CONSENT_VERSION = "2024.07"


# -- plans (in memory, before rows exist) ------------------------------------------------------


@dataclass
class Station:
    """A station market, its staff (the admin first) and its kiosks."""

    spec: text.StationSpec
    market: Market
    admin: StaffUser
    staff: list[StaffUser]
    kiosks: list[Kiosk]


@dataclass
class EmployerPlan:
    """An employer row and what planning needs: station, trades, state, phone, posting window."""

    row: Employer
    station: str
    trades: tuple[str, ...]
    state: str
    county: str
    phone: str  # E.164, in memory only
    posts_from: datetime | None
    posts_until: datetime | None


@dataclass
class WorkerPlan:
    """A worker row and its plan: trades, certificates, how often they come, when they are busy."""

    row: Worker
    index: int
    station: str
    city: str
    birth: date
    sex: str
    trades: dict[str, int]  # trade code -> skill level (0 none, 5..1)
    certs: set[str]
    weight: float
    reg_at: datetime
    method: str
    phone: str | None
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    busy_days: set[date] = field(default_factory=set)
    last_check_in: datetime | None = None


@dataclass
class AppPlan:
    """One application as planned: source, status, step timestamps and how it ended."""

    worker: WorkerPlan
    source: ApplicationSource
    status: ApplicationStatus
    times: dict[ApplicationStatus, datetime]
    ended_at: datetime | None = None
    end_actor: str = "worker"
    worker_rating: int | None = None
    employer_rating: int | None = None
    dispute: bool = False
    followup: str | None = None
    late_cancel: bool = False

    @property
    def first_at(self) -> datetime:
        """When the worker and the gig first met: the proposal, or else the application."""
        return self.times.get(ApplicationStatus.PROPOSED) or self.times[ApplicationStatus.APPLIED]


@dataclass
class GigPlan:
    """A gig row and its plan: employer, station, review, fate, phase and applications."""

    row: Gig
    employer: EmployerPlan
    station: str
    created_at: datetime
    reviewed_at: datetime | None
    reviewer: StaffUser | None
    plan: str  # filled / closed / expired / open / pending / rejected
    phase: str  # past / ongoing / future
    apps: list[AppPlan] = field(default_factory=list)


# -- the shared state --------------------------------------------------------------------------


def _silent(message: str) -> None:
    """The default progress callback: say nothing."""


@dataclass(repr=False)  # it holds passwords and device tokens: no generated repr
class Context:
    """One load's seeded generator, calendar and plans, passed to every step in turn."""

    seed: int
    today: date
    progress: Callable[[str], None] = _silent
    accounts: list[DemoAccount] = field(default_factory=list)
    kiosks: list[tuple[str, str, str]] = field(default_factory=list)  # market, name, token
    stations: dict[str, Station] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    agencies: list[Agency] = field(default_factory=list)
    employers: list[EmployerPlan] = field(default_factory=list)
    workers: list[WorkerPlan] = field(default_factory=list)
    gigs: list[GigPlan] = field(default_factory=list)
    app_rows: list[tuple[GigPlan, AppPlan, Application]] = field(default_factory=list)
    checkins: list[dict] = field(default_factory=list)
    arrears_gig: GigPlan | None = None
    used_phones: set[str] = field(default_factory=set)
    used_ids: set[str] = field(default_factory=set)
    used_uscc: set[str] = field(default_factory=set)
    rng: random.Random = field(init=False)
    day0: date = field(init=False)  # the first day of the history
    cutoff: datetime = field(init=False)  # every history event happens before this
    sanction_day: date = field(init=False)  # when the employer in arrears is sanctioned

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, reproducible by design
        self.day0 = self.today - timedelta(days=HISTORY_DAYS)
        self.cutoff = local_at(self.today, time(0))
        self.sanction_day = self.today - timedelta(days=25)

    # ---- small random helpers

    def minutes(self, low: int, high: int) -> timedelta:
        """A random whole number of minutes between low and high."""
        return timedelta(minutes=self.rng.randint(low, high))

    def between(self, start: datetime, end: datetime) -> datetime:
        """A random instant in [start, end], to the minute."""
        span = max(0, int((end - start).total_seconds() // 60))
        return start + timedelta(minutes=self.rng.randint(0, span))

    def step(self, prev: datetime, delta: timedelta, limit: datetime) -> datetime:
        """prev + delta, squeezed to stay strictly between prev and limit."""
        moment = prev + delta
        if moment < limit:
            return moment
        gap = (limit - prev).total_seconds()
        return prev + timedelta(seconds=max(1, int(gap * self.rng.uniform(0.2, 0.8))))

    def phone(self) -> str:
        """A fresh fictional mobile in E.164 (valid prefix, unique in the demo)."""
        while True:
            prefix = self.rng.choice(text.MOBILE_PREFIXES)
            national = f"{prefix}{self.rng.randint(0, 99_999_999):08d}"
            if national in self.used_phones:
                continue
            try:
                e164 = normalize_mobile(national)
            except IdentityError:
                continue
            self.used_phones.add(national)
            return e164

    def resident_id(self, region: str, birth: date, sex: str) -> str:
        """A fresh checksum-valid synthetic ID number."""
        while True:
            number = synthesize_resident_id(region, birth, self.rng.randint(0, 99), sex)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def uscc(self, dept_type: str, region: str) -> str:
        """A fresh valid credit code of the given department and type ("91", "N2", ...)."""
        letters = USCC_ALPHABET[10:]
        while True:
            # Codes issued since 2015 carry a letter prefix (MA 市场监管, MJ 民政, MF 农业);
            # all-digit codes exist too, but would look like ID numbers to the identity scans.
            prefix = {"5": "MJ", "N": "MF"}.get(dept_type[0], "MA")
            body = (
                prefix
                + self.rng.choice(string.digits)
                + self.rng.choice(letters)
                + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(4))
            )
            code = synthesize_uscc(dept_type[0], dept_type[1], region, body)
            if code not in self.used_uscc:
                self.used_uscc.add(code)
                return code

    def weighted_order(self, items: list, weights: list[float]) -> list:
        """Items in a random order where heavier items tend to come first."""
        keyed = [(self.rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)]
        keyed.sort(reverse=True)
        return [items[i] for _, i in keyed]


# -- dates -------------------------------------------------------------------------------------


def local_at(day: date, at: time) -> datetime:
    """A local wall-clock time on a day, as aware UTC."""
    return datetime.combine(day, at, tzinfo=LOCAL).astimezone(UTC)


def local_date(moment: datetime) -> date:
    """The local calendar day of an instant."""
    return moment.astimezone(LOCAL).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's end)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 Feb for 29 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def full_years(birth: date, on: date) -> int:
    """Age in full years (周岁)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# -- regions and rows --------------------------------------------------------------------------


def county_of(region: str) -> str:
    """A county code for addresses: the region itself, or a central district of a city."""
    return {"410100": "410105", "410300": "410311"}.get(region, region)


def county_name(code: str) -> str:
    """The county's name from the reference data."""
    return refdata.region(county_of(code)).name


def named_county(name: str) -> str | None:
    """The county an organisation's name starts with ("中牟县绿丰…" -> 410122), if any."""
    for region in refdata.regions():
        if region.level == "county" and name.startswith(region.name):
            return region.code
    return None


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert plain rows with one executemany per chunk (no ORM objects, no RETURNING)."""
    table = model.__table__
    for start in range(0, len(rows), 5000):
        db.session.execute(table.insert(), rows[start : start + 5000])
