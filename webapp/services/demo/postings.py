"""How a posting reads and what it offers: settlement, provisions, channel, work place, title
and description, drawn from the phrase banks."""

from __future__ import annotations

from webapp import refdata
from webapp.models.types import EmployerKind, GigChannel, PayUnit, Settlement

from . import text
from .context import Context, EmployerPlan, county_name


def settlement(ctx: Context, trade: refdata.Trade, duration: int, unit: PayUnit) -> Settlement:
    """How the pay is settled: daily for short work, weekly, on completion or monthly for long."""
    if duration == 1 or unit is PayUnit.HOUR and duration <= 3:
        return Settlement.DAILY
    if duration < 7:
        weights = (60, 0, 40, 0)
    else:
        weights = (35, 35, 20, 10) if duration >= 15 else (40, 35, 25, 0)
    return ctx.rng.choices(
        (Settlement.DAILY, Settlement.WEEKLY, Settlement.ON_COMPLETION, Settlement.MONTHLY),
        weights=weights,
        k=1,
    )[0]


def provides(ctx: Context, trade: refdata.Trade, duration: int) -> dict[str, bool]:
    """What the posting provides (meals, lodging, transport, tools, insurance), by trade group."""
    rng = ctx.rng
    group = trade.group
    meals = {
        "catering": 0.95,
        "construction_structure": 0.6,
        "labour": 0.5,
        "agriculture": 0.7,
        "manufacturing": 0.5,
    }.get(group, 0.3)
    tools = (
        0.6
        if group.startswith("construction")
        or group in ("cleaning", "agriculture", "labour", "pipe_metal")
        else 0.2
    )
    insurance = (
        0.7
        if group.startswith("construction") or group in ("labour", "pipe_metal", "electrical")
        else 0.35
    )
    return {
        "provides_meals": rng.random() < meals,
        "provides_lodging": duration >= 6 and rng.random() < 0.35,
        "provides_transport": group == "agriculture"
        and rng.random() < 0.6
        or group == "manufacturing"
        and rng.random() < 0.2,
        "provides_tools": rng.random() < tools,
        "provides_insurance": rng.random() < insurance,
    }


def channel(ctx: Context, employer: EmployerPlan) -> GigChannel:
    """How the posting reached the station, by kind of employer."""
    if employer.row.kind is EmployerKind.INDIVIDUAL:
        options, weights = (GigChannel.QR, GigChannel.WINDOW, GigChannel.PHONE), (50, 30, 20)
    elif employer.row.kind is EmployerKind.HR_AGENCY:
        options, weights = (GigChannel.QR, GigChannel.WINDOW), (70, 30)
    else:
        options = (GigChannel.QR, GigChannel.WINDOW, GigChannel.SPECIALIST, GigChannel.PHONE)
        weights = (45, 20, 20, 15)
    return ctx.rng.choices(options, weights=weights, k=1)[0]


def work_place(ctx: Context, trade, area: str, city: str, employer: EmployerPlan):
    """(street address, place) of the work: a site, warehouse, factory, farm or the employer."""
    rng = ctx.rng
    if employer.row.kind is EmployerKind.INDIVIDUAL:
        return employer.row.address, ""
    street = text.street_address(rng, area, county_name(area), city)
    group = trade.group
    if group.startswith("construction") or group in ("labour", "pipe_metal", "electrical"):
        place = rng.choice(text.ESTATES) + rng.choice(text.SITES)
    elif group in ("logistics", "driving"):
        place = rng.choice(("豫中", "中原", "河洛", "郑西", "洛南"))
        place += rng.choice(text.WAREHOUSES)
    elif group == "manufacturing":
        place = rng.choice(("高新", "经开", "伊滨", "二七", "西工"))
        place += rng.choice(text.FACTORIES)
    elif group == "agriculture" and trade.code != "4-09-10-01":
        place = rng.choice(text.VILLAGES) + "种植基地"
    elif group in ("cleaning", "security", "care"):
        place = rng.choice(text.ESTATES + text.OFFICES)
    else:
        place = employer.row.name if len(employer.row.name) < 16 else "门店"
    return street, place


def title(ctx: Context, trade, employer, headcount, area_name, pay_text, crop, start_day) -> str:
    """A title from the trade's templates (a household's own wording for individuals)."""
    rng = ctx.rng
    templates = text.GIG_TEXT.get(trade.code, ((f"招{trade.common_name}{{n}}名",), ("",)))[0]
    if employer.row.kind is EmployerKind.INDIVIDUAL and trade.code in text.INDIVIDUAL_TITLES:
        templates = text.INDIVIDUAL_TITLES[trade.code]
    return rng.choice(templates).format(
        n=headcount, area=area_name, pay=pay_text, crop=crop, peak=text.peak_label(start_day)
    )[:80]


def description(ctx: Context, trade, address, pay_text, provides, settlement, skill, crop) -> str:
    """Where, what, who may apply, what is offered and how it is paid, in a few sentences."""
    rng = ctx.rng
    works = text.GIG_TEXT.get(trade.code, ((), (f"{trade.common_name}相关工作",)))[1]
    work = rng.choice(works).format(crop=crop)
    sentences = [f"工作地点：{address}，{work}。"]
    if trade.certificate:
        sentences.append(f"需持有效{trade.certificate}，上岗前现场查验。")
    elif skill:
        level = refdata.skill_level(skill).name
        sentences.append(f"需持{level}及以上职业技能等级证书。")
    elif rng.random() < 0.7:
        sentences.append(rng.choice(text.GENERAL_REQUIREMENTS))
    offered = []
    if provides["provides_meals"]:
        offered.append(rng.choice(("包午餐", "管两顿饭", "包吃")))
    if provides["provides_lodging"]:
        offered.append("提供住宿")
    if provides["provides_transport"]:
        offered.append(rng.choice(("驿站门口统一接送", "提供班车")))
    if provides["provides_tools"]:
        offered.append(rng.choice(("提供工具", "劳保用品由单位发放")))
    if provides["provides_insurance"]:
        offered.append(rng.choice(("购买意外险", "缴纳职业伤害保障")))
    sentences.append(f"工价{pay_text}，" + ("、".join(offered) or "不提供食宿") + "。")
    sentences.append(rng.choice(text.SETTLEMENT_TEXT[settlement.value]))
    return "".join(sentences)
