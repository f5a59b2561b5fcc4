"""Worker sign-ups (报名) from the phone, with both sides' real-name status on the row (双实名).

The hire lifecycle itself (invite, accept, dispatch, arrival, completion, pay, cancellation) is
the state machine in webapp/services/hires.py; a sign-up and a withdrawal are two of its steps,
kept here under their old names. Every submit carries an idempotency key: a double tap gets the
first row back, never a second or a 500.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.models import Application, Employer, Gig, Sanction, Worker
from webapp.models.base import utcnow
from webapp.models.types import LIVE_STATUSES, ApplicationSource, ApplicationStatus
from webapp.services import gigs, verification

ADULT_AGE = 18  # 16-17 year olds may not take heavy or hazardous work (未成年工特殊保护规定)
LIVE = LIVE_STATUSES


class ApplicationError(ValueError):
    """A sign-up refused, with a message fit to show."""

    def __init__(self, code: str, message) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def age_on(birth: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_sanctioned(subject: Worker | Employer, now: datetime | None = None) -> bool:
    """Whether a live sanction (失信惩戒: not lifted, started, not expired) stands against them."""
    now = now or utcnow()
    column = Sanction.worker_id if isinstance(subject, Worker) else Sanction.employer_id
    return (
        db.session.scalar(
            select(Sanction.id)
            .where(
                column == subject.id,
                Sanction.lifted_at.is_(None),
                Sanction.starts_at <= now,
                or_(Sanction.expires_at.is_(None), Sanction.expires_at > now),
            )
            .limit(1)
        )
        is not None
    )


def check_people(worker: Worker, gig: Gig) -> None:
    """Refuse a hire the rules forbid whatever the gig's state: real names (双实名), sanctions and
    the legal age rule, with the reason in plain words."""
    if not verification.is_verified(worker) or not worker.is_active:
        raise ApplicationError(
            "worker_unverified",
            _l("Please finish real-name verification first (at a kiosk or on this phone)."),
        )
    if not verification.is_verified(gig.employer):
        raise ApplicationError(
            "employer_unverified", _l("This employer is not verified at present.")
        )
    if is_sanctioned(worker) or is_sanctioned(gig.employer):
        raise ApplicationError(
            "sanctioned", _l("This cannot be arranged at present. Please ask the station staff.")
        )
    start_day = gig.starts_at.astimezone(gigs.local_zone()).date()
    if gig.heavy_or_hazardous and age_on(worker.birth_date, start_day) < ADULT_AGE:
        raise ApplicationError(
            "minor_hazardous", _l("This work is not allowed for people under 18.")
        )


def check_eligible(worker: Worker, gig: Gig) -> None:
    """Refuse a sign-up the rules forbid, with the reason in plain words."""
    if not verification.is_verified(worker):
        raise ApplicationError(
            "worker_unverified",
            _l("Please finish real-name verification first (at a kiosk or on this phone)."),
        )
    if not gigs.is_taking_signups(gig):
        raise ApplicationError("gig_closed", _l("This gig is no longer taking sign-ups."))
    check_people(worker, gig)


def sign_up(
    worker: Worker,
    gig: Gig,
    *,
    idempotency_key: str | None,
    source: ApplicationSource = ApplicationSource.WORKER_SELF,
    actor_kind: str = "worker",
) -> tuple[Application, bool]:
    """Sign a worker up for a gig; returns (application, created). A repeat returns the first.

    A declined, withdrawn or cancelled sign-up is opened again on the same row; any other existing
    row (in progress, or done) is returned as it is.
    """
    from webapp.services import hires

    actor = hires.Actor(actor_kind, worker.id if actor_kind == "worker" else None)
    outcome = hires.apply(gig, worker, actor=actor, key=idempotency_key, source=source)
    return outcome.application, outcome.changed


def withdraw(application: Application, worker: Worker) -> None:
    """The worker withdraws a sign-up that is not yet accepted (an invitation: declines it)."""
    from webapp.services import hires

    if application.worker_id != worker.id:
        raise ApplicationError("not_yours", _l("This sign-up is not yours."))
    if application.status not in {ApplicationStatus.PROPOSED, ApplicationStatus.APPLIED}:
        raise ApplicationError(
            "not_withdrawable",
            _l("An accepted sign-up cannot be withdrawn here. Please call the employer or staff."),
        )
    actor = hires.Actor("worker", worker.id)
    if application.status == ApplicationStatus.PROPOSED:
        hires.decline(application, actor=actor, key=None)
    else:
        hires.withdraw(application, actor=actor, key=None)


def of_worker(worker: Worker) -> list[Application]:
    """A worker's sign-ups, newest first."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.worker_id == worker.id)
            .order_by(Application.id.desc())
        )
    )


def of_gig(gig: Gig) -> list[Application]:
    """A gig's sign-ups, oldest first (for its employer and staff)."""
    return list(
        db.session.scalars(
            select(Application).where(Application.gig_id == gig.id).order_by(Application.id)
        )
    )


def find_public(public_id: str) -> Application | None:
    """An application by its public id."""
    if not isinstance(public_id, str) or len(public_id) != 32:
        return None
    return db.session.scalar(select(Application).where(Application.public_id == public_id))
