"""Reference data shipped with the product, read from the CSV files in this package.

Trades (零工工种, 职业分类大典 2022 codes), industries (GB/T 4754-2017), skill levels
(职业技能等级), person categories (求人倍率 表8 and 就业困难 flags), unit types (表4 用人单位性质),
GB/T 2260 region codes of the demo province (河南省), its minimum wages and the demo
零工岗位工资指导价位.
README.md in this folder names each file's source and what is verified.

Plain Python: no Flask, no SQLAlchemy, and no I/O at import time. Each file is read through
importlib.resources on first use and cached; every record is a frozen dataclass and every
collection a tuple, so callers cannot change the shared copies.

Lookups of an unknown code raise KeyError with the code as its argument. `minimum_wage` raises
NoMinimumWageError (a LookupError) when no standard applies: a date before the earliest
standard on file, or a region with no class on itself or any ancestor (the province row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

__all__ = [
    "DAYS_PER_MONTH",
    "Industry",
    "MinimumWage",
    "NoMinimumWageError",
    "PersonCategory",
    "Region",
    "SkillLevel",
    "Trade",
    "UnitType",
    "WageGuide",
    "children",
    "city_of",
    "divisions",
    "industries",
    "industry",
    "minimum_wage",
    "minimum_wage_class",
    "minimum_wages",
    "person_categories",
    "person_category",
    "province_of",
    "region",
    "regions",
    "related_trades",
    "sections",
    "sector_of",
    "skill_level",
    "skill_levels",
    "trade",
    "trade_groups",
    "trades",
    "unit_type",
    "unit_types",
    "wage_guide",
    "wage_guides",
]

# 月计薪天数: the divisor that turns a monthly wage into a daily one
# (人社部发〔2008〕3号: (365 - 104) / 12 = 21.75).
DAYS_PER_MONTH = Decimal("21.75")

# The project's 产业 rule (reference/qiuren-beilv.md): A is primary, B-E secondary, F-T tertiary.
_SECTOR_BY_SECTION = {"A": 1, **dict.fromkeys("BCDE", 2), **dict.fromkeys("FGHIJKLMNOPQRST", 3)}

UNITS = ("day", "hour")


class NoMinimumWageError(LookupError):
    """No minimum-wage standard applies to this region on this date."""


@dataclass(frozen=True)
class Trade:
    code: str  # 职业分类大典 2022 code, e.g. "6-29-01-01"
    name: str  # the 大典 occupation name
    common_name: str  # what postings say, e.g. "小工/力工（建筑普工）"
    group: str  # related-trade group key
    industry_section: str  # GB/T 4754-2017 门类 letter
    industry_division: str  # GB/T 4754-2017 大类, two digits
    # True: 16-17 year olds must not take it (未成年工特殊保护规定, or a legal minimum age of 18)
    heavy_or_hazardous: bool
    certificate: str | None  # required certificate, None if none
    icon: str  # ascii slug of a picture
    note: str


@dataclass(frozen=True)
class Industry:
    code: str  # "A".."T" for a section, "01".."97" for a division
    name: str
    level: str  # "section" or "division"
    sector: int | None  # 1/2/3 on sections; None on divisions (see sector_of)
    parent: str | None  # the section of a division; None on sections


@dataclass(frozen=True)
class SkillLevel:
    level: int  # 5 五级/初级工 .. 1 一级/高级技师; 0 无等级
    name: str
    short_name: str


@dataclass(frozen=True)
class PersonCategory:
    code: str
    name: str
    kind: str  # "category" (one per person, 表8 rows) or "flag" (any number)
    note: str


@dataclass(frozen=True)
class UnitType:
    code: str
    name: str
    parent: str | None
    note: str = ""


@dataclass(frozen=True)
class Region:
    code: str  # GB/T 2260, six digits
    name: str
    level: str  # "province", "city" or "county"
    parent: str | None
    minimum_wage_class: str | None  # 一类/二类/三类; None: use the nearest ancestor's
    note: str = ""


@dataclass(frozen=True)
class MinimumWage:
    region_class: str
    monthly: Decimal  # 元/月
    hourly: Decimal  # 元/小时, 非全日制
    effective_from: date
    source: str

    @property
    def daily(self) -> Decimal:
        """The monthly standard as a day rate (monthly / 21.75), rounded to the fen."""
        return (self.monthly / DAYS_PER_MONTH).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class WageGuide:
    city_code: str
    trade_code: str
    unit: str  # "day" (元/天) or "hour" (元/小时)
    low: Decimal
    median: Decimal
    high: Decimal
    year: int
    source: str


# -- reading -------------------------------------------------------------------------------


@cache
def _rows(filename: str) -> tuple[dict[str, str], ...]:
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8-sig")
    rows = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if None in row or None in row.values():
            raise ValueError(f"{filename}:{number}: wrong number of fields")
        rows.append({key.strip(): value.strip() for key, value in row.items()})
    return tuple(rows)


def _bool(value: str, where: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{where}: expected true or false, got {value!r}")


def _decimal(value: str, where: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{where}: not a number: {value!r}") from None


def _index(records, key):
    index = {}
    for record in records:
        code = getattr(record, key)
        if code in index:
            raise ValueError(f"duplicate code {code!r} in {type(record).__name__} data")
        index[code] = record
    return index


def _lookup(index: dict, code):
    try:
        return index[code]
    except KeyError:
        raise KeyError(code) from None


# -- trades ----------------------------------------------------------------------------------


@cache
def trades() -> tuple[Trade, ...]:
    """All trades, in file order (grouped by related-trade group)."""
    return tuple(
        Trade(
            code=row["code"],
            name=row["name"],
            common_name=row["common_name"],
            group=row["group"],
            industry_section=row["industry_section"],
            industry_division=row["industry_division"],
            heavy_or_hazardous=_bool(row["heavy_or_hazardous"], f"trades.csv {row['code']}"),
            certificate=row["certificate"] or None,
            icon=row["icon"],
            note=row["note"],
        )
        for row in _rows("trades.csv")
    )


@cache
def _trade_index() -> dict[str, Trade]:
    return _index(trades(), "code")


def trade(code: str) -> Trade:
    """The trade with this 大典 code; KeyError(code) if unknown."""
    return _lookup(_trade_index(), code)


def related_trades(code: str) -> tuple[Trade, ...]:
    """The other trades in the same group as `code` (never `code` itself)."""
    group = trade(code).group
    return tuple(t for t in trades() if t.group == group and t.code != code)


@cache
def trade_groups() -> tuple[str, ...]:
    """The related-trade group keys, in first-seen order."""
    return tuple(dict.fromkeys(t.group for t in trades()))


# -- industries ------------------------------------------------------------------------------


@cache
def industries() -> tuple[Industry, ...]:
    """All 20 sections (A..T) then the divisions, in file order."""
    result = []
    for row in _rows("industries.csv"):
        where = f"industries.csv {row['code']}"
        if row["level"] not in ("section", "division"):
            raise ValueError(f"{where}: unknown level {row['level']!r}")
        result.append(
            Industry(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                sector=int(row["sector"]) if row["sector"] else None,
                parent=row["parent"] or None,
            )
        )
    return tuple(result)


@cache
def _industry_index() -> dict[str, Industry]:
    return _index(industries(), "code")


def industry(code: str) -> Industry:
    """A section ("E") or a division ("47"); KeyError(code) if unknown."""
    return _lookup(_industry_index(), code)


@cache
def sections() -> tuple[Industry, ...]:
    """The 门类 A..T."""
    return tuple(i for i in industries() if i.level == "section")


@cache
def divisions() -> tuple[Industry, ...]:
    """The 大类, two-digit codes."""
    return tuple(i for i in industries() if i.level == "division")


def sector_of(code: str) -> int:
    """The 产业 (1, 2 or 3) of a section letter, or of a division through its section.

    The project's rule: A is 第一产业; B, C, D and E 第二产业; the rest 第三产业. (The national
    三次产业划分规定 moves divisions 05, 11 and 43 to 第三产业; the published tables here
    group by section, so the section rule is used throughout.)
    """
    found = industry(code)
    section = found if found.level == "section" else industry(found.parent)
    return _SECTOR_BY_SECTION[section.code]


# -- skill levels, person categories, unit types ---------------------------------------------


@cache
def skill_levels() -> tuple[SkillLevel, ...]:
    """五级/初级工 .. 一级/高级技师, then 无等级 (level 0)."""
    return tuple(
        SkillLevel(level=int(row["level"]), name=row["name"], short_name=row["short_name"])
        for row in _rows("skill_levels.csv")
    )


@cache
def _skill_index() -> dict[int, SkillLevel]:
    return _index(skill_levels(), "level")


def skill_level(level: int) -> SkillLevel:
    """The skill level 0..5; KeyError(level) if unknown."""
    return _lookup(_skill_index(), level)


@cache
def person_categories() -> tuple[PersonCategory, ...]:
    """表8 人员类别 (kind "category") followed by the flags (kind "flag")."""
    result = []
    for row in _rows("person_categories.csv"):
        if row["kind"] not in ("category", "flag"):
            raise ValueError(f"person_categories.csv {row['code']}: bad kind {row['kind']!r}")
        result.append(
            PersonCategory(code=row["code"], name=row["name"], kind=row["kind"], note=row["note"])
        )
    return tuple(result)


@cache
def _person_category_index() -> dict[str, PersonCategory]:
    return _index(person_categories(), "code")


def person_category(code: str) -> PersonCategory:
    """A category or flag by code; KeyError(code) if unknown."""
    return _lookup(_person_category_index(), code)


@cache
def unit_types() -> tuple[UnitType, ...]:
    """表4 用人单位性质 as a tree (parent codes), in table order."""
    return tuple(
        UnitType(code=row["code"], name=row["name"], parent=row["parent"] or None, note=row["note"])
        for row in _rows("unit_types.csv")
    )


@cache
def _unit_type_index() -> dict[str, UnitType]:
    return _index(unit_types(), "code")


def unit_type(code: str) -> UnitType:
    """A unit type by code; KeyError(code) if unknown."""
    return _lookup(_unit_type_index(), code)


# -- regions and minimum wages ---------------------------------------------------------------


@cache
def regions() -> tuple[Region, ...]:
    """The demo province, its demo cities and their districts and counties."""
    result = []
    for row in _rows("regions.csv"):
        if row["level"] not in ("province", "city", "county"):
            raise ValueError(f"regions.csv {row['code']}: bad level {row['level']!r}")
        result.append(
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent=row["parent"] or None,
                minimum_wage_class=row["minimum_wage_class"] or None,
                note=row["note"],
            )
        )
    return tuple(result)


@cache
def _region_index() -> dict[str, Region]:
    return _index(regions(), "code")


@cache
def _children_index() -> dict[str, tuple[Region, ...]]:
    grouped: dict[str, list[Region]] = {}
    for r in regions():
        if r.parent:
            grouped.setdefault(r.parent, []).append(r)
    return {code: tuple(kids) for code, kids in grouped.items()}


def region(code: str) -> Region:
    """The region with this GB/T 2260 code; KeyError(code) if unknown."""
    return _lookup(_region_index(), code)


def children(code: str) -> tuple[Region, ...]:
    """The regions directly under `code` (cities of a province, counties of a city)."""
    region(code)
    return _children_index().get(code, ())


def _ancestry(code: str):
    node = region(code)
    while True:
        yield node
        if node.parent is None:
            return
        node = region(node.parent)


def province_of(code: str) -> Region:
    """The province a region belongs to (itself for a province)."""
    for node in _ancestry(code):
        if node.level == "province":
            return node
    raise KeyError(code)  # pragma: no cover - the integrity tests rule this out


def city_of(code: str) -> Region | None:
    """The city a region belongs to (itself for a city); None for a province."""
    for node in _ancestry(code):
        if node.level == "city":
            return node
    return None


def minimum_wage_class(region_code: str) -> str:
    """The region's 最低工资 class, walking up to the city when a county has none."""
    for node in _ancestry(region_code):
        if node.minimum_wage_class:
            return node.minimum_wage_class
    raise NoMinimumWageError(f"no minimum-wage class for region {region_code}")


@cache
def minimum_wages() -> tuple[MinimumWage, ...]:
    """Every standard on file, all classes and dates, in file order."""
    result = []
    for row in _rows("minimum_wages.csv"):
        where = f"minimum_wages.csv {row['region_class']} {row['effective_from']}"
        result.append(
            MinimumWage(
                region_class=row["region_class"],
                monthly=_decimal(row["monthly"], where),
                hourly=_decimal(row["hourly"], where),
                effective_from=date.fromisoformat(row["effective_from"]),
                source=row["source"],
            )
        )
    return tuple(result)


def minimum_wage(region_code: str, on: date | None = None) -> MinimumWage:
    """The standard in force in the region's class on `on` (today by default).

    KeyError(region_code) for an unknown region. NoMinimumWageError when the region has no
    class (the province row) or `on` is before the earliest standard on file for the class.
    """
    region_class = minimum_wage_class(region_code)
    on = on or date.today()
    in_force = [
        w for w in minimum_wages() if w.region_class == region_class and w.effective_from <= on
    ]
    if not in_force:
        raise NoMinimumWageError(
            f"no {region_class} minimum wage on file in force on {on.isoformat()}"
        )
    return max(in_force, key=lambda w: w.effective_from)


# -- wage guides -----------------------------------------------------------------------------


@cache
def wage_guides() -> tuple[WageGuide, ...]:
    """Every 工资指导价位 row (demo figures, see README.md), in file order."""
    result = []
    for row in _rows("wage_guides.csv"):
        where = f"wage_guides.csv {row['city_code']} {row['trade_code']}"
        if row["unit"] not in UNITS:
            raise ValueError(f"{where}: bad unit {row['unit']!r}")
        result.append(
            WageGuide(
                city_code=row["city_code"],
                trade_code=row["trade_code"],
                unit=row["unit"],
                low=_decimal(row["low"], where),
                median=_decimal(row["median"], where),
                high=_decimal(row["high"], where),
                year=int(row["year"]),
                source=row["source"],
            )
        )
    return tuple(result)


@cache
def _wage_guide_index() -> dict[tuple[str, str], tuple[WageGuide, ...]]:
    grouped: dict[tuple[str, str], list[WageGuide]] = {}
    for g in wage_guides():
        grouped.setdefault((g.city_code, g.trade_code), []).append(g)
    return {
        key: tuple(sorted(rows, key=lambda g: (UNITS.index(g.unit), -g.year)))
        for key, rows in grouped.items()
    }


def wage_guide(city_code: str, trade_code: str, unit: str | None = None) -> WageGuide | None:
    """The latest guide for a trade in a city, or None when there is none.

    A county code is resolved to its city. With `unit` None the day rate is preferred over the
    hourly one. KeyError for an unknown region or trade code.
    """
    trade(trade_code)
    city = city_of(city_code)
    if city is None:
        return None
    for guide in _wage_guide_index().get((city.code, trade_code), ()):
        if unit is None or guide.unit == unit:
            return guide
    return None
