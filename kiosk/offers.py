"""The gigs a checked-in worker is offered at the kiosk, as cards, and the slip of a sign-up.

Cards come from the matching feed (webapp/services/matchfeed.py): this kiosk's station and its
sister stations, best first, with the reasons about the gig in words (the ones about the worker,
such as minutes waited, are for staff). The slip is a dispatch slip (派工单) when the worker is
taken on, with the gig's contact phone, and a receipt (报名回执) while the employer decides.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.identity import readable_mobile
from webapp.models import Application, Gig, Kiosk, Market, Worker
from webapp.models.base import utcnow
from webapp.models.types import ApplicationStatus
from webapp.services import gigs, hires, matchfeed, qr
from webapp.templating import yuan
from webapp.views.mobile.worker import (
    PAY_UNITS,
    SETTLEMENTS,
    district_name,
    employer_display_name,
)

BEST_GIGS = 6  # gig cards after check-in: a screenful or two, not a catalogue
CARD_REASONS = 4  # reasons in words on each card
# Reasons about the worker rather than the gig (staff see them; a worker's own card does not).
ABOUT_THE_WORKER = {"on_site", "waiting", "gigs_today"}
# Statuses in which the worker is taken on: the slip is a dispatch slip (派工单) then.
TAKEN_ON = {ApplicationStatus.ACCEPTED, ApplicationStatus.DISPATCHED, ApplicationStatus.ARRIVED}


def _nearby_markets(market: Market) -> list[int]:
    """This station and its sister stations (the same parent market)."""
    ids = {market.id}
    if market.parent_id is not None:
        ids.update(
            db.session.scalars(
                select(Market.id).where(Market.parent_id == market.parent_id, Market.is_active)
            )
        )
    return sorted(ids)


def cards(kiosk: Kiosk, worker: Worker) -> list[dict]:
    """Cards for the worker's best gigs here and nearby ([] sends them to the staff window)."""
    try:
        ranked = matchfeed.gigs_for_worker(
            worker, k=BEST_GIGS, market_ids=_nearby_markets(kiosk.market)
        )
    except Exception:  # a kiosk never shows a 500: the staff window takes over instead
        current_app.logger.exception("matching failed at kiosk %s", kiosk.id)
        db.session.rollback()
        return []
    return [_gig_card(r.gig, _about_the_gig(r)) for r in ranked]


def _about_the_gig(ranked: matchfeed.RankedGig) -> list[str]:
    """The first few reasons in words that are about the gig (not minutes waited and such)."""
    pairs = zip(ranked.codes, ranked.reasons, strict=True)
    return [text for code, text in pairs if code.code not in ABOUT_THE_WORKER][:CARD_REASONS]


def _when(moment) -> str:
    """A start time as people say it: today 14:00, tomorrow 07:30, or 05-03 07:30."""
    day = moment.astimezone(gigs.local_zone()).date()
    today = gigs.local_today()
    clock = format_datetime(moment, "HH:mm")
    if day == today:
        return _("Today %(time)s", time=clock)
    if day == today + timedelta(days=1):
        return _("Tomorrow %(time)s", time=clock)
    return format_datetime(moment, "MM-dd HH:mm")


def _pay(gig: Gig, amount=None) -> str:
    """¥260 / day · paid every day."""
    unit = PAY_UNITS.get(gig.pay_unit, gig.pay_unit.value)
    settlement = SETTLEMENTS.get(gig.settlement, gig.settlement.value)
    return f"{yuan(amount or gig.pay_amount)} / {unit} · {settlement}"


def _place(gig: Gig) -> str:
    """The work address, with its district."""
    district = district_name(gig.area_code)
    return f"{gig.work_address}（{district}）" if district else gig.work_address


def _gig_card(gig: Gig, reasons: list[str]) -> dict:
    """What one gig card shows, and the same read aloud; a fresh key makes a double tap one."""
    card = {
        "gig": gig,
        "employer": employer_display_name(gig.employer),
        "pay": _pay(gig),
        "place": _place(gig),
        "start": _when(gig.starts_at),
        "left": max(gig.headcount - gig.accepted_count, 0),
        "reasons": reasons,
        "key": secrets.token_urlsafe(18),
    }
    card["say"] = "。".join(
        [
            gig.title,
            card["employer"],
            card["pay"],
            card["place"],
            _("Starts %(when)s", when=card["start"]),
            _("%(count)s places left", count=card["left"]),
            *reasons,
        ]
    )
    return card


def slip(application: Application) -> dict:
    """What the sign-up confirmation and its printed slip show (the contact only if taken on)."""
    gig, worker = application.gig, application.worker
    taken_on = application.status in TAKEN_ON
    payload = qr.worker_payload(worker.public_id, worker.qr_version)
    phone = hires.employer_phone(gig) if taken_on else None
    return {
        "application": application,
        "gig": gig,
        "worker": worker,
        "taken_on": taken_on,
        "employer": employer_display_name(gig.employer),
        "pay": _pay(gig, application.agreed_pay_amount),
        "place": _place(gig),
        "contact_phone": readable_mobile(phone) if taken_on and phone else None,
        "printed_at": utcnow(),
        "qr_svg": qr.svg(payload, box_size=6),
    }
