"""What the engine is fed: plain records built by webapp/services/matchfeed.py (never ORM rows).

Times are whole minutes since the Unix epoch (UTC); days are whole days since 1970-01-01.
Money is yuan per day, normalised by the service (hour x daily hours, month / 21.75 ...).
Skill levels are stored as the 职业技能等级 number: 0 none, 5 初级 ... 1 高级技师 (1 is highest).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    """One registered worker as the engine sees them."""

    id: int
    trades: dict[str, int]  # trade code (职业分类大典) -> skill level (0 none, 5..1)
    certificates: frozenset[str] = frozenset()  # names of valid certificates (特种作业操作证 ...)
    birth_day: int = 0  # days since 1970-01-01: legal age rules only, never scored
    desired_pay_per_day: float | None = None
    lat: float | None = None  # where the worker is: today's station, else the home market
    lon: float | None = None
    available_weekdays: int = 0x7F  # bit 0 = Monday ... bit 6 = Sunday
    busy: tuple[tuple[int, int], ...] = ()  # [start, end) minutes of gigs already accepted
    reliability: float = 0.5  # 0..1, from completions, no-shows and ratings
    sanctioned: bool = False  # under a live sanction: never matched
    checked_in_market: int | None = None  # market of the latest check-in (on site if today)
    checked_in_at: int | None = None  # minute of that check-in
    gigs_today: int = 0  # hires already had today (fairness)


@dataclass(frozen=True, slots=True)
class GigRecord:
    """One open gig with free places."""

    id: int
    market_id: int
    trade: str
    starts: int  # minute
    ends: int  # minute (exclusive)
    start_weekday: int  # 0 = Monday, in the market's local time
    pay_per_day: float
    open_slots: int = 1  # headcount - accepted; 0 or less: never matched
    level_required: int = 0  # 0 none, else 5..1 (a worker at this level or higher qualifies)
    certificates: frozenset[str] = frozenset()  # all required
    min_age: int = 16  # 18 for heavy or hazardous work, 特种作业 ...
    max_age: int | None = None  # a legal upper limit only (never a preference)
    lat: float | None = None
    lon: float | None = None
    employer_standing: float = 0.5  # 0..1, from the employer's credit figures and ratings


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a result is where it is, as a code with figures; the service puts it into words."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked result."""

    id: int  # the gig's id (a worker's query) or the worker's id (a gig's query)
    score: float
    reasons: tuple[Reason, ...]
