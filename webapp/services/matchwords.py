"""The matching engine's reasons and refusals in words.

The same words serve the worker (kiosk, phone), the employer (candidates) and staff (dispatch
board), so they name no one: 工种对口：木工, 日薪 ¥260，高于期望 ¥220, 距离约 3.2 公里 ...
Used by webapp/services/matchfeed.py, which re-exports `reason_text`; msgids are English.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from matching.records import Reason
from webapp import refdata
from webapp.models.types import PayUnit


def why_not_text(code: str) -> str:
    """One why-not code in words."""
    texts = {
        "no_open_slots": lambda: _("All places are taken"),
        "trade": lambda: _("Trade does not match"),
        "level": lambda: _("Needs a higher skill level"),
        "certificates": lambda: _("Needs a certificate that is not on record"),
        "overlap": lambda: _("Clashes with work already taken"),
        "weekday": lambda: _("Not on a day the worker can work"),
        "sanctioned": lambda: _("Sign-ups are on hold; the station can explain"),
        "age": lambda: _("The law sets an age limit for this work"),
        "started": lambda: _("Already started or ended"),
        "applied": lambda: _("Already signed up for this gig"),
        "worker_unavailable": lambda: _(
            "Real-name verification is not finished, or the account is inactive"
        ),
        "gig_unavailable": lambda: _("This gig is no longer taking sign-ups."),
    }
    text = texts.get(code)
    return text() if text else code


def _money(value: Any) -> str:
    """Yuan per day rounded to the yuan: 260, 204."""
    try:
        return f"{round(float(value)):,d}"
    except (TypeError, ValueError):
        return str(value)


def _trade_name(code: Any) -> str:
    try:
        name = refdata.trade(str(code)).common_name
    except KeyError:
        return str(code)
    return name.split("/")[0] if "（" not in name else name


def _level_name(level: Any) -> str:
    try:
        return refdata.skill_level(int(level)).short_name
    except (KeyError, TypeError, ValueError):
        return str(level)


def _number(value: Any, places: int = 1) -> str:
    try:
        number = round(float(value), places)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.{places}f}".rstrip("0").rstrip(".") if places else f"{number:.0f}"


def reason_text(reason: Reason, *, pay_unit: PayUnit | str | None = None) -> str:
    """One engine reason in the worker's words (工种对口：木工, 距离约 3.2 公里, ...)."""
    p = reason.params or {}
    code = reason.code
    piece = pay_unit is not None and PayUnit(pay_unit) == PayUnit.PIECE
    if code.startswith("pay") and piece:
        return _("Paid by the piece: ¥%(pay)s a piece", pay=_money(p.get("pay")))
    if code == "trade_exact":
        return _("Trade matches: %(trade)s", trade=_trade_name(p.get("trade")))
    if code == "trade_related":
        return _(
            "Related trade: %(gig_trade)s (has %(trade)s)",
            trade=_trade_name(p.get("trade")),
            gig_trade=_trade_name(p.get("gig_trade")),
        )
    if code == "level":
        return _("Skill level: %(level)s", level=_level_name(p.get("level")))
    if code == "certificates":
        names = p.get("names") or ()
        names = names if isinstance(names, str) else "、".join(sorted(str(n) for n in names))
        return _("Holds the certificate: %(names)s", names=names)
    if code == "pay_above_wish":
        return _(
            "Pay ¥%(pay)s a day, above the wish of ¥%(wish)s",
            pay=_money(p.get("pay")),
            wish=_money(p.get("wish")),
        )
    if code == "pay_near_wish":
        return _(
            "Pay ¥%(pay)s a day, close to the wish of ¥%(wish)s",
            pay=_money(p.get("pay")),
            wish=_money(p.get("wish")),
        )
    if code == "pay_below_wish":
        return _(
            "Pay ¥%(pay)s a day, below the wish of ¥%(wish)s",
            pay=_money(p.get("pay")),
            wish=_money(p.get("wish")),
        )
    if code == "pay":
        return _("Pay ¥%(pay)s a day", pay=_money(p.get("pay")))
    if code == "distance":
        km = p.get("km")
        if isinstance(km, int | float) and km < 1:
            return _("Less than 1 km away")
        return _("About %(km)s km away", km=_number(km))
    if code == "starts_in":
        hours = p.get("hours")
        if not isinstance(hours, int | float):
            return _("Starts soon")
        if hours < 1:
            return _("Starts within the hour")
        if hours < 1.5:
            return _("Starts in about an hour")
        if hours >= 48:
            return _("Starts in %(days)s days", days=_number(hours / 24, 0))
        return _("Starts in about %(hours)s hours", hours=_number(hours, 0))
    if code == "running":
        return _("Already under way: can still join")
    if code == "reliable":
        return _("Good record on earlier gigs")
    if code == "employer_standing":
        return _("Employer in good standing")
    if code == "waiting":
        minutes = p.get("minutes")
        if isinstance(minutes, int | float) and minutes < 1:
            return _("Just arrived at the station")
        return _("Waiting at the station for %(minutes)s minutes", minutes=_number(minutes, 0))
    if code == "gigs_today":
        count = p.get("count")
        if not count:
            return _("No gig yet today")
        return _("Gigs already taken today: %(count)s", count=count)
    if code == "on_site":
        return _("On site at the station")
    return code
