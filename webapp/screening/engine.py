"""The screening engine: text rules from rules.toml and pay rules computed from refdata.

Text rules are regular expressions matched against a normalised text (see `normalise`); a match
is dropped when one of the rule's exception patterns matches within `window` characters of it.
Pay rules compare the posting's pay with the local minimum wage and the 工资指导价位 of its trade.

Which minimum applies to a day rate (documented in README.md): the 非全日制 hourly minimum times
the daily hours when the posting states them (the `daily_hours` field, else "每天8小时" and the
like in the text, 1 to 12 hours), otherwise the monthly minimum / 21.75 (refdata
`MinimumWage.daily`). An hourly rate is held to the hourly minimum, a monthly one to the monthly
minimum; a piece rate is only checked when the text states a daily estimate ("一天能挣200元").

Plain Python and deterministic: no Flask app is needed. Reasons are flask_babel lazy strings
(rendered in the current locale when used) with the plain Chinese text alongside for the CLI.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from flask_babel import lazy_gettext as _l

from webapp import refdata

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "DEFAULT_REGION",
    "Finding",
    "Posting",
    "Rule",
    "RuleFileError",
    "ScreeningResult",
    "decide",
    "load_rules",
    "normalise",
    "resolve_trade",
    "rules",
    "screen",
]

CATEGORIES = (
    "gender",
    "age",
    "child_labour",
    "ethnicity",
    "religion",
    "region_hukou",
    "health",
    "appearance",
    "marriage_pregnancy",
    "education",
    "fees",
    "loans",
    "id_documents",
    "scam_task",
    "scam_private_contact",
    "scam_pay_too_high",
    "pay_below_minimum",
    "pay_off_guide",
)
ACTIONS = ("block", "review")
PAY_UNITS = ("hour", "day", "piece", "month")
DEFAULT_REGION = "410100"  # the demo city (郑州市) when a posting has no area
DEFAULT_WINDOW = 10
HOURS_PER_DAY = Decimal(8)  # converts between hour and day rates when no hours are stated
MAX_STATED_HOURS = Decimal(12)  # "24小时陪护" counts rest time: longer days are not used
GUIDE_LOW_SHARE = Decimal("0.5")  # below half the guide's low end: review
GUIDE_HIGH_FACTOR = Decimal(3)  # above three times the guide's high end: review
SCAM_FACTOR = Decimal(5)  # above five times the guide median: review as a likely scam

# Pay checks and the placeholders their messages may use.
PAY_CHECKS = {
    "below_minimum": frozenset({"pay", "minimum"}),
    "below_guide": frozenset({"pay", "low"}),
    "above_guide": frozenset({"pay", "high"}),
    "too_high": frozenset({"pay", "median"}),
}
_PAY_CHECK_UNITS = {
    "below_minimum": ("hour", "day", "month"),
    "below_guide": ("hour", "day"),
    "above_guide": ("hour", "day"),
    "too_high": ("hour", "day"),
}

# Every reason rules.toml may give, as literal _l() calls so `make messages` extracts each msgid
# (rules.toml is data, which the extractor does not read). tests/screening checks that this list,
# rules.toml and messages_zh.json agree.
REASONS = (
    _l(
        "The posting limits the job to men or prefers men, which the law forbids. "
        "Describe the work instead (for example the weight to carry)."
    ),
    _l(
        "The posting limits the job to women. Staff will check whether the work requires it; "
        "otherwise describe the work instead of a gender."
    ),
    _l("The posting asks for a gender or an age group by a nickname (such as 小伙子 or 美女)."),
    _l(
        "The posting sets an upper age limit below 50. Unless the law sets one for this work, "
        "describe the physical demands instead of an age."
    ),
    _l("The posting turns away older workers or asks for young ones only."),
    _l("The posting accepts children under 16, whom no one may employ."),
    _l(
        "The posting invites minors or school pupils. Staff will check the age rules: no one "
        "under 16, and no heavy or hazardous work under 18."
    ),
    _l("The posting restricts the job by ethnicity, which job postings may not do."),
    _l("The posting restricts the job by religious belief, which job postings may not do."),
    _l(
        "The posting restricts the job by home region or household registration (户籍). "
        "Staff will check it."
    ),
    _l(
        "The posting asks about hepatitis B or other carrier status. Such tests and exclusions "
        "are forbidden in hiring."
    ),
    _l("The posting turns away people with disabilities. Describe the tasks instead."),
    _l(
        "The posting sets requirements on height, looks or tattoos. "
        "Staff will check whether the work needs them."
    ),
    _l(
        "The posting sets conditions on marriage, pregnancy or children, "
        "which are forbidden in hiring."
    ),
    _l(
        "The posting requires a level of education. Staff will check that the work needs it; "
        "most gig work does not."
    ),
    _l("The posting asks workers for a deposit or guarantee money. Workers may not be charged."),
    _l(
        "The posting charges workers for uniforms, badges or equipment. Workers may not be charged."
    ),
    _l("The posting charges workers for training. Workers may not be charged."),
    _l("The posting makes workers pay for a medical check. Workers may not be charged."),
    _l("The posting makes workers pay for their health certificate (健康证). Staff will check it."),
    _l(
        "The posting charges workers an agency, sign-up or handling fee. "
        "Workers may not be charged."
    ),
    _l("The posting asks workers to pay money for the job. Workers may not be charged."),
    _l("The posting holds back wages as a pledge. Wages must be paid in full and on time."),
    _l(
        "The posting involves loans, credit cards or instalment deals. "
        "Job postings may not involve lending."
    ),
    _l(
        "The posting keeps workers' ID or bank cards, or asks for cards to be handed over or "
        "rented out. This is forbidden."
    ),
    _l(
        "The posting reads like a job scam (order brushing, paid tasks, advance payments, "
        "piecework at home)."
    ),
    _l(
        "The posting sends workers to private contact (WeChat, QQ, a phone number, a group) or "
        "to pay outside the station. Contact and pay go through the station."
    ),
    _l(
        "The posting promises unusually high or easy earnings, a common bait in job scams. "
        "Staff will check it."
    ),
    _l("Pay of %(pay)s yuan an hour is below the local minimum wage of %(minimum)s yuan an hour."),
    _l(
        "Pay of %(pay)s yuan a day is below the local minimum wage for a day's work "
        "(%(minimum)s yuan)."
    ),
    _l("Pay of %(pay)s yuan a month is below the local minimum wage of %(minimum)s yuan a month."),
    _l(
        "Pay of about %(pay)s yuan an hour is less than half the low end of the local wage guide "
        "for this trade (%(low)s yuan an hour). Staff will check it."
    ),
    _l(
        "Pay of about %(pay)s yuan a day is less than half the low end of the local wage guide "
        "for this trade (%(low)s yuan a day). Staff will check it."
    ),
    _l(
        "Pay of about %(pay)s yuan an hour is more than three times the high end of the local "
        "wage guide for this trade (%(high)s yuan an hour). Staff will check it."
    ),
    _l(
        "Pay of about %(pay)s yuan a day is more than three times the high end of the local "
        "wage guide for this trade (%(high)s yuan a day). Staff will check it."
    ),
    _l(
        "Pay of about %(pay)s yuan an hour is more than five times the local guide median for "
        "this trade (%(median)s yuan an hour), a common bait in job scams. Staff will check it."
    ),
    _l(
        "Pay of about %(pay)s yuan a day is more than five times the local guide median for "
        "this trade (%(median)s yuan a day), a common bait in job scams. Staff will check it."
    ),
)


class RuleFileError(ValueError):
    """rules.toml (or a text given to load_rules) is not a valid rule set."""


# -- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule of rules.toml, validated and with its patterns compiled."""

    id: str
    category: str
    action: str  # "block" or "review"
    message: str  # English msgid (may hold %(name)s placeholders for pay rules)
    message_zh: str  # the plain Chinese text, for the CLI and messages_zh.json
    kind: str  # "text" or "pay"
    patterns: tuple[re.Pattern[str], ...] = ()
    exceptions: tuple[re.Pattern[str], ...] = ()
    always: tuple[re.Pattern[str], ...] = ()  # hits that exceptions do not neutralise
    window: int = DEFAULT_WINDOW
    check: str | None = None  # pay rules: a key of PAY_CHECKS
    unit: str | None = None  # pay rules: the unit the comparison is made in
    hits: tuple[Any, ...] = ()  # examples that must trigger the rule (tests)
    passes: tuple[Any, ...] = ()  # examples that must not trigger it (tests)


@dataclass(frozen=True)
class Finding:
    """A rule the posting breaks, with the reason to show."""

    code: str  # the rule id
    category: str
    action: str  # "block" or "review"
    message: Any  # flask_babel LazyString: rendered in the current locale when used
    message_zh: str = ""  # the same reason in plain Chinese


@dataclass(frozen=True)
class Posting:
    """What the screening reads of a gig posting."""

    id: Any
    trade: str | None  # a 大典 code or a common trade name ("保洁", "电工"); None if unknown
    title: str
    description: str
    pay_amount: Decimal | None
    pay_unit: str | None  # hour / day / piece / month
    settlement: str | None
    area_code: str | None = None  # GB/T 2260 code of the work place; DEFAULT_REGION if None
    daily_hours: Decimal | None = None

    @classmethod
    def from_gig(cls, gig: Any) -> Posting:
        """A Posting from any object with the Gig model's attributes (no ORM import needed)."""
        return cls(
            id=getattr(gig, "public_id", None) or getattr(gig, "id", None),
            trade=gig.trade_code,
            title=gig.title or "",
            description=gig.description or "",
            pay_amount=gig.pay_amount,
            pay_unit=_plain(gig.pay_unit),
            settlement=_plain(gig.settlement),
            area_code=gig.area_code,
            daily_hours=gig.daily_hours,
        )


@dataclass(frozen=True)
class ScreeningResult:
    """The decision on a posting and the findings behind it."""

    decision: str  # "pass", "review" or "block"
    findings: tuple[Finding, ...] = ()

    @property
    def reasons_zh(self) -> tuple[str, ...]:
        """The findings' reasons in plain Chinese, in order."""
        return tuple(f.message_zh for f in self.findings)

    def records(self) -> list[dict[str, str]]:
        """The findings as JSON-ready dicts for Gig.screening (message in plain Chinese)."""
        return [
            {"code": f.code, "category": f.category, "action": f.action, "message": f.message_zh}
            for f in self.findings
        ]


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


# -- normalisation ------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\ufe00-\ufe0f\u20e3]")
# A run of anything but letters and digits (punctuation, spaces, symbols, emoji, "_") touching
# a CJK character on either side.
_SEPARATORS = re.compile(rf"(?<=[{_CJK}])(?:[^\w]|_)+|(?:[^\w]|_)+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
# "保洁员（女）", "【限男】": a gender in brackets is a restriction.
_BRACKETED_GENDER = re.compile(
    r"[(\[【〔]\s*(?:限|仅限|只限)?\s*([男女])\s*(?:性|士|生)?\s*[)\]】〕]"
)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS |= {"八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Chinese numerals before an age or a sum of money, or after a pay word: "二十五岁", "日结三千".
_CN_NUMBER = re.compile(
    r"(?<=日结|日薪|月薪|时薪|月入|日入|日赚|年龄)[零一二两三四五六七八九十百千万]+"
    r"|[零一二两三四五六七八九十百千万]+(?=周岁|岁|元|块)"
)


def _cn_to_int(text: str) -> int | None:
    """Parse a Chinese numeral up to 99999 ("二十五" -> 25, "三千" -> 3000); None if odd."""
    total, digit, seen_unit = 0, None, 0
    for char in text:
        if char == "零":
            continue  # a place holder: "一千零五"
        if char in _CN_DIGITS:
            if digit is not None:
                return None  # "三五" is a range, not a number
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if seen_unit and unit >= seen_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, seen_unit = None, unit
        else:  # pragma: no cover - the regex admits nothing else
            return None
    return total + (digit or 0)


def _replace_cn_number(match: re.Match[str]) -> str:
    value = _cn_to_int(match.group())
    return match.group() if value is None else str(value)


def normalise(text: str) -> str:
    """The text patterns see: NFKC, lower case, no separators next to CJK, 中文数字 as digits."""
    # "限 男*性", "男　性" and "男👨性" all become "限男性"; "３５岁以下" and "三十五岁以下"
    # become "35岁以下"; ♂/♀ become 男/女 and a bracketed "（女）" becomes "限女". Separators
    # between two digits or two Latin letters stay ("138 1234 5678", "add wx"); runs of spaces
    # become one.
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\u2642", "男").replace("\u2640", "女")
    text = _BRACKETED_GENDER.sub(r"限\1", text)
    text = _INVISIBLE.sub("", text)
    text = _SEPARATORS.sub("", text)
    text = _CN_NUMBER.sub(_replace_cn_number, text)
    return _SPACES.sub(" ", text).strip()


# -- loading ------------------------------------------------------------------------------------

_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")
_RULE_ID = re.compile(r"[a-z][a-z0-9_]*")


def _expand(pattern: str, fragments: Mapping[str, str], where: str) -> str:
    """Replace {{name}} with the named fragment (fragments may use earlier fragments)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise RuleFileError(f"{where}: unknown fragment {{{{{name}}}}}")
        return f"(?:{fragments[name]})"

    return _FRAGMENT.sub(sub, pattern)


def _compile(patterns: Any, fragments: Mapping[str, str], where: str) -> tuple[re.Pattern, ...]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise RuleFileError(f"{where}: expected a list of strings")
    compiled = []
    for number, pattern in enumerate(patterns, start=1):
        expanded = _expand(pattern, fragments, f"{where}[{number}]")
        try:
            compiled.append(re.compile(expanded))
        except re.error as err:
            raise RuleFileError(
                f"{where}[{number}]: bad regular expression {pattern!r}: {err}"
            ) from None
        if compiled[-1].search(""):
            raise RuleFileError(f"{where}[{number}]: {pattern!r} matches the empty string")
    return tuple(compiled)


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where}: {key!r} must be a non-empty string")
    return value


def _placeholders(message: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", message))


def _rule(entry: Any, fragments: Mapping[str, str], number: int) -> Rule:
    where = f"rule #{number}"
    if not isinstance(entry, dict):
        raise RuleFileError(f"{where}: expected a table")
    rule_id = _text(entry, "id", where)
    where = f"rule {rule_id!r}"
    if not _RULE_ID.fullmatch(rule_id):
        raise RuleFileError(f"{where}: ids are lower-case ascii words joined by _")
    known = {"id", "category", "action", "message", "message_zh", "kind", "patterns"}
    known |= {"exceptions", "always", "window", "check", "unit", "hits", "passes"}
    if unknown := sorted(set(entry) - known):
        raise RuleFileError(f"{where}: unknown keys {unknown}")
    category = _text(entry, "category", where)
    if category not in CATEGORIES:
        raise RuleFileError(f"{where}: unknown category {category!r} (known: {CATEGORIES})")
    action = _text(entry, "action", where)
    if action not in ACTIONS:
        raise RuleFileError(f"{where}: unknown action {action!r} (block or review)")
    message, message_zh = _text(entry, "message", where), _text(entry, "message_zh", where)
    kind = entry.get("kind", "text")
    hits, passes = entry.get("hits"), entry.get("passes")
    if not isinstance(hits, list) or not hits or not isinstance(passes, list) or not passes:
        raise RuleFileError(f"{where}: give at least one example in 'hits' and in 'passes'")
    common = {
        "id": rule_id,
        "category": category,
        "action": action,
        "message": message,
        "message_zh": message_zh,
        "hits": tuple(hits),
        "passes": tuple(passes),
    }
    if kind == "text":
        if "check" in entry or "unit" in entry:
            raise RuleFileError(f"{where}: 'check' and 'unit' belong to pay rules")
        if _placeholders(message) or _placeholders(message_zh):
            raise RuleFileError(f"{where}: text rule messages take no %(name)s placeholders")
        patterns = _compile(entry.get("patterns"), fragments, f"{where} patterns")
        if not patterns:
            raise RuleFileError(f"{where}: a text rule needs at least one pattern")
        window = entry.get("window", DEFAULT_WINDOW)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 40:
            raise RuleFileError(f"{where}: window must be an integer from 0 to 40")
        if not all(isinstance(h, str) for h in hits + passes):
            raise RuleFileError(f"{where}: examples of a text rule are strings")
        exceptions = _compile(entry.get("exceptions", []), fragments, f"{where} exceptions")
        always = _compile(entry.get("always", []), fragments, f"{where} always")
        return Rule(
            kind=kind,
            patterns=patterns,
            exceptions=exceptions,
            always=always,
            window=window,
            **common,
        )
    if kind == "pay":
        if {"patterns", "exceptions", "always", "window"} & set(entry):
            raise RuleFileError(f"{where}: pay rules are computed and take no patterns")
        check, unit = entry.get("check"), entry.get("unit")
        if check not in PAY_CHECKS:
            raise RuleFileError(f"{where}: unknown check {check!r} (known: {sorted(PAY_CHECKS)})")
        if unit not in _PAY_CHECK_UNITS[check]:
            raise RuleFileError(
                f"{where}: unit of a {check} rule is one of {_PAY_CHECK_UNITS[check]}"
            )
        for text in (message, message_zh):
            if not _placeholders(text) <= PAY_CHECKS[check]:
                raise RuleFileError(
                    f"{where}: a {check} message may use only {sorted(PAY_CHECKS[check])}"
                )
        if not all(isinstance(h, dict) for h in hits + passes):
            raise RuleFileError(f"{where}: examples of a pay rule are tables of posting fields")
        return Rule(kind=kind, check=check, unit=unit, **common)
    raise RuleFileError(f"{where}: unknown kind {kind!r} (text or pay)")


def load_rules(source: str) -> tuple[Rule, ...]:
    """Parse and validate a rule file's text; RuleFileError says what is wrong and where."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as err:
        raise RuleFileError(f"not valid TOML: {err}") from None
    raw_fragments = data.get("fragments", {})
    if not isinstance(raw_fragments, dict):
        raise RuleFileError("[fragments] must be a table of strings")
    fragments: dict[str, str] = {}
    for name, value in raw_fragments.items():
        if not isinstance(value, str):
            raise RuleFileError(f"fragment {name!r} must be a string")
        fragments[name] = _expand(value, fragments, f"fragment {name!r}")
        try:
            re.compile(fragments[name])
        except re.error as err:
            raise RuleFileError(f"fragment {name!r}: bad regular expression: {err}") from None
    entries = data.get("rule")
    if not isinstance(entries, list) or not entries:
        raise RuleFileError("no [[rule]] entries")
    result = tuple(_rule(entry, fragments, n) for n, entry in enumerate(entries, start=1))
    ids = [r.id for r in result]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise RuleFileError(f"duplicate rule ids: {duplicates}")
    pay_slots = [(r.check, r.unit) for r in result if r.kind == "pay"]
    if len(set(pay_slots)) != len(pay_slots):
        raise RuleFileError("two pay rules share a check and unit")
    return result


@cache
def rules() -> tuple[Rule, ...]:
    """The rules shipped in rules.toml, read and validated once."""
    source = resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")
    return load_rules(source)


@cache
def _pay_rule(check: str, unit: str) -> Rule | None:
    for rule in rules():
        if rule.kind == "pay" and rule.check == check and rule.unit == unit:
            return rule
    return None


# -- trades -------------------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\(([^)]*)\)")


@cache
def _trade_names() -> tuple[tuple[str, refdata.Trade], ...]:
    """(name, trade) pairs: 大典 names and the parts of common names, in file order."""
    pairs = []
    for trade in refdata.trades():
        names = [trade.name]
        for part in unicodedata.normalize("NFKC", trade.common_name).split("/"):
            names.append(_PARENTHESES.sub("", part))
            names += [inner for inner in _PARENTHESES.findall(part) if len(inner) >= 2]
        pairs += [(normalise(n), trade) for n in names if n]
    return tuple(pairs)


def resolve_trade(value: str | None) -> refdata.Trade | None:
    """The trade for a 大典 code or a trade name ("保洁", "电工", "小工"); None if unknown."""
    # An exact name wins, then the longest known name inside the value ("建筑小工" -> 小工),
    # then a known name containing the value ("电焊" -> 电焊工). Ties go to the first trade in
    # file order.
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return refdata.trade(value)
    except KeyError:
        pass
    wanted = normalise(value)
    names = _trade_names()
    for name, trade in names:
        if name == wanted:
            return trade
    inside = [(len(name), -i, trade) for i, (name, trade) in enumerate(names) if name in wanted]
    if inside:
        return max(inside, key=lambda t: (t[0], t[1]))[2]
    if len(wanted) >= 2:
        for name, trade in names:
            if wanted in name:
                return trade
    return None


# -- pay ----------------------------------------------------------------------------------------

_NUMBER = r"(\d{1,6}(?:\.\d{1,2})?)"
_HOURS = re.compile(
    r"(?:每天|每日|一天|日|白天|白班|夜班|晚班|上班)(?:工作|上班|干活|干)?(?:约|大概)?"
    r"(\d{1,2}(?:\.\d)?)(?:个)?(?:小时|钟头|h)(?!\d)"
)
_DAILY_ESTIMATE = re.compile(
    r"(?:一天|每天|日均|日收入|日入|每日)(?:大概|大约|平均|至少|约|能|可以|可|收入|挣|赚|拿|到手|工资)*"
    + _NUMBER
    + r"(?:元|块)"
)
_COUNT_UNITS = r"(?!\d|件|个|单|箱|斤|平|米|人|次|台|间|小时|分钟|公里|h|点|号|层|楼|栋|天|岁)"
_STATED_PAY = (
    ("day", re.compile(r"(?:日结|日薪|日工资|日入|日赚|一天|每天)" + _NUMBER + _COUNT_UNITS)),
    ("hour", re.compile(r"(?:时薪|每小时|一小时)" + _NUMBER + _COUNT_UNITS)),
    ("month", re.compile(r"(?:月薪|月入|月工资)" + _NUMBER + _COUNT_UNITS)),
)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _stated_hours(text: str) -> Decimal | None:
    """Daily hours stated in the (normalised) text, 1 to 12; None otherwise."""
    for match in _HOURS.finditer(text):
        hours = Decimal(match.group(1))
        if 1 <= hours <= MAX_STATED_HOURS:
            return hours
    return None


def _daily_estimate(text: str) -> Decimal | None:
    """A piece-rate posting's own estimate of a day's earnings ("一天能挣200元")."""
    match = _DAILY_ESTIMATE.search(text)
    return Decimal(match.group(1)) if match else None


def _stated_pay(text: str) -> list[tuple[Decimal, str]]:
    """Pay claims written in the text: "日结3000", "时薪200", "月薪30000"."""
    return [
        (Decimal(m.group(1)), unit) for unit, pattern in _STATED_PAY for m in pattern.finditer(text)
    ]


def _convert(amount: Decimal, unit: str, to: str, hours: Decimal) -> Decimal:
    """An hour, day or month rate as an hour or day rate (21.75 days a month)."""
    per_day = {
        "hour": amount * hours,
        "day": amount,
        "month": amount / refdata.DAYS_PER_MONTH,
    }[unit]
    return per_day if to == "day" else per_day / hours


def _money(value: Decimal) -> str:
    """2 decimals at most, no trailing zeros: 164.80 -> "164.8", 200.00 -> "200"."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _minimum(posting: Posting, unit: str, hours: Decimal | None, on: date) -> Decimal | None:
    region = posting.area_code or DEFAULT_REGION
    try:
        standard = refdata.minimum_wage(region, on)
    except (KeyError, refdata.NoMinimumWageError):
        return None  # a region outside the reference data: no standard to hold it to
    if unit == "hour":
        return standard.hourly
    if unit == "month":
        return standard.monthly
    return standard.hourly * hours if hours else standard.daily


def _guide(posting: Posting) -> refdata.WageGuide | None:
    trade = resolve_trade(posting.trade)
    if trade is None:
        return None
    try:
        return refdata.wage_guide(posting.area_code or DEFAULT_REGION, trade.code)
    except KeyError:
        return None


def _pay_checks(posting: Posting, text: str, on: date) -> list[tuple[Rule, dict[str, str]]]:
    """The pay rules the posting breaks, each with its message parameters."""
    found: list[tuple[Rule, dict[str, str]]] = []

    def add(check: str, unit: str, **params: Decimal) -> None:
        rule = _pay_rule(check, unit)
        if rule is not None and rule.id not in {r.id for r, _ in found}:
            found.append((rule, {k: _money(v) for k, v in params.items()}))

    amount, unit = _decimal(posting.pay_amount), _plain(posting.pay_unit)
    hours = _decimal(posting.daily_hours)
    if hours is None or not 0 < hours <= 24:
        hours = _stated_hours(text)
    if hours is not None and hours > MAX_STATED_HOURS:
        hours = None  # a 24-hour or live-in day counts standby and rest: use the monthly standard
    if unit == "piece":
        amount, unit = _daily_estimate(text), "day"
    guide = _guide(posting)
    convert_hours = hours or HOURS_PER_DAY
    if amount is not None and unit in ("hour", "day", "month"):
        minimum = _minimum(posting, unit, hours, on)
        below_minimum = minimum is not None and amount < minimum
        if below_minimum:
            add("below_minimum", unit, pay=amount, minimum=minimum)
        if guide is not None:
            value = _convert(amount, unit, guide.unit, convert_hours)
            if value > guide.median * SCAM_FACTOR:
                add("too_high", guide.unit, pay=value, median=guide.median)
            elif value > guide.high * GUIDE_HIGH_FACTOR:
                add("above_guide", guide.unit, pay=value, high=guide.high)
            elif value < guide.low * GUIDE_LOW_SHARE and not below_minimum:
                add("below_guide", guide.unit, pay=value, low=guide.low)
    if guide is not None:  # pay written in the text may differ from the pay field
        for stated, stated_unit in _stated_pay(text):
            value = _convert(stated, stated_unit, guide.unit, convert_hours)
            if value > guide.median * SCAM_FACTOR:
                add("too_high", guide.unit, pay=value, median=guide.median)
    return found


# -- screening ----------------------------------------------------------------------------------


def _matches(rule: Rule, text: str) -> bool:
    """True when a pattern matches and no exception matches within the window around it."""
    if any(pattern.search(text) for pattern in rule.always):
        return True
    for pattern in rule.patterns:
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - rule.window), match.end() + rule.window
            context = text[start:end]
            if not any(exception.search(context) for exception in rule.exceptions):
                return True
    return False


def _finding(rule: Rule, params: Mapping[str, str] | None = None) -> Finding:
    params = dict(params or {})
    return Finding(
        code=rule.id,
        category=rule.category,
        action=rule.action,
        message=_l(rule.message, **params),
        message_zh=rule.message_zh % params if params else rule.message_zh,
    )


def decide(findings: Iterable[Finding]) -> str:
    """block if any finding blocks, else review if there is any finding, else pass."""
    actions = {f.action for f in findings}
    return "block" if "block" in actions else "review" if actions else "pass"


def screen(posting: Posting, *, today: date | None = None) -> ScreeningResult:
    """Screen a posting: text rules on its title and description, then the pay rules."""
    text = normalise(f"{posting.title or ''}\n{posting.description or ''}")
    findings = [_finding(r) for r in rules() if r.kind == "text" and _matches(r, text)]
    for rule, params in _pay_checks(posting, text, today or date.today()):
        findings.append(_finding(rule, params))
    return ScreeningResult(decision=decide(findings), findings=tuple(findings))
