"""First-visit profile at the kiosk: trades picked from pictures, skill level, pay, availability."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from webapp import refdata
from webapp.extensions import db
from webapp.models import KioskVisit, Worker, WorkerTrade
from webapp.models.types import PayUnit

MAX_TRADES = 3
# Pictures for the trade icons (emoji render on the kiosk's Noto Color Emoji font); the label
# under each picture is the name postings use, so it reads the way workers speak.
ICONS = {
    "brick": "🧱",
    "mixer": "🏗️",
    "rebar": "🔩",
    "scaffold": "🪜",
    "saw": "🪚",
    "trowel": "🪣",
    "paint-roller": "🖌️",
    "waterproof": "💧",
    "plug": "🔌",
    "bolt": "⚡",
    "pipe": "🚰",
    "welding": "🔥",
    "shovel": "⛏️",
    "dolly": "📦",
    "sofa": "🛋️",
    "broom": "🧹",
    "house": "🏠",
    "baby": "👶",
    "elder": "🧓",
    "parcel": "📮",
    "sorting": "📬",
    "scooter": "🛵",
    "boxes": "🗃️",
    "truck": "🚚",
    "forklift": "🚜",
    "wok": "🍳",
    "dumpling": "🥟",
    "tray": "🍽️",
    "dish": "🧽",
    "gear": "⚙️",
    "needle": "🧵",
    "package": "🎁",
    "magnifier": "🔍",
    "wheat": "🌾",
    "apple": "🍎",
    "tree": "🌳",
    "shield": "🛡️",
    "scanner": "🛂",
    "shop": "🏪",
    "megaphone": "📣",
    "lotion": "💆",
    "scissors": "✂️",
    "wrench": "🔧",
    "car": "🚗",
}
PAY_LIMITS = {"day": (Decimal(50), Decimal(2000)), "hour": (Decimal(10), Decimal(300))}
AVAILABILITY = {
    "any": _l("Any day"),
    "weekdays": _l("Weekdays"),
    "weekends": _l("Weekends"),
}
HOURS = {"full": _l("All day"), "morning": _l("Mornings"), "afternoon": _l("Afternoons")}


def _first_name(names: str) -> str:
    """The first of 'A/B' names, not splitting inside brackets ('泥工（抹灰/贴砖）' stays whole)."""
    depth = 0
    for i, ch in enumerate(names):
        depth += ch in "（("
        depth -= ch in "）)"
        if ch == "/" and depth == 0:
            return names[:i]
    return names


def trade_options() -> list[dict]:
    """Every trade as a picture, a spoken-style label and its code, grouped as in refdata."""
    return [
        {"code": t.code, "label": _first_name(t.common_name), "icon": ICONS.get(t.icon, "🛠️")}
        for t in refdata.trades()
    ]


def choices(visit: KioskVisit, form=None) -> dict:
    """What the profile screen offers, with the person's earlier picks on a retry."""
    form = form or {}
    return {
        "trades": trade_options(),
        "picked": set(form.getlist("trade")) if hasattr(form, "getlist") else set(),
        # None first, then 初级 (5) up to 高级技师 (1).
        "skill_levels": sorted(refdata.skill_levels(), key=lambda s: (s.level != 0, -s.level)),
        "availability": AVAILABILITY,
        "hours": HOURS,
        "form": form,
    }


def save(visit: KioskVisit, form) -> dict[str, str]:
    """Validate and store the profile on the visit's worker; return errors by field."""
    errors: dict[str, str] = {}
    known = {t.code for t in refdata.trades()}
    codes = [c for c in dict.fromkeys(form.getlist("trade")) if c in known]
    if not codes:
        errors["trade"] = _l("Touch at least one picture of the work you do.")
    elif len(codes) > MAX_TRADES:
        errors["trade"] = _l("Choose at most three kinds of work.")
    try:
        level = int(form.get("skill", "0"))
        if level not in {s.level for s in refdata.skill_levels()}:
            raise ValueError
    except ValueError:
        errors["skill"] = _l("Choose a skill level, or 'none'.")
        level = 0
    unit = form.get("unit", "day")
    amount = None
    if form.get("pay"):
        try:
            amount = Decimal(form["pay"])
            low, high = PAY_LIMITS[unit]
            if not low <= amount <= high:
                errors["pay"] = _l(
                    "Please enter a pay between %(low)s and %(high)s yuan.", low=low, high=high
                )
        except (InvalidOperation, KeyError):
            errors["pay"] = _l("Please enter the pay in yuan, digits only.")
    days = form.get("days", "any")
    hours = form.get("hours", "full")
    if days not in AVAILABILITY or hours not in HOURS:
        errors["availability"] = _l("Choose when you can work.")
    if errors:
        return errors
    worker = db.session.get(Worker, visit.worker_id)
    existing = {t.trade_code: t for t in worker.trades}
    for code in codes:
        if code in existing:
            existing[code].skill_level = level
        else:
            worker.trades.append(WorkerTrade(trade_code=code, skill_level=level))
    worker.desired_pay_amount = amount
    worker.desired_pay_unit = PayUnit(unit) if amount is not None else None
    worker.availability = {"days": days, "hours": hours}
    return errors
