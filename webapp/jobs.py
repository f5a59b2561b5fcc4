"""The scheduler's job list, run by `gigmarket scheduler` as its own process.

APScheduler 3.x cannot share a job store between processes without running jobs twice, so
there is exactly one scheduler process per deployment, and every job is also safe to run twice
(the database's unique constraints are the last word).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from webapp.extensions import db
from webapp.models import Employer
from webapp.models.base import utcnow
from webapp.models.types import VerificationStatus

log = logging.getLogger(__name__)


def expire_employer_verifications() -> int:
    """Mark employers whose 6-monthly re-verification is overdue as expired."""
    today = utcnow().date()
    result = db.session.execute(
        update(Employer)
        .where(
            Employer.verification_status == VerificationStatus.VERIFIED,
            Employer.reverify_due_on < today,
        )
        .values(verification_status=VerificationStatus.EXPIRED)
    )
    return result.rowcount


def verify_audit_chain() -> str:
    """Check the audit log's hash chain and log loudly if a row was altered."""
    from webapp.services.audit import verify_chain

    report = verify_chain()
    if not report.ok:
        log.error("audit chain broken at event %s", report.broken_at)
        return f"broken at {report.broken_at}"
    return f"intact ({report.checked} events)"


def close_check_ins() -> int:
    """Close open check-ins of markets past their closing time."""
    from webapp.services.checkins import close_at_closing_time

    return close_at_closing_time()


def purge_kiosk_visits() -> int:
    """Wipe card data of kiosk visits that ended or timed out."""
    from kiosk.visits import purge_stale_visits

    return purge_stale_visits()


def expire_gigs() -> int:
    """Close open gigs whose validity or end has passed (they expire by themselves)."""
    from webapp.services.gigs import expire_due

    return expire_due()


def wage_alerts() -> int:
    """Raise the unpaid-wages alert (欠薪预警) on hires past their pay due time, once each."""
    from webapp.services.hires import raise_wage_alerts

    return raise_wage_alerts()


def purge_otp_challenges() -> int:
    """Delete one-time-code records older than two days (past every rate-limit window)."""
    from sqlalchemy import delete

    from webapp.models import OtpChallenge

    cutoff = utcnow() - timedelta(days=2)
    return db.session.execute(delete(OtpChallenge).where(OtpChallenge.created_at < cutoff)).rowcount


def prune_match_changes() -> int:
    """Delete matching change-log rows older than a day (lagging processes then rebuild)."""
    from webapp.services.matchlog import prune

    return prune()


@dataclass(frozen=True)
class Job:
    """A declarative job: a function and its cron trigger arguments."""

    func: Callable[[], object]
    trigger: dict


JOBS: dict[str, Job] = {
    "expire_employer_verifications": Job(expire_employer_verifications, {"hour": 1, "minute": 5}),
    "verify_audit_chain": Job(verify_audit_chain, {"hour": 2, "minute": 15}),
    "close_check_ins": Job(close_check_ins, {"minute": "*/15"}),
    "purge_kiosk_visits": Job(purge_kiosk_visits, {"minute": "*/5"}),
    "expire_gigs": Job(expire_gigs, {"minute": "*/10"}),
    "wage_alerts": Job(wage_alerts, {"minute": "*/15"}),
    "purge_otp_challenges": Job(purge_otp_challenges, {"hour": 3, "minute": 30}),
    "prune_match_changes": Job(prune_match_changes, {"hour": 3, "minute": 45}),
}


def job_names() -> list[str]:
    """The names of every scheduled job."""
    return sorted(JOBS)


def run_job(name: str) -> object:
    """Run one job in the current app context and commit its work once."""
    job = JOBS[name]
    try:
        result = job.func()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def run_scheduler() -> None:
    """Block running the jobs on their cron triggers in the station's time zone."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])

    def wrap(name: str) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                try:
                    log.info("job %s: %s", name, run_job(name))
                except Exception:
                    log.exception("job %s failed", name)

        return run

    for name, job in JOBS.items():
        scheduler.add_job(
            wrap(name),
            "cron",
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(timedelta(hours=1).total_seconds()),
            **job.trigger,
        )
    log.info("scheduler started with jobs: %s", ", ".join(job_names()))
    scheduler.start()
