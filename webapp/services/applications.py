"""Worker sign-ups (报名) from the phone, with both sides' real-name status on the row (双实名).

The later steps of the hire lifecycle (accept, dispatch, arrival, completion, pay) are the
lifecycle state machine's; this module makes the first row and lets the worker withdraw it. Every
submit carries an idempotency key: a double tap gets the first row back, never a second or a 500.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Application, ApplicationEvent, Gig, Worker
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


def check_eligible(worker: Worker, gig: Gig) -> None:
    """Refuse a sign-up the rules forbid, with the reason in plain words."""
    if not verification.is_verified(worker):
        raise ApplicationError(
            "worker_unverified",
            _l("Please finish real-name verification first (at a kiosk or on this phone)."),
        )
    if not gigs.is_taking_signups(gig):
        raise ApplicationError("gig_closed", _l("This gig is no longer taking sign-ups."))
    if not verification.is_verified(gig.employer):
        raise ApplicationError(
            "employer_unverified", _l("This employer is not verified at present.")
        )
    start_day = gig.starts_at.astimezone(gigs.local_zone()).date()
    if gig.heavy_or_hazardous and age_on(worker.birth_date, start_day) < ADULT_AGE:
        raise ApplicationError(
            "minor_hazardous", _l("This work is not allowed for people under 18.")
        )


def _existing(worker: Worker, gig: Gig, key: str | None) -> Application | None:
    if key:
        found = db.session.scalar(select(Application).where(Application.idempotency_key == key))
        if found is not None:
            if found.worker_id != worker.id or found.gig_id != gig.id:
                raise ApplicationError("key_reused", _l("Please reload the page and try again."))
            return found
    return db.session.scalar(
        select(Application).where(Application.gig_id == gig.id, Application.worker_id == worker.id)
    )


def sign_up(
    worker: Worker,
    gig: Gig,
    *,
    idempotency_key: str | None,
    source: ApplicationSource = ApplicationSource.WORKER_SELF,
    actor_kind: str = "worker",
) -> tuple[Application, bool]:
    """Sign a worker up for a gig; returns (application, created). A repeat returns the first."""
    key = (idempotency_key or "").strip()[:64] or None
    existing = _existing(worker, gig, key)
    if existing is not None and existing.status in LIVE:
        return existing, False
    check_eligible(worker, gig)
    now = utcnow()
    if existing is not None:  # withdrawn or declined before: sign up again on the same row
        application = existing
        previous = application.status.value
        application.status, application.applied_at, application.ended_at = (
            ApplicationStatus.APPLIED,
            now,
            None,
        )
    else:
        previous = None
        application = Application(
            gig_id=gig.id,
            worker_id=worker.id,
            source=source,
            status=ApplicationStatus.APPLIED,
            idempotency_key=key,
            applied_at=now,
        )
    application.agreed_pay_amount, application.agreed_pay_unit = gig.pay_amount, gig.pay_unit
    application.worker_verification = verification.snapshot(worker)
    application.employer_verification = verification.snapshot(gig.employer)
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        # A parallel double tap got there first: return its row.
        found = _existing(worker, gig, key)
        if found is None:
            raise
        return found, False
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_status=previous,
            to_status=ApplicationStatus.APPLIED.value,
            actor_kind=actor_kind,
            actor_id=worker.id,
        )
    )
    return application, True


def withdraw(application: Application, worker: Worker) -> None:
    """The worker withdraws a sign-up that is not yet accepted."""
    if application.worker_id != worker.id:
        raise ApplicationError("not_yours", _l("This sign-up is not yours."))
    if application.status not in {ApplicationStatus.PROPOSED, ApplicationStatus.APPLIED}:
        raise ApplicationError(
            "not_withdrawable",
            _l("An accepted sign-up cannot be withdrawn here. Please call the employer or staff."),
        )
    previous = application.status.value
    application.status, application.ended_at = ApplicationStatus.WITHDRAWN, utcnow()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_status=previous,
            to_status=ApplicationStatus.WITHDRAWN.value,
            actor_kind="worker",
            actor_id=worker.id,
        )
    )


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
