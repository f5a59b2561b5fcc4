"""The screening engine: text rules from rules.toml and pay rules computed from refdata.

Text rules are regular expressions matched against a normalised text (see `normalise`); a match
is dropped when one of the rule's exception patterns matches within `window` characters of it.
Pay rules compare the posting's pay with the local minimum wage and the 工资指导价位 of its trade.

Which minimum applies to a day rate (documented in README.md): the 非全日制 hourly minimum times
the daily hours when the posting states them (the `daily_hours` field, else "每天8小时",
"12小时一班" and the like in the text, 1 to 12 hours); for a shift written as a span ("早8晚8")
the hourly minimum times the span's hours, less a meal break only when one is stated ("中午休息
1小时"); otherwise the monthly minimum / 21.75 (refdata `MinimumWage.daily`). An hourly rate is
held to the hourly minimum, a monthly one to the monthly minimum (pro rata when the days stated
are not 8 hours); a piece rate is checked when the text states a daily estimate
("一天能挣200元", "一天也就七八十"), else only where what the piece is bounds a day from one side
(tiling, painting or a gypsum ceiling per m², rebar per tonne, a whole home's renovation, so many
pieces a day). A day's pay for fewer stated hours than 8 is compared with the wage guide as a full
day at the same hourly rate, and a month with stated rest days ("月休4天") is divided by the days
worked, not 21.75, for the guide (never for the minimum). The region is the posting's area_code,
else the place its text names first, else 郑州.

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
from webapp.screening import likeness as _likeness

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
# A skilled trade (a certificate or years of practice: 焊工, 电工, 木工, 钢筋工, 司机, 厨师...)
# paid below 80% of its guide's low end is reviewed too, unless the posting takes learners
# (学徒, 跟师傅, 新手) or a part of a day (半天), which are paid less.
SKILLED_LOW_SHARE = Decimal("0.8")
SKILLED_GROUPS = frozenset(
    {"construction_structure", "construction_finish", "electrical", "pipe_metal", "driving"}
    | {"repair"}
)
# 中式烹调师, 中式面点师, and 育婴员 (月嫂 and 育儿嫂 work with a 育婴员 or 母婴护理 certificate)
SKILLED_TRADES = frozenset({"4-03-02-01", "4-03-02-02", "4-10-01-02"})
GUIDE_HIGH_FACTOR = Decimal(3)  # above three times the guide's high end: review
SCAM_FACTOR = Decimal(5)  # above five times the guide median: review as a likely scam
BAIT_FACTOR = Decimal(3)  # above three times the guide median: review as bait (no figures shown)
# An hourly rate for work with an hourly guide (分拣, 普工: 时薪55, 时薪70) is bait above twice
# the median: an hour's pay has no long-day or overtime share to explain a high figure.
HOURLY_BAIT_FACTOR = Decimal(2)
# A posting without a wage guide (a trade not on file: 兼职, 月嫂, 打字员...; or a city without
# guides): a day's pay above this is bait. No guide median on file exceeds 400 a day.
NO_GUIDE_DAY_CEILING = Decimal(1200)
# Piece rates without a stated daily estimate (README, "Pay rules"): what the piece is bounds a
# day's earnings. A sum for a whole home's renovation ("三室两厅水电改造 人工400全包") is work
# for one practitioner of at least WHOLE_HOME_MIN_DAYS days (水电 开槽布管穿线打压, tiling or
# painting a flat take a week or more), so the sum / 3 is the most a day pays; a tiling rate per
# square metre ("贴砖 一平8块") at most TILE_M2_PER_DAY m² a day (地砖 15-20, 墙砖 about 10).
# Both are upper bounds, held to the floors only (minimum wage, guide low end). A count of
# pieces a day ("一单500，一天能跑好几单") gives a lower bound, held to the ceilings only.
WHOLE_HOME_MIN_DAYS = Decimal(3)
TILE_M2_PER_DAY = Decimal(20)
# More upper bounds of the same kind (README, "Pay rules"), each generous to the employer: a
# whole home of a stated floor area ("100平 全屋 水电 人工包干600") takes at least one day per
# WHOLE_HOME_M2_PER_DAY m² of floor (one practitioner does 水电 for about 10 m² of floor a day);
# putty or emulsion per m² of wall at most PAINT_M2_PER_DAY m² a day (60-100; spraying, 喷涂,
# covers more and is not bounded); a gypsum-board ceiling or partition per m² at most
# CEILING_M2_PER_DAY m² a day (10-20 with its frame; 铝扣板/集成吊顶 go faster and are not
# bounded); tying rebar per tonne at most REBAR_T_PER_DAY tonnes a worker a day (a 钢筋 crew does
# about half a tonne a worker; a per-tonne rate bounds each worker's day whatever the crew).
WHOLE_HOME_M2_PER_DAY = Decimal(25)
PAINT_M2_PER_DAY = Decimal(100)
# One rate for putty and paint together ("刮腻子 打磨 刷乳胶漆 一平三块") works each m² of wall at
# least twice (in practice four or five passes: two of putty, sanding, a primer and two coats),
# so at most half the area of one pass: PAINT_M2_PER_DAY / 2.
PAINT_FULL_M2_PER_DAY = PAINT_M2_PER_DAY / 2
CEILING_M2_PER_DAY = Decimal(30)
REBAR_T_PER_DAY = Decimal(2)
RENOVATION_GROUPS = frozenset(
    {"construction_structure", "construction_finish", "electrical", "pipe_metal"}
)


# Pay checks and the placeholders their messages may use.
PAY_CHECKS = {
    "below_minimum": frozenset({"pay", "minimum"}),
    "below_guide": frozenset({"pay", "low"}),
    "below_skilled_guide": frozenset({"pay", "low"}),
    "above_guide": frozenset({"pay", "high"}),
    "too_high": frozenset({"pay", "median"}),
    "bait": frozenset({"pay", "median"}),
    "no_guide_too_high": frozenset({"pay", "ceiling"}),
}
_PAY_CHECK_UNITS = {
    "below_minimum": ("hour", "day", "month"),
    "below_guide": ("hour", "day"),
    "below_skilled_guide": ("hour", "day"),
    "above_guide": ("hour", "day"),
    "too_high": ("hour", "day"),
    "bait": ("hour", "day"),
    "no_guide_too_high": ("day",),
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
        "The posting turns away people with an illness or a medical history. "
        "Staff will check whether the work requires it."
    ),
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
        "The posting asks for workers' credit record (征信). It is rarely needed for gig work, "
        "and scams ask for it to take out loans in workers' names. Staff will check it."
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
        "Pay of about %(pay)s yuan a day is far below the low end of the local wage guide for "
        "this skilled trade (%(low)s yuan a day). Staff will check it."
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
    unless_trade: tuple[re.Pattern[str], ...] = ()  # the rule is off for these trades or titles
    unless_text: tuple[re.Pattern[str], ...] = ()  # the rule is off when one matches the text
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
# "40+免谈", "日入500+": a plus after a number means "or more".
_NUMBER_PLUS = re.compile(r"(?<=\d|岁)\+(?![\d+])")
# Symbols that stand for a word and would otherwise be dropped as separators.
_SYMBOL_WORDS = {
    "\u2642": "男",  # ♂
    "\u2640": "女",  # ♀
    "\U0001f6b9": "男",  # 🚹
    "\U0001f6ba": "女",  # 🚺
    "\U0001f427": "qq",  # 🐧
}
# A gender, 汉族 or 本地人 standing alone as an item of a list ("保安，男，退伍军人优先",
# "✅男 ✅能吃苦", "餐厅服务员，汉族，有健康证") is a requirement: read it as 限男 / 限汉族.
# Not when the next or previous item names the other gender ("男/女", "男、女均可") or says
# both are welcome, nor when it is one word split up ("男*性").
_LONE_ITEM = re.compile(
    r"(?<![\w])(男|女)(?:性|士|生|的|工|同志|孩子?)?(?![\w])|(?<![\w])(汉族)(?:人|的)?(?![\w])"
    r"|(?<![\w])((?:本地|本市|当地)(?:人|户口|户籍))(?![\w])"
)
_LONE_NEXT = re.compile(r"[^\w]*([男女均都不皆各也可亦随任回维藏蒙壮苗彝满民少])")
_LONE_PREVIOUS = re.compile(r"([男女汉各限求要招需须只仅])[^\w]*$")
_LONE_SPLIT = re.compile(r"[^\w]+(?:性|士|生|的|工|孩|同志|族)")  # "男*性": one word split up
# A contact person's title and a phone number (round 14: "人事 窦女士" names no gender asked).
_CONTACT_WORDS = (
    r"((?:联系人?|找|人事|hr|督导|主管|经理|负责人|招聘|老师|店长|老板娘|厂办|物业|办公室|家政"
    r"|电话|手机|同号)"
)
_PHONE = r"(?<![\d.])(?:1[3-9]\d(?:[ -]?\d{4}){2}|0\d{2,3}[ -]?\d{3,4}[ -]?\d{4})(?!\d)"
_NOT_ASKED = r"(?!优先|勿扰|为主|即可|就行|更|最|来|报名)"
# Pinyin and look-alike spellings of words the rules look for: "nan性", "yi肝", "wei信".
_HOMOPHONES = (
    (re.compile(r"(?<![a-z])nan(?=性|生|士|的|工|孩|同志)"), "男"),
    (re.compile(r"(?<![a-z])nv(?=性|生|士|的|工|孩|同志)"), "女"),
    (re.compile(r"(?<![a-z])yi(?=肝)|(?<![a-z])乙(?=gan)"), "乙"),
    (re.compile(r"(?<=乙)gan"), "肝"),
    (re.compile(r"(?<![a-z])wei(?=信)|(?<![a-z])weixin(?![a-z])|(?<![a-z])wechat(?![a-z])"), "微"),
    # chat abbreviations: "sfz交前台" (身份证), "bm勿扰" (宝妈), "交yj200" (押金)
    (re.compile(r"(?<![a-z])sfz(?![a-z])"), "身份证"),
    (re.compile(r"(?<![a-z])bm(?=勿|不|免|别|谢绝|优先|就|也|的|们)"), "宝妈"),
    (re.compile(r"(?<=[交缴付收退押])yj(?![a-z])|(?<![a-z])yj(?=\d|元|块)"), "押金"),
    # a typo of 民族 that sounds the same: "少数名族的就算了", "名族不限"
    (re.compile(r"(?<=少数)[名明]族|[名明]族(?=不限|限制|要求|歧视|优先)"), "民族"),
    # typos that sound the same: 工姿 (工资: "工姿卡公司统一管理", "月工姿五千二"), 联细 (联系),
    # and 电活 (电话) before a phone number ("电活 0379-6781 0926"; 电活 is also "electrical work")
    (re.compile(r"工姿"), "工资"),
    (re.compile(r"联细"), "联系"),
    (re.compile(r"电活(?=1[3-9]\d|0\d{2,3})"), "电话"),
    # Henan dialect (round 14): the particle 哩 is 的 ("岁数大哩不要", "单身哩优先", "外省哩不要"),
    # and 甭 is 别 ("四十五往上的就甭来了"); not 英哩 (a mile)
    (re.compile(r"(?<!英)哩"), "的"),
    (re.compile(r"甭"), "别"),
    # 俩 (two) before an hour ("中午歇俩钟"): the break's length (round 14)
    (re.compile(r"俩(?:个)?(?=钟|小时)"), "两个"),
    # a contact person's title is no gender asked (round 14: "联系：督导 鲁女士 176…",
    # "人事 窦女士", "联系 138 0386 2297 刘女士"): a name's 女士 after a contact word or a phone
    # number, or before a phone number or the end, is read as 联系人 ("限女士", "只招女士" stay)
    (re.compile(_CONTACT_WORDS + r"\s?[\u4e00-\u9fff])女士" + _NOT_ASKED), r"\1联系人"),
    (re.compile("(" + _PHONE + r"\s?[\u4e00-\u9fff]{1,2})女士" + _NOT_ASKED), r"\1联系人"),
    (
        re.compile(r"(?![限招要需只仅为是])([\u4e00-\u9fff])女士(?=\s?" + _PHONE + r"|$)"),
        r"\1联系人",
    ),
)
# A warning against fees ("凡是让你交钱的都是骗子", "收押金的一律是骗子") names a fee without
# asking for one: it is read as 防骗提醒, so that a fee asked for next to it still counts.
_FEE_WARNING = re.compile(
    r"(?:凡是?|所有|任何|只要是?)?(?:让|叫|要|要求)?(?:你|您|大家)?(?:先)?(?:交|缴|付|收|要)"
    r"(?:钱|费用?|押金|[\u4e00-\u9fff]{1,3}费|任何费用)(?:的|者)(?:都|就|全|一律|肯定|必然|全部)?"
    r"(?:是)?(?:骗子|骗局|诈骗|假的|骗人的?|黑中介)"
)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS |= {"八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN_CHARS = "零一二两三四五六七八九十百千万"
# A separator between a Chinese numeral and a digit stays (as a space, once the numerals are
# digits), so that two numbers do not run together ("日结二百。45往上" is 200 and 45). The
# mark is a letter so that the separator rules leave it alone.
_GAP_MARK = "\u01c2"
_NUMERAL_GAP = re.compile(
    rf"(?<=[{_CN_CHARS}])(?:[^\w]|_)+(?=\d)|(?<=\d)(?:[^\w]|_)+(?=[{_CN_CHARS}])"
)
# Chinese numerals before an age, a sum of money or a time, or after a pay or age word:
# "二十五岁", "日结三千", "八点", "年龄四十".
_CN_NUMBER = re.compile(
    rf"(?:(?<=日结|日薪|月薪|时薪|月入|日入|日赚|年龄|不满|超过)|(?<=不超过|不大于))"
    rf"[{_CN_CHARS}]+"
    rf"|(?<![{_CN_CHARS}几数])[{_CN_CHARS}]+(?=周岁|岁|元|块|点钟|点半?|个?小时|个?钟头|个钟|个点)"
)
# Any other numeral with a unit in it ("四十五", "一百三", "两千"), not the words 十分, 十足,
# 十字绣, 十佳, 十大, 几十, 数十, 百分之 and not a run that starts with a unit ("万一").
_CN_UNIT_NUMBER = re.compile(
    rf"(?<![{_CN_CHARS}几数])(?=[一二两三四五六七八九十])[{_CN_CHARS}]*[十百千万][{_CN_CHARS}]*"
    rf"(?![{_CN_CHARS}]|分(?!钟)|字|足|全|佳|大|几)"
)
# Two neighbouring digits before a unit are a range: "七八十" 70-80, "五六百" 500-600; after
# the tens they are one too: "十五六岁" 15-16, "二十七八" 27-28.
_CN_RANGE = re.compile(
    rf"(?<![{_CN_CHARS}])([一二两三四五六七八])([二三四五六七八九])([十百千万])(?![{_CN_CHARS}])"
)
_CN_TEENS_RANGE = re.compile(
    rf"(?<![{_CN_CHARS}])([一二两三四五六七八九]?)十([一二三四五六七八])([二三四五六七八九])"
    rf"(?![{_CN_CHARS}])"
)


def _cn_to_int(text: str) -> int | None:
    """Parse a Chinese numeral up to 99999 ("二十五" -> 25, "三千" -> 3000); None if odd."""
    # A digit right after 百/千/万 counts one place lower, as people say it: "一百三" is 130,
    # "三千五" 3500, "一万二" 12000 ("一百零三" is 103).
    total, digit, seen_unit, zero = 0, None, 0, False
    for char in text:
        if char == "零":
            zero = True
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
            digit, seen_unit, zero = None, unit, False
        else:  # pragma: no cover - the regex admits nothing else
            return None
    if digit is not None and seen_unit >= 100 and not zero:
        return total + digit * seen_unit // 10
    return total + (digit or 0)


def _replace_cn_number(match: re.Match[str]) -> str:
    value = _cn_to_int(match.group())
    return match.group() if value is None else str(value)


def _replace_cn_range(match: re.Match[str]) -> str:
    low, high = _CN_DIGITS[match.group(1)], _CN_DIGITS[match.group(2)]
    unit = _CN_UNITS[match.group(3)]
    return f"{low * unit}-{high * unit}" if high == low + 1 else match.group()


def _replace_teens_range(match: re.Match[str]) -> str:
    tens = _CN_DIGITS.get(match.group(1), 1) * 10
    low, high = _CN_DIGITS[match.group(2)], _CN_DIGITS[match.group(3)]
    return f"{tens + low}-{tens + high}" if high == low + 1 else match.group()


def _mark_lone_items(text: str) -> str:
    def mark(match: re.Match[str]) -> str:
        after = _LONE_NEXT.match(text, match.end())
        before = _LONE_PREVIOUS.search(text, 0, match.start())
        if after or before or _LONE_SPLIT.match(text, match.end()):
            return match.group()
        return f"限{match.group(1) or match.group(2) or match.group(3)}"

    return _LONE_ITEM.sub(mark, text)


def normalise(text: str) -> str:
    """The text patterns see: NFKC, lower case, no separators next to CJK, 中文数字 as digits."""
    # "限 男*性", "男　性" and "男👨性" all become "限男性"; "３５岁以下" and "三十五岁以下"
    # become "35岁以下", "一百三" 130, "七八十" 70-80 and "40+" 40以上; ♂/♀ become 男/女,
    # 🐧 qq, and a bracketed "（女）" or a lone "，男，" becomes "限女"/"限男"; "nan性", "yi肝"
    # and "wei信" are read as 男性, 乙肝 and 微信. Separators between two digits or two Latin
    # letters stay ("138 1234 5678", "add wx"); runs of spaces become one. A warning against
    # fees ("凡是让你交钱的都是骗子") becomes 防骗提醒.
    text = unicodedata.normalize("NFKC", text or "").lower()
    for symbol, word in _SYMBOL_WORDS.items():
        text = text.replace(symbol, word)
    text = _INVISIBLE.sub("", text)
    text = _NUMBER_PLUS.sub("以上", text)
    text = _BRACKETED_GENDER.sub(r"限\1", text)
    text = _mark_lone_items(text)
    text = _NUMERAL_GAP.sub(_GAP_MARK, text.replace(_GAP_MARK, ""))
    text = _SEPARATORS.sub("", text)
    for pattern, word in _HOMOPHONES:
        text = pattern.sub(word, text)
    text = _FEE_WARNING.sub("防骗提醒", text)
    text = _CN_RANGE.sub(_replace_cn_range, text)
    text = _CN_TEENS_RANGE.sub(_replace_teens_range, text)
    text = _CN_NUMBER.sub(_replace_cn_number, text)
    text = _CN_UNIT_NUMBER.sub(_replace_cn_number, text).replace(_GAP_MARK, " ")
    return _SPACES.sub(" ", text).strip()


# -- loading ------------------------------------------------------------------------------------

_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")
_TEXT_KEYS = frozenset(
    {"patterns", "exceptions", "always", "unless_trade", "unless_text", "window"}
)
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
    known |= {"exceptions", "always", "unless_trade", "unless_text", "window", "check", "unit"}
    known |= {"hits", "passes"}
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
        if not all(isinstance(h, str | dict) for h in hits + passes):
            raise RuleFileError(
                f"{where}: examples of a text rule are strings or tables of posting fields"
            )
        exceptions = _compile(entry.get("exceptions", []), fragments, f"{where} exceptions")
        always = _compile(entry.get("always", []), fragments, f"{where} always")
        unless_trade = _compile(entry.get("unless_trade", []), fragments, f"{where} unless_trade")
        unless_text = _compile(entry.get("unless_text", []), fragments, f"{where} unless_text")
        return Rule(
            kind=kind,
            patterns=patterns,
            exceptions=exceptions,
            always=always,
            unless_trade=unless_trade,
            unless_text=unless_text,
            window=window,
            **common,
        )
    if kind == "pay":
        if _TEXT_KEYS & set(entry):
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


# Common names postings give that are not in trades.csv, with the trade whose wage guide fits.
TRADE_ALIASES = {
    "收银": "4-01-02-03",  # 收银员: 商品营业员
    "收银员": "4-01-02-03",
    "配菜": "4-03-02-99",  # 配菜, 打荷, 切配: 厨房帮工
    "打荷": "4-03-02-99",
    "切配": "4-03-02-99",
    "帮厨": "4-03-02-99",
    "氩弧焊": "6-18-02-04",  # welding processes named as the trade
    "二保焊": "6-18-02-04",
    "支模": "6-29-01-99",
    "刮腻子": "6-29-04-99",
    "月嫂": "4-10-01-02",  # 月嫂 (母婴护理员) is not on file: the 育婴员 guide is the nearest
    "母婴护理": "4-10-01-02",
    "母婴护理员": "4-10-01-02",
    "金牌月嫂": "4-10-01-02",
    "跑腿": "4-02-07-10",  # errands and same-city delivery (跑腿, 闪送): 网约配送员
    "同城跑腿": "4-02-07-10",
    "闪送": "4-02-07-10",
    "同城配送": "4-02-07-10",
    "发传单": "4-01-02-02",  # handing out leaflets (发传单, 地推): 营销员 (促销员)
    "派传单": "4-01-02-02",
    "派发传单": "4-01-02-02",
    "传单派发": "4-01-02-02",
    "地推": "4-01-02-02",
    # watching a site or a works at night (看厂, 守夜): 保安员, whose common name is 保安/门卫
    "看厂": "4-07-05-01",
    "看场": "4-07-05-01",
    "看门": "4-07-05-01",
    "看大门": "4-07-05-01",
    "看仓库": "4-07-05-01",
    "看工地": "4-07-05-01",
    "看夜": "4-07-05-01",
    "守夜": "4-07-05-01",
    "值夜": "4-07-05-01",
    "巡夜": "4-07-05-01",
    "值守": "4-07-05-01",
    "看守": "4-07-05-01",  # "仓库看守", "看守员" (an alias inside the name counts, resolve_trade)
    # excavators and loaders (挖掘铲运和桩工机械司机 is not on file): the nearest guide is that of
    # 起重装卸机械操作工 (叉车司机), an operator of the same 大典 小类 (通用工程机械操作人员)
    # whose pay is lower, so its floors are generous to the employer
    "挖掘机": "6-30-05-01",
    "挖掘机司机": "6-30-05-01",
    "挖掘机师傅": "6-30-05-01",
    "挖掘机操作手": "6-30-05-01",
    "挖机": "6-30-05-01",
    "挖机司机": "6-30-05-01",
    "挖机师傅": "6-30-05-01",
    "挖机手": "6-30-05-01",
    "钩机": "6-30-05-01",
    "钩机司机": "6-30-05-01",
    "勾机司机": "6-30-05-01",
    "铲车": "6-30-05-01",
    "铲车司机": "6-30-05-01",
    "装载机": "6-30-05-01",
    "装载机司机": "6-30-05-01",
}


def resolve_trade(value: str | None) -> refdata.Trade | None:
    """The trade for a 大典 code or a trade name ("保洁", "电工", "小工"); None if unknown."""
    # An exact name wins, then the longest known name inside the value ("建筑小工" -> 小工),
    # then the longest alias inside it ("仓库看守" -> 看守), then a known name containing the
    # value ("电焊" -> 电焊工). Ties go to the first trade in file order.
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return refdata.trade(value)
    except KeyError:
        pass
    wanted = normalise(value)
    if wanted in TRADE_ALIASES:
        return refdata.trade(TRADE_ALIASES[wanted])
    names = _trade_names()
    for name, trade in names:
        if name == wanted:
            return trade
    inside = [(len(name), -i, trade) for i, (name, trade) in enumerate(names) if name in wanted]
    if inside:
        return max(inside, key=lambda t: (t[0], t[1]))[2]
    aliases = [alias for alias in TRADE_ALIASES if len(alias) >= 2 and alias in wanted]
    if aliases:
        return refdata.trade(TRADE_ALIASES[max(aliases, key=len)])
    if len(wanted) >= 2:
        for name, trade in names:
            if wanted in name:
                return trade
    return None


# -- pay ----------------------------------------------------------------------------------------

_NUMBER = r"(\d{1,6}(?:\.\d{1,2})?)"
# An hour, as people write it: "小时", "个钟头", "个钟" and "个点" ("干12个钟", "10个点"), "h".
_HOUR = r"(?:个?(?:小时|钟头)|个(?:钟|点)(?![钟半头\d])|h(?![\da-z]))"
_HOURS = (
    # "每天8小时", "白班10个钟头", "每天工作时间10小时"
    re.compile(
        r"(?:每天|每日|一天|日|白天|白班|夜班|晚班|上班)(?:上午|下午|晚上|早上|中午)?"
        r"(?:工作|上班|干活|干|做)?(?:时间|时长)?(?:约|大概|大约|差不多)?"
        rf"(\d{{1,2}}(?:\.\d)?){_HOUR}"
    ),
    # "12小时一班", "每班10小时", "10个小时一天"
    re.compile(rf"(?<![\d.])(\d{{1,2}}){_HOUR}(?:一班|一天|每班|每天|白班|夜班)"),
    re.compile(rf"(?:每班|一班)(\d{{1,2}}){_HOUR}"),
    # "一天100 干12个钟", "要站10个小时": the hours worked, after a verb
    re.compile(
        r"(?:干|做|站|熬|工作|上班|干活)(?:满|够|足)?(?:约|大概|大约|差不多)?"
        rf"(\d{{1,2}}(?:\.\d)?){_HOUR}"
    ),
)
# A shift from the morning to the evening: "早8晚6", "早上8点到晚上8点", "早7点到下午5点",
# "早五点到中午一点"; or "8:00-18:00".
_SPAN = re.compile(
    r"(?:早上?|上午|早晨|白天|白班)(\d{1,2})(?:点半?|:\d{2})?(?:钟)?"
    r"(?:上班|开工|开始|干活|干|做|一直干?)?(?:到|至|-|~|—)?"
    r"(晚上?|下午|傍晚|中午)(\d{1,2})(?:点|:\d{2})?"
)
# An afternoon or evening start with an end hour that is bare or in the same half of the day
# ("下午4点到7点" 16:00-19:00, "下午一点到晚上九点"; round 15): the end is after noon too.
_LATE_SPAN = re.compile(
    r"(下午|晚上?|傍晚)(\d{1,2})(?:点半?|:\d{2})(?:钟)?(?:上班|开工|开始|干活|干|做|一直干?)?"
    r"(?:到|至|-|~|—)(?:晚上?|下午|傍晚)?(\d{1,2})(?:点|:\d{2})"
)
_CLOCK_SPAN = re.compile(r"(?<![\d:])(\d{1,2}):\d{2}(?:-|~|—|到|至)(\d{1,2}):\d{2}(?!\d)")
# A break the posting states inside a span: "中午休息1小时", "午休半小时", "吃饭休息一个小时".
_BREAK = re.compile(
    r"(?:(?:中午|午间|午饭|吃饭|中间|饭点)?(?:休息|午休|歇)|中午|午间)(?:时间)?"
    r"(?:(\d(?:\.5)?)(?:个)?(?:小时|钟头|个钟|h)|(1|一)个半(?:小时|钟头)|半(?:个)?小时)"
)
# A length of time right after a break word is the break, not the day ("中午1小时 一天175",
# "中午休息2小时一天280": once the separators are gone, "1小时一天" reads like "1 hour a day").
_BREAK_BEFORE = re.compile(r"(?:中午|午间|午饭|吃饭|中间|饭点|休息|午休|歇|休)(?:时间)?$")
# what follows a count, not a sum of money: "一天200票左右" is 200 parcels ("一票1.5"), not 200 yuan
_COUNT_UNITS = (
    # "一天一百多斤" is more than 100 jin (round 14): 多/来/余 may come before the unit; so may
    # the range's other end ("每天4到6次" is 4 to 6 visits, round 15)
    r"(?!(?:(?:到|至|~|-)\d{1,6}(?!\d))?(?:多|来|余)?(?:\d|件|个|单|条|箱|斤|平|米|人|次|台|间|小时|分钟|公里|h|点|号|层|楼|栋|天|岁"
    r"|票|份|趟|袋|盒|瓶|桶|户|棵|株|篇|张))"
)
_DAILY_ESTIMATE = re.compile(
    r"(?:一天|每天|日均|日收入|日入|每日)"
    r"(?:大概|大约|平均|至少|约|能|可以|可|收入|挣|赚|拿|到手|工资|也就|就|才|最多|差不多|有)*"
    + _NUMBER
    + r"(?:-(\d{1,6}))?"
    + r"(?!-)"  # "一天四五十单" is 40-50 orders, not 40 yuan
    + _COUNT_UNITS
)
# An allowance is not the day's pay ("饭补一天15", "车补每天20"; round 15)
_ALLOWANCE_BEFORE = re.compile(
    r"(?:饭补|餐补|补贴|补助|车补|话补|房补|油补|饭钱|餐费|伙食费)(?:是|为|有|另|另外|另给)?$"
)
_STATED_PAY = (
    # a night shift's pay is a day's: "一夜1000", "一晚上300", "每个夜班200"
    (
        "day",
        re.compile(
            r"(?:日结|日薪|日工资|日入|日赚|一天|每天|一夜|每夜|一晚上?|每晚上?|一宿|一个晚上|"
            r"每个晚上|一个夜班|每个夜班)" + _NUMBER + _COUNT_UNITS
        ),
    ),
    ("hour", re.compile(r"(?:时薪|每小时|一小时)" + _NUMBER + _COUNT_UNITS)),
    # "一个月一万五" (15000) as well as "月薪15000"
    ("month", re.compile(r"(?:月薪|月入|月工资|一个月|每个月|每月)" + _NUMBER + _COUNT_UNITS)),
)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _span_hours(text: str) -> Decimal | None:
    """Working hours of a shift written as a span: "早8晚6" is 10 hours, less a stated break."""
    # Policy (README): a gig is paid for the hours it takes. A meal break is deducted only when
    # the posting states one ("中午休息1小时", "午休半小时"); a span alone counts in full.
    span = None
    for match in _SPAN.finditer(text):
        start, period, end = int(match.group(1)), match.group(2), int(match.group(3))
        if period == "中午":
            end = end + 12 if end <= 3 else end  # 中午一点 is 13:00, 中午十二点 12:00
        elif end < 12:
            end += 12
        if start <= 12 and end > start:
            span = end - start
            break
    if span is None:
        for match in _LATE_SPAN.finditer(text):
            start, end = int(match.group(2)), int(match.group(3))
            if start == 12 and match.group(1) != "下午":
                continue  # 晚上12点 is midnight: no span after it in this pattern
            start, end = (start + 12 if start < 12 else start), (end + 12 if end <= 12 else end)
            if 12 <= start < end <= 24:
                span = end - start
                break
    if span is None:
        for match in _CLOCK_SPAN.finditer(text):
            start, end = int(match.group(1)), int(match.group(2))
            if 0 <= start < end <= 24:
                span = end - start
                break
    if span is None:
        return None
    hours = Decimal(span)
    for match in _BREAK.finditer(text):
        if match.group(2):
            hours -= Decimal("1.5")
        else:
            hours -= Decimal("0.5") if match.group(1) is None else Decimal(match.group(1))
    return hours if 1 <= hours <= MAX_STATED_HOURS else None


def _stated_hours(text: str) -> Decimal | None:
    """Daily hours stated in the (normalised) text, 1 to 12; None otherwise."""
    for pattern in _HOURS:
        for match in pattern.finditer(text):
            if _BREAK_BEFORE.search(text, 0, match.start(1)):
                continue
            hours = Decimal(match.group(1))
            if 1 <= hours <= MAX_STATED_HOURS:
                return hours
    return None


# A contract of so many days paid as one sum: "月嫂单 26天", "单期：26天", "42天单", "26天一单".
_CONTRACT_DAYS = re.compile(
    r"(?:单期|一单|每单|(?<=嫂)单|(?<=月子)单)(?:是|为|共|周期)?(\d{2})天|(?<![\d.])(\d{2})天(?:一)?单"
)
MIN_CONTRACT_DAYS, MAX_CONTRACT_DAYS = 20, 60


def _contract_days(text: str) -> Decimal | None:
    """The days of a 单 paid as one sum (月嫂: 26 or 42 days); None if the text states none."""
    for match in _CONTRACT_DAYS.finditer(text):
        days = int(match.group(1) or match.group(2))
        if MIN_CONTRACT_DAYS <= days <= MAX_CONTRACT_DAYS:
            return Decimal(days)
    return None


def _daily_estimate(text: str) -> Decimal | None:
    """A piece-rate posting's own estimate of a day's earnings ("一天能挣200元", "七八十")."""
    # A range counts at its top ("一天能挣70-80": 80), so only a day clearly too poor is flagged.
    for match in _DAILY_ESTIMATE.finditer(text):
        if not _ALLOWANCE_BEFORE.search(text, 0, match.start()):
            return Decimal(match.group(2) or match.group(1))
    return None


def _stated_pay(text: str) -> list[tuple[Decimal, str]]:
    """Pay claims written in the text: "日结3000", "时薪200", "月薪30000"."""
    return [
        (Decimal(m.group(1)), unit)
        for unit, pattern in _STATED_PAY
        for m in pattern.finditer(text)
        if not _ALLOWANCE_BEFORE.search(text, 0, m.start())
    ]


def _convert(
    amount: Decimal, unit: str, to: str, hours: Decimal, days: Decimal | None = None
) -> Decimal:
    """An hour, day or month rate as an hour or day rate (21.75 days a month unless `days`)."""
    per_day = {
        "hour": amount * hours,
        "day": amount,
        "month": amount / (days or refdata.DAYS_PER_MONTH),
    }[unit]
    return per_day if to == "day" else per_day / hours


# The days a month the posting says are worked ("月休4天" 26, "单休"/"做六休一" 26): a monthly
# sum compared with a wage guide, whose figures are per day (or hour) worked, is divided by them
# (README, "Pay rules"). Only 0 to 8 rest days a month count (22 to 30 days); a 5-day week and
# everything else is 21.75. The minimum wage is not affected: its monthly standard applies to the
# month as it stands.
_REST_DAYS = re.compile(
    r"(?:月休|(?:每|一)个?月(?:只)?休息?)(\d|[一二两三四五六七八])天"
    r"|(单休|做六休一|上六休一|干六休一|六天工作制|周日休|周六休|一周休一天|每周休一天)"
)
_CN_SMALL = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}


def _days_worked(text: str) -> Decimal | None:
    """Days worked a month when the text states its rest days (22 to 30); None otherwise."""
    match = _REST_DAYS.search(text)
    if match is None:
        return None
    if match.group(2):
        return Decimal(26)
    rest = _CN_SMALL.get(match.group(1)) or int(match.group(1))
    return Decimal(30 - rest) if rest <= 8 else None


def _full_day(value: Decimal, to: str, part_day: Decimal | None) -> Decimal:
    """A day's pay for a shorter stated day as a full (8-hour) day at the same hourly rate."""
    # A guide's day is a full day: "干4个小时 600块" is 1200 a day (README, "Pay rules"). Only
    # hours the posting states count (a span may be one of two shifts); longer days are not
    # scaled down.
    if to == "day" and part_day is not None:
        return value * HOURS_PER_DAY / part_day
    return value


def _money(value: Decimal) -> str:
    """2 decimals at most, no trailing zeros: 164.80 -> "164.8", 200.00 -> "200"."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Places a posting names in its text, for postings without an area_code: the cities and
# counties of refdata by their full names, and the short names people write ("涧西", "二七")
# except those that are everyday words too ("上街" is also "to go out", "新安" is in "重新安装",
# "老城" and "中原" are generic). Also areas that are not counties of their own.
_PLACE_ALIASES = {"郑东": "410100", "航空港": "410100", "港区": "410100", "伊滨": "410300"}
_AMBIGUOUS_SHORT_NAMES = frozenset({"上街", "新安", "老城", "中原"})


@cache
def _place_names() -> tuple[tuple[str, str], ...]:
    """(name, region code) pairs for the cities and counties on file, longest names first."""
    pairs = dict(_PLACE_ALIASES)
    for region in refdata.regions():
        if region.level == "province":
            continue
        pairs.setdefault(region.name, region.code)
        short = re.sub(r"(?:回族)?(?:区|县|市)$", "", region.name)
        if len(short) >= 2 and short not in _AMBIGUOUS_SHORT_NAMES:
            pairs.setdefault(short, region.code)
    return tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0])))


@cache
def _place_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name, _ in _place_names()))


def _text_region(text: str) -> str | None:
    """The region a posting's text names first ("洛阳涧西区..." -> 410305); None if none."""
    # The first place named wins ("郑州到洛阳送货": 郑州). A city is narrowed to a county of
    # its own named anywhere in the text ("洛阳 ... 嵩县": 嵩县, for its minimum-wage class).
    codes = dict(_place_names())
    found = [codes[m.group()] for m in _place_pattern().finditer(text)]
    if not found:
        return None
    first = found[0]
    if refdata.region(first).level == "city":
        for code in found[1:]:
            if refdata.region(code).parent == first:
                return code
    return first


def _region(posting: Posting, text: str) -> str:
    """The posting's area_code, else the place its text names, else DEFAULT_REGION."""
    return posting.area_code or _text_region(text) or DEFAULT_REGION


def _minimum(
    region: str, unit: str, hours: Decimal | None, on: date, span: Decimal | None = None
) -> Decimal | None:
    try:
        standard = refdata.minimum_wage(region, on)
    except (KeyError, refdata.NoMinimumWageError):
        return None  # a region outside the reference data: no standard to hold it to
    if unit == "hour":
        return standard.hourly
    if unit == "month":
        # The monthly standard is for 8-hour days. Other stated days scale it pro rata:
        # "每天上午4小时，月薪2000" (half the standard), "每天12小时，月薪2500" (one and a half
        # times; overtime premiums are not added, so only a clear shortfall is flagged).
        day = hours or span
        if day and day != HOURS_PER_DAY:
            return (standard.monthly * day / HOURS_PER_DAY).quantize(Decimal("0.01"))
        return standard.monthly
    if hours:
        return standard.hourly * hours
    if span:
        # Policy (README): a gig over a stated span is held to the hourly minimum for the
        # hours of the span ("早6点到下午2点，一天100" is 8 hours: 164.80).
        return (standard.hourly * span).quantize(Decimal("0.01"))
    return standard.daily


# 电工 (6-31-01-03, 维修电工) is the 大典's electrician of production and maintenance; wiring
# in building work (装修, 家装, 工地: 开槽布线, 装开关插座) is 电气设备安装工 (6-29-03-02, 安装电工,
# 水电工（电）), whose guide a posting for 电工 in that work is held to.
_ELECTRICIAN = "6-31-01-03"
_INSTALLER = "6-29-03-02"
_BUILDING_WORK = re.compile(r"装修|家装|装饰|精装|工装|翻新|毛坯|新房|开槽|布管|工地|项目部|施工队")


def _guide_trade(posting: Posting, text: str = "") -> refdata.Trade | None:
    """The trade whose wage guide applies: the posting's, or the installer for building work."""
    trade = resolve_trade(posting.trade)
    if trade is not None and trade.code == _ELECTRICIAN and _BUILDING_WORK.search(text):
        return refdata.trade(_INSTALLER)
    return trade


def _guide(
    posting: Posting, region: str = DEFAULT_REGION, text: str = ""
) -> refdata.WageGuide | None:
    trade = _guide_trade(posting, text)
    if trade is None:
        return None
    try:
        return refdata.wage_guide(region, trade.code)
    except KeyError:
        return None


# Learners and part days: a skilled trade may pay less ("焊工学徒", "跟师傅干", "半天活");
# so does unskilled work filed under a skilled trade (洗车 under 汽修).
_LEARNER = re.compile(
    r"学徒|徒弟|学员|跟(?:着)?师傅|学手艺|学技术|打下手|帮工|小工|助手|副手|零基础|新手|半天|跟车"
    r"|不会的?(?:可以|能|也)?(?:教|学|带)|包教"
    r"|洗车"  # a 洗车 job filed under 汽修 is unskilled work, not a repairer's day
)


# A driving job for a C licence ("C1驾照就行": vans and light trucks) is not the trade of the
# driving guide (道路货运汽车驾驶员 needs B2/A2 and a 从业资格证, refdata trades.csv), so it is
# not held to that guide's skilled share; half its low end still applies.
_C_LICENCE = re.compile(r"(?<![a-z0-9])c[12](?!\d)")
# A family's or a private driver ("家庭招司机，接送孩子上下学", "私人司机") drives a car, not a
# goods vehicle: no B2/A2 or 从业资格证, so not the driving guide's skilled share either (round 14).
_FAMILY_DRIVER = re.compile(
    r"家庭司机|私人司机|家用车|私家车|家庭[\u4e00-\u9fff]{0,2}?招?司机|家里(?:人)?(?:日常)?用车"
    r"|接送(?:孩子|小孩|老人|家人|老板)|(?:孩子|小孩)上下学"
)


# A practitioner who leads learners ("招主厨 带两个徒弟", "管3个小工") is no learner: the learner
# words name the people under the worker, not the worker.
_LEADS = re.compile(
    r"(?:带|管|领|手下有?|配)(?:着)?(?:\d+|[一二两三四五六七八九几]+)(?:个|名|位)"
    r"(?:徒弟|学徒|小工|帮工|助手|副手|帮厨)"
)


def _skilled(posting: Posting, text: str) -> bool:
    """A skilled trade, paid as a full practitioner (not a learner, not a part day)."""
    trade = resolve_trade(posting.trade)
    if trade is None or not (trade.group in SKILLED_GROUPS or trade.code in SKILLED_TRADES):
        return False
    if trade.group == "driving" and (_C_LICENCE.search(text) or _FAMILY_DRIVER.search(text)):
        return False
    return not _LEARNER.search(_LEADS.sub("", text))


# What a piece is (README, "Pay rules"): a whole home's renovation for one sum, a tiling rate per
# square metre, or so many pieces a day ("一天能跑好几单", "一天三四十单": the low end counts).
_WHOLE_JOB = re.compile(r"全包|包干|包工|一口价|总价|整包")
_WHOLE_HOME = re.compile(
    r"全屋|整屋|整套|全套房|整个房子|一套房|(?<!\d)[一二两三四五六\d]室(?:[一二两三\d]厅)?"
    r"|\d{2,3}(?:平米?|平方米?|m2)的?(?:老房|新房|房子|房)"
)
_PER_AREA = re.compile(
    r"(?:一|每|/)个?(?:平方米?|平米|平|m2|延米|米|点位)(?![时台安整均房顶层面])"
    r"|\d(?:元|块)?钱?(?:一|每|/)(?:平方米?|平米|平|m2|延米|米|点位)"
)
_TILING = re.compile(r"贴砖|铺砖|瓷砖|地砖|墙砖|贴瓷|镶贴")
_PAINTING = re.compile(r"腻子|乳胶漆|刷漆|刷墙|滚涂|墙面漆|墙漆|涂料")
# putty and paint named as one job, with no figure between them ("刮腻子 打磨 刷乳胶漆", "腻子+
# 乳胶漆 全套"); "刮腻子一平3块 乳胶漆另算" names two rates
_FULL_PAINTING = re.compile(
    r"腻子[\u4e00-\u9fff]{0,8}?(?:乳胶漆|刷漆|刷墙|滚涂|墙面漆|墙漆|涂料|面漆)"
    r"|(?:乳胶漆|墙面漆|墙漆|涂料)[\u4e00-\u9fff]{0,8}?腻子"
)
_SPRAYING = re.compile(r"喷")
_CEILING = re.compile(r"石膏板|吊顶|隔墙|龙骨")
_FAST_CEILING = re.compile(r"扣板|集成")
_PER_TONNE = re.compile(r"(?:一|每|/)吨|\d(?:元|块)?钱?(?:一|每|/)吨")
_REBAR = re.compile(r"钢筋")
# the floor area of a whole home: "100平", "120平米", "90个平方"
_FLOOR_AREA = re.compile(r"(?<![\d.])(\d{2,3})(?:个)?(?:平方米?|平米|平|m2)(?![\d米])")
_PIECES_A_DAY = re.compile(
    r"(?:一天|每天|日均|每日)(?:能|可以|可|大概|大约|至少|差不多|也就|就)*"
    r"(?:跑|做|接|送|干|派|卸|装|拉|摘)?"
    r"(好几|几|\d+|[一二两三四五六七八九])(?:(?:-|到|至|~)\d+|[二三四五六七八九])?(?:多|来)?"
    # a worker's own pieces: not 车, 吨 or 台, often a crew's; not 个 before an hour or a month
    r"(?:单|趟|次|件|票|份|条|个(?![小钟点月人半]))"
)
_CN_COUNT = {"好几": 3, "几": 2} | {k: v for k, v in _CN_DIGITS.items()}


def _piece_day_bound(posting: Posting, amount: Decimal, text: str) -> tuple[Decimal, str] | None:
    """A day's earnings bounded by what the piece is: (amount, "most" or "least"), or None."""
    trade = resolve_trade(posting.trade)
    renovation = trade is not None and trade.group in RENOVATION_GROUPS
    per_area = _PER_AREA.search(text)
    if renovation and per_area:
        # a rate per m² of some work: the most generous bound the text's work allows
        bounds = [
            per_day
            for found, per_day in (
                (_TILING.search(text), TILE_M2_PER_DAY),
                (
                    _PAINTING.search(text) and not _SPRAYING.search(text),
                    PAINT_FULL_M2_PER_DAY if _FULL_PAINTING.search(text) else PAINT_M2_PER_DAY,
                ),
                (_CEILING.search(text) and not _FAST_CEILING.search(text), CEILING_M2_PER_DAY),
            )
            if found
        ]
        if bounds:
            return amount * max(bounds), "most"
    if renovation and _REBAR.search(text) and _PER_TONNE.search(text):
        return amount * REBAR_T_PER_DAY, "most"
    whole_home = _WHOLE_JOB.search(text) and _WHOLE_HOME.search(text)
    if renovation and whole_home and not per_area:
        days = WHOLE_HOME_MIN_DAYS
        area = _FLOOR_AREA.search(text)
        if area:
            days = max(days, Decimal(area.group(1)) / WHOLE_HOME_M2_PER_DAY)
        return amount / days, "most"
    match = _PIECES_A_DAY.search(text)
    if match:
        count = _CN_COUNT.get(match.group(1)) or int(match.group(1))
        return amount * count, "least"
    return None


# The statutory holidays themselves (全国年节及纪念日放假办法: 除夕, 春节初一到初三...): work on
# them is paid at least three times a day's wage (劳动法 art. 44), so a day rate up to three
# times the guide is no bait there. The 3× high end and the 5× median checks still apply.
_STATUTORY_HOLIDAY = re.compile(
    r"除夕|大年(?:三十|30)|年三十|(?:大年|正月)初[一二三123](?![\d一二三四五六七八九十])"
    r"|(?:春节|元旦|国庆节?|五一|劳动节|中秋节?|端午节?|清明节?)(?:当天|那天|当日)"
)


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
    span = None if hours else _span_hours(text)
    # A sum for a 单 of so many days (月嫂 "3000元/单", 单期26天) is that many days' pay: per
    # day for the guide. The monthly minimum still applies to a monthly figure as it stands.
    days = _contract_days(text) if unit in ("month", "piece") else None
    # a piece rate's day bounded from one side only checks that side (README)
    floors, ceilings = True, True
    if unit == "piece":
        if days and amount is not None:
            amount, unit, days = amount / days, "day", None
        else:
            estimate = _daily_estimate(text)
            if estimate is None and amount is not None:
                bound = _piece_day_bound(posting, amount, text)
                if bound is not None:
                    estimate = bound[0]
                    floors, ceilings = bound[1] == "most", bound[1] == "least"
            amount, unit = estimate, "day"
    holiday = _STATUTORY_HOLIDAY.search(text) is not None
    region = _region(posting, text)
    guide = _guide(posting, region, text)
    worked = _days_worked(text)  # a month's days worked, for the guide (README)
    convert_hours = hours or span or HOURS_PER_DAY
    part_day = hours if hours is not None and hours < HOURS_PER_DAY else None
    if amount is not None and unit in ("hour", "day", "month"):
        # what the guide sees: a month on a 单 of so many days counts per day
        rate, rate_unit = (amount / days, "day") if days else (amount, unit)
        minimum = _minimum(region, unit, hours, on, span)
        below_minimum = floors and minimum is not None and amount < minimum
        if below_minimum:
            add("below_minimum", unit, pay=amount, minimum=minimum)
        if guide is not None:
            value = _convert(rate, rate_unit, guide.unit, convert_hours, worked)
            value = _full_day(value, guide.unit, part_day)
            if not ceilings:
                pass
            elif value > guide.median * SCAM_FACTOR:
                add("too_high", guide.unit, pay=value, median=guide.median)
            elif value > guide.high * GUIDE_HIGH_FACTOR:
                add("above_guide", guide.unit, pay=value, high=guide.high)
            elif not holiday and (
                value > guide.median * BAIT_FACTOR
                or (rate_unit == guide.unit == "hour" and value > guide.median * HOURLY_BAIT_FACTOR)
            ):
                add("bait", guide.unit, pay=value, median=guide.median)
            if not floors or below_minimum or value >= guide.low * SKILLED_LOW_SHARE:
                pass
            elif value < guide.low * GUIDE_LOW_SHARE:
                add("below_guide", guide.unit, pay=value, low=guide.low)
            elif _skilled(posting, text):
                add("below_skilled_guide", guide.unit, pay=value, low=guide.low)
        elif ceilings:
            value = _convert(rate, rate_unit, "day", convert_hours, worked)
            value = _full_day(value, "day", part_day)
            if value > NO_GUIDE_DAY_CEILING:
                add("no_guide_too_high", "day", pay=value, ceiling=NO_GUIDE_DAY_CEILING)
    for stated, stated_unit in _stated_pay(text):  # pay written in the text may differ
        if guide is not None:
            value = _convert(stated, stated_unit, guide.unit, convert_hours, worked)
            value = _full_day(value, guide.unit, part_day)
            if value > guide.median * SCAM_FACTOR:
                add("too_high", guide.unit, pay=value, median=guide.median)
            elif (
                value > guide.median * BAIT_FACTOR
                and not holiday
                and not any(rule.category == "scam_pay_too_high" for rule, _ in found)
            ):
                add("bait", guide.unit, pay=value, median=guide.median)
        else:
            value = _convert(stated, stated_unit, "day", convert_hours, worked)
            value = _full_day(value, "day", part_day)
            if value > NO_GUIDE_DAY_CEILING:
                add("no_guide_too_high", "day", pay=value, ceiling=NO_GUIDE_DAY_CEILING)
    return found


# -- screening ----------------------------------------------------------------------------------


def _posting_text(posting: Posting) -> str:
    """What the patterns see: the title and the description, each normalised, a space apart."""
    # The title is read apart from the description, so that a title ending in a refusal does
    # not run into the place the description starts with ("保安 身份证只看不收" + "郑州…" is not
    # "不收郑州").
    parts = (normalise(posting.title or ""), normalise(posting.description or ""))
    return " ".join(part for part in parts if part)


def _trade_text(posting: Posting) -> str:
    """What `unless_trade` patterns see: the trade as given, its 大典 names, and the title."""
    trade = resolve_trade(posting.trade)
    names = [posting.trade or "", posting.title or ""]
    if trade is not None:
        names += [trade.name, trade.common_name]
    return normalise(" ".join(names))


def _matches(rule: Rule, text: str, trade_text: str = "") -> bool:
    """True when a pattern matches and no exception matches within the window around it."""
    if any(pattern.search(trade_text) for pattern in rule.unless_trade):
        return False
    if any(pattern.search(text) for pattern in rule.unless_text):
        return False  # e.g. WeChat offered alongside an ordinary phone number (README)
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


def _likeness_findings(text: str) -> list[Finding]:
    found = _likeness.doubt(text)
    if found is None:
        return []
    params, params_zh = _likeness.finding_params(found)
    return [
        Finding(
            code=_likeness.FINDING_CODE,
            category=found.category,
            action="review",
            message=_likeness.message(**params),
            message_zh=_likeness.MESSAGE_ZH % params_zh,
        )
    ]


def decide(findings: Iterable[Finding]) -> str:
    """block if any finding blocks, else review if there is any finding, else pass."""
    actions = {f.action for f in findings}
    return "block" if "block" in actions else "review" if actions else "pass"


def screen(
    posting: Posting, *, today: date | None = None, likeness: bool = True
) -> ScreeningResult:
    """Screen a posting: text rules on its title and description, then the pay rules; when
    they find nothing, its likeness to postings that broke them (likeness.py) may send it to
    review. likeness=False gives the rules alone (their regression tests measure them so)."""
    text = _posting_text(posting)
    trade_text = _trade_text(posting)
    findings = [_finding(r) for r in rules() if r.kind == "text" and _matches(r, text, trade_text)]
    for rule, params in _pay_checks(posting, text, today or date.today()):
        findings.append(_finding(rule, params))
    if likeness and not findings:
        findings.extend(_likeness_findings(text))
    return ScreeningResult(decision=decide(findings), findings=tuple(findings))
