"""JSON shapes of the API (the component schemas of webapp/api/openapi.py, built from rows).

What leaves here is masked on the server: contact and account phones as 138****5678, workers'
names as 张*, an individual employer's name as well. Free text written by an employer is masked
for the public too (an ID or mobile number typed into a description is not a way round the
masked contact). A worker's ID number, birth date, sex and face never appear at all; the phone
only to the employer of a gig the worker is taken on for (hires.phone_visible_to_employer), and
the gig's contact number only to a worker taken on for it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from webapp import refdata
from webapp.identity import mask_name, mask_phone
from webapp.identity.masking import mask_text
from webapp.models import Application, Employer, Gig, Market, PhoneAccount, Worker
from webapp.models.types import EmployerKind
from webapp.services import gigs, hires, identity, verification


def iso_datetime(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 with the market's UTC offset (2026-05-01T08:00:00+08:00)."""
    if moment is None:
        return None
    return moment.astimezone(gigs.local_zone()).isoformat(timespec="seconds")


def iso_date(day: date | None) -> str | None:
    """A date as YYYY-MM-DD."""
    return day.isoformat() if day else None


def decimal_text(value: Decimal | None, places: int) -> str | None:
    """A decimal as a string with fixed places ("200.00"), never a float."""
    if value is None:
        return None
    return f"{Decimal(value):.{places}f}"


def trade_name(code: str) -> str:
    """The trade's common name ("瓦工/砌墙工"), or the code if it is not in the reference list."""
    try:
        return refdata.trade(code).common_name
    except KeyError:
        return code


def market_json(market: Market) -> dict[str, Any]:
    """The public fields of a market."""
    return {
        "id": market.id,
        "name": market.name,
        "level": market.level.value,
        "parent_id": market.parent_id,
        "region_code": market.region_code,
        "address": market.address,
        "opening_hours": market.opening_hours,
        "hotline": market.hotline,
        "complaint_channel": market.complaint_channel,
        "capacity": market.capacity,
    }


def employer_display_name(employer: Employer) -> str:
    """An enterprise or agency by its registered name; an individual employer by a masked name."""
    if employer.kind == EmployerKind.INDIVIDUAL:
        return mask_name(employer.name)
    return employer.name


def gig_public(gig: Gig) -> dict[str, Any]:
    """A gig as anyone may see it (schema Gig): contact masked, free text masked."""
    return {
        "public_id": gig.public_id,
        "title": mask_text(gig.title),
        "trade_code": gig.trade_code,
        "trade_name": trade_name(gig.trade_code),
        "description": mask_text(gig.description or ""),
        "headcount": gig.headcount,
        "places_left": max(gig.headcount - (gig.accepted_count or 0), 0),
        "work_address": mask_text(gig.work_address),
        "area_code": gig.area_code,
        "starts_at": iso_datetime(gig.starts_at),
        "ends_at": iso_datetime(gig.ends_at),
        "daily_hours": decimal_text(gig.daily_hours, 1),
        "pay_amount": decimal_text(gig.pay_amount, 2),
        "pay_unit": gig.pay_unit.value,
        "settlement": gig.settlement.value,
        "provides": {
            "meals": bool(gig.provides_meals),
            "lodging": bool(gig.provides_lodging),
            "transport": bool(gig.provides_transport),
            "tools": bool(gig.provides_tools),
            "insurance": bool(gig.provides_insurance),
        },
        "skill_level_required": gig.skill_level_required or 0,
        "certificates_required": list(gig.certificates_required or []),
        "heavy_or_hazardous": bool(gig.heavy_or_hazardous),
        "valid_until": iso_date(gig.valid_until),
        "employer": {
            "name": employer_display_name(gig.employer),
            "kind": gig.employer.kind.value,
            "verified": verification.is_verified(gig.employer),
        },
        "contact": {
            "name": mask_name(gig.contact_name),
            "phone": mask_phone(identity.reveal(gig, "contact_phone")),
        },
        "status": gig.status.value,
        "market_id": gig.market_id,
    }


def _finding(record: dict[str, Any]) -> dict[str, str]:
    """One screening finding in the Finding schema (older rows may lack keys)."""
    return {
        "code": str(record.get("code", "")),
        "category": str(record.get("category", "")),
        "action": "block" if record.get("action") == "block" else "review",
        "message": str(record.get("message", "")),
    }


def gig_owner(gig: Gig) -> dict[str, Any]:
    """A gig as its employer sees it (schema GigOwner): its own text unmasked, plus the screening
    findings, the staff's note, the revision and the dates of each step."""
    data = gig_public(gig)
    data.update(
        title=gig.title,
        description=gig.description or "",
        work_address=gig.work_address,
        screening=[_finding(r) for r in gig.screening or [] if isinstance(r, dict)],
        screening_decision=gig.screening_decision,
        revision=gig.revision or 0,
        accepted_count=gig.accepted_count or 0,
        review_note=gig.review_note,
        published_at=iso_datetime(gig.published_at),
        closed_at=iso_datetime(gig.closed_at),
        created_at=iso_datetime(gig.created_at),
    )
    return data


def employer_summary(employer: Employer) -> dict[str, Any]:
    """The caller's own employer record: kind, name, verification as it stands today."""
    return {
        "public_id": employer.public_id,
        "kind": employer.kind.value,
        "name": employer.name,
        "verification_status": verification.effective_status(employer).value,
        "verification_note": employer.verification_note,
        "reverify_due_on": iso_date(employer.reverify_due_on),
    }


def worker_summary(worker: Worker) -> dict[str, Any]:
    """The caller's own worker record, name masked (the API never returns a full identity)."""
    return {
        "public_id": worker.public_id,
        "name": mask_name(worker.name),
        "verification_status": verification.effective_status(worker).value,
    }


def account_json(account: PhoneAccount) -> dict[str, Any]:
    """The signed-in account (schema Account): masked number, employer and worker summaries."""
    return {
        "public_id": account.public_id,
        "phone": mask_phone(identity.reveal(account, "phone")),
        "employer": employer_summary(account.employer) if account.employer else None,
        "worker": worker_summary(account.worker) if account.worker else None,
    }


def _lifecycle(application: Application, actor: hires.Actor) -> dict[str, Any]:
    """The steps of a hire so far, and what the caller may do next (schema LIFECYCLE)."""
    return {
        "source": application.source.value,
        "accepted_at": iso_datetime(application.accepted_at),
        "dispatched_at": iso_datetime(application.dispatched_at),
        "arrived_at": iso_datetime(application.arrived_at),
        "completed_at": iso_datetime(application.completed_at),
        "paid_confirmed_at": iso_datetime(application.paid_confirmed_at),
        "ended_at": iso_datetime(application.ended_at),
        "end_reason": mask_text(application.end_reason) if application.end_reason else None,
        "late_cancel": bool(application.late_cancel),
        "pay_due_at": iso_datetime(application.pay_due_at),
        "pay_alert_at": iso_datetime(application.pay_alert_at),
        "worker_rating": application.worker_rating,
        "employer_rating": application.employer_rating,
        "actions": hires.actions_for(application, actor),
    }


def application_for_employer(application: Application) -> dict[str, Any]:
    """A sign-up or hire as the gig's employer sees it (schema Application): masked name and
    trades; the phone only once the worker is taken on."""
    worker = application.worker
    gig = application.gig
    phone = identity.worker_phone(worker) if hires.phone_visible_to_employer(application) else None
    return {
        "public_id": application.public_id,
        "status": application.status.value,
        "applied_at": iso_datetime(application.applied_at),
        **_lifecycle(application, hires.Actor("employer", gig.employer_id)),
        "gig_id": gig.public_id,
        "worker": {
            "name": mask_name(worker.name),
            "phone": phone,
            "trades": [
                {
                    "trade_code": t.trade_code,
                    "trade_name": trade_name(t.trade_code),
                    "skill_level": t.skill_level or 0,
                }
                for t in sorted(worker.trades, key=lambda t: t.trade_code)
            ],
        },
    }


def application_for_worker(application: Application) -> dict[str, Any]:
    """A sign-up or hire as the worker sees it (schema WorkerApplication), with the gig; the
    gig's contact number once taken on."""
    gig = application.gig
    held = hires.phone_visible_to_employer(application)  # the same moment, both ways
    return {
        "public_id": application.public_id,
        "status": application.status.value,
        "applied_at": iso_datetime(application.applied_at),
        **_lifecycle(application, hires.Actor("worker", application.worker_id)),
        "contact_phone": identity.reveal(gig, "contact_phone") if held else None,
        "gig": gig_public(gig),
    }


def page(items: list[dict[str, Any]], number: int, per_page: int, total: int) -> dict[str, Any]:
    """One page of a list."""
    return {"items": items, "page": number, "per_page": per_page, "total": total}
