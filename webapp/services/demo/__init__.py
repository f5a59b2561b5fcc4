"""The deterministic demo province (河南省: 郑州 and 洛阳) with three months of history.

`load_demo(seed)` fills an empty database with markets, staff, kiosks, HR agencies, employers,
gigs, workers, check-ins, applications, the staff-kept ledgers, complaints, credit events, a
sanction, consents and a few audit events. The same seed and `today` give the same names, titles
and counts; staff passwords and kiosk device tokens are random per load (they are real
credentials, shown once in the summary). Everything is planned in memory from one
`random.Random(seed)` held by a `Context`, then written in batches; the caller commits once.
Identity values exist only in memory and as ciphertext in the rows.

One module per area, run in this order: `markets` (markets, staff, kiosks), `employers`
(agencies, employers), `accounts` (their phone accounts and verification requests),
`workers`, `gigs` (with `postings` for their wording), `applications`,
`history` (check-ins, ledgers), `compliance` (complaints, credit, sanction); the phrase banks
are in `text`, the shared state in `context`, the result in `summary`.
"""

from __future__ import annotations

import time as monotonic_time
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models.base import utcnow
from webapp.services import audit

from . import accounts, applications, compliance, employers, gigs, history, markets, workers
from .applications import HELD_STATUSES
from .context import Context
from .summary import DemoAccount, DemoSummary, count_rows

__all__ = ["HELD_STATUSES", "DemoAccount", "DemoSummary", "load_demo"]


def load_demo(
    seed: int = 20241,
    progress: Callable[[str], None] = lambda s: None,
    today: date | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo province; flushes, never commits."""
    started = monotonic_time.monotonic()
    ctx = Context(seed, today or utcnow().date(), progress)
    progress("markets, staff and kiosks…")
    markets.build_markets(ctx)
    progress("HR agencies and employers…")
    employers.build_agencies(ctx)
    employers.build_employers(ctx)
    accounts.build_accounts(ctx)
    workers.build_workers(ctx)
    progress("gigs and applications…")
    gigs.plan_gigs(ctx)
    applications.plan_applications(ctx)
    gigs.write_gigs(ctx)
    applications.write_applications(ctx)
    progress("check-ins…")
    history.plan_checkins(ctx)
    history.write_checkins(ctx)
    workers.write_worker_details(ctx)
    progress("ledgers, complaints, credit and audit…")
    history.build_ledgers(ctx)
    compliance.build_compliance(ctx)
    db.session.flush()
    counts = count_rows()
    audit.record(
        "demo_load",
        actor_kind="system",
        actor_id=None,
        object_kind="database",
        detail={"seed": ctx.seed, "today": ctx.today.isoformat(), "counts": counts},
    )
    counts["audit_events"] = db.session.scalar(select(func.count()).select_from(AuditEvent))
    seconds = monotonic_time.monotonic() - started
    progress(f"done in {seconds:.1f} s")
    return DemoSummary(
        ctx.seed,
        ctx.today,
        ctx.accounts,
        counts,
        seconds,
        ctx.kiosks,
        phones=accounts.sign_in_examples(ctx),
    )
