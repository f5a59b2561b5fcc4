"""The hire lifecycle (对接流程) as one state machine: invite or sign-up, accept, dispatch, arrival,
completion, pay confirmed; or declined, withdrawn, cancelled, no-show. Ratings, credit events with
their appeals, and the unpaid-wages alert (欠薪预警) hang off it.

Every step goes through `_transition` (or `_open` for a new row), which checks TRANSITIONS, checks
that the actor owns the record, moves the status with a conditional UPDATE, writes an
ApplicationEvent (actor, from, to, note, idempotency key), stamps the step's time and queues a
text message to the other side, sent only once the caller commits.

Concurrency. A place is taken with one conditional UPDATE on the gig
(`accepted_count < headcount AND status = 'open'`) and a status change is conditional on the
status it starts from, so two requests can never both count; the database's CHECK
(accepted_count <= headcount) is the last word. A repeated idempotency key is answered with the
first result: the key is unique on ApplicationEvent, and a racing duplicate loses inside a
SAVEPOINT and returns the winner. Locks are always taken worker row, then application, then gig.

Staff scoping: an Actor may carry `market_ids`; when it does, the gig's market must be among them.
Views that already scope staff (webapp/services/scoping.py) may leave it None.

Rules chosen:
- a cancellation within LATE_CANCEL_HOURS of the start is late: the row's `late_cancel` is set,
  and the side that cancelled (worker or employer, not staff) gets a credit event;
- a no-show can be reported from NO_SHOW_GRACE after the start;
- pay is due (`pay_due_at`) from the completion: 日结 at the end of that local day, 周结 7 days,
  完工结 24 hours, 月结 31 days later; the `wage_alerts` job raises the alert once after that.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import format_datetime as babel_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.identity import mask_name, mask_text
from webapp.models import (
    Application,
    ApplicationEvent,
    CreditEvent,
    Employer,
    Gig,
    PhoneAccount,
    Worker,
)
from webapp.models.base import utcnow
from webapp.models.types import (
    HELD_STATUSES,
    ApplicationSource,
    ApplicationStatus,
    EmployerKind,
    GigStatus,
    Settlement,
    SubjectKind,
)
from webapp.services import applications, audit, gigs, identity, qr, sms, verification
from webapp.services.applications import ApplicationError

log = logging.getLogger(__name__)
S = ApplicationStatus

LATE_CANCEL_HOURS = 12
LATE_CANCEL = timedelta(hours=LATE_CANCEL_HOURS)
NO_SHOW_GRACE = timedelta(minutes=30)
PAY_TERMS = {  # settlement -> time from completion to pay due (daily: end of the local day)
    Settlement.WEEKLY: timedelta(days=7),
    Settlement.ON_COMPLETION: timedelta(hours=24),
    Settlement.MONTHLY: timedelta(days=31),
}
# Credit points (negative: against the subject). Employers carry a score; workers carry counts.
NO_SHOW_POINTS = -10
LATE_CANCEL_POINTS = -5
WAGE_ARREARS_POINTS = -20
APPEALABLE = {"no_show", "late_cancel", "wage_arrears"}
SMS_LOCALE = "zh_CN"  # texts go out in Chinese whatever language the requester reads

ACTOR_KINDS = ("worker", "employer", "staff", "kiosk", "system")
# The action names of actions_for (buttons), in display order.
ACTIONS = (
    "accept",
    "decline",
    "dispatch",
    "arrive",
    "complete",
    "confirm_paid",
    "cancel",
    "no_show",
    "rate",
    "withdraw",
)
OPENING = ("invite", "apply")  # make a row, or open a closed one again
REOPENABLE = (S.DECLINED, S.WITHDRAWN, S.CANCELLED)
RATEABLE = frozenset({S.COMPLETED, S.PAID_CONFIRMED})
RATERS = frozenset({"worker", "employer"})


@dataclass(frozen=True)
class Rule:
    """Where an action leads from one status, and who may take it."""

    to: ApplicationStatus
    actors: frozenset[str]


def _rule(to: ApplicationStatus, *actors: str) -> Rule:
    return Rule(to, frozenset(actors))


# (from_status, action) -> Rule. None as from_status: no row yet. The one table of the lifecycle.
TRANSITIONS: dict[tuple[ApplicationStatus | None, str], Rule] = {
    **{(s, "invite"): _rule(S.PROPOSED, "employer", "staff") for s in (None, *REOPENABLE)},
    **{(s, "apply"): _rule(S.APPLIED, "worker", "kiosk", "staff") for s in (None, *REOPENABLE)},
    # kiosk: the invited walk-in says yes at the kiosk; on an applied row only for 即时快招 gigs
    (S.PROPOSED, "accept"): _rule(S.ACCEPTED, "worker", "kiosk", "staff"),
    (S.APPLIED, "accept"): _rule(S.ACCEPTED, "employer", "staff", "kiosk"),
    (S.PROPOSED, "decline"): _rule(S.DECLINED, "worker", "kiosk", "staff"),
    (S.APPLIED, "decline"): _rule(S.DECLINED, "employer", "staff"),
    (S.PROPOSED, "withdraw"): _rule(S.WITHDRAWN, "employer", "staff"),  # the invitation
    (S.APPLIED, "withdraw"): _rule(S.WITHDRAWN, "worker", "kiosk", "staff"),  # the sign-up
    (S.ACCEPTED, "dispatch"): _rule(S.DISPATCHED, "staff", "kiosk", "employer"),
    (S.ACCEPTED, "arrive"): _rule(S.ARRIVED, "employer", "staff", "worker"),
    (S.DISPATCHED, "arrive"): _rule(S.ARRIVED, "employer", "staff", "worker"),
    (S.ARRIVED, "complete"): _rule(S.COMPLETED, "employer", "staff", "worker"),
    (S.COMPLETED, "confirm_paid"): _rule(S.PAID_CONFIRMED, "worker", "staff"),
    (S.ACCEPTED, "cancel"): _rule(S.CANCELLED, "worker", "employer", "staff"),
    (S.DISPATCHED, "cancel"): _rule(S.CANCELLED, "worker", "employer", "staff"),
    (S.ACCEPTED, "no_show"): _rule(S.NO_SHOW, "employer", "staff"),
    (S.DISPATCHED, "no_show"): _rule(S.NO_SHOW, "employer", "staff"),
}
# Who may take an action from some status, and where it can lead (for "already there").
ACTORS_OF: dict[str, frozenset[str]] = {
    action: frozenset().union(*(r.actors for (_, a), r in TRANSITIONS.items() if a == action))
    for action in (*ACTIONS, *OPENING)
    if action != "rate"
} | {"rate": RATERS}
TARGETS: dict[str, frozenset[ApplicationStatus]] = {
    action: frozenset(r.to for (_, a), r in TRANSITIONS.items() if a == action)
    for action in ACTORS_OF
}
STAMPS = {
    S.APPLIED: "applied_at",
    S.ACCEPTED: "accepted_at",
    S.DISPATCHED: "dispatched_at",
    S.ARRIVED: "arrived_at",
    S.COMPLETED: "completed_at",
    S.PAID_CONFIRMED: "paid_confirmed_at",
    S.DECLINED: "ended_at",
    S.WITHDRAWN: "ended_at",
    S.CANCELLED: "ended_at",
    S.NO_SHOW: "ended_at",
}
# What a row opened again forgets of its earlier round (the events keep the history).
_FRESH = {
    "accepted_at": None,
    "dispatched_at": None,
    "arrived_at": None,
    "completed_at": None,
    "paid_confirmed_at": None,
    "ended_at": None,
    "end_reason": None,
    "late_cancel": False,
    "pay_due_at": None,
    "pay_alert_at": None,
}

MESSAGES = {
    "illegal_transition": _l("This step is not possible now. Please reload and check the status."),
    "not_allowed": _l("You cannot take this step on this hire."),
    "not_yours": _l("This hire is not yours."),
    "full": _l("All places on this gig are taken."),
    "gig_closed": _l("This gig is no longer taking people on."),
    "overlap": _l("This worker is already taken on for another gig at the same time."),
    "key_reused": _l("Please reload the page and try again."),
    "too_early": _l("A no-show can be reported 30 minutes after the start at the earliest."),
    "reason_missing": _l("Please give a short reason."),
    "stars_invalid": _l("Please give 1 to 5 stars."),
    "already_rated": _l("You have already rated this hire."),
    "qr_invalid": _l("This code is not a valid personal code. Please check the ID instead."),
    "qr_outdated": _l("This slip has been replaced by a newer one. Please ask for the new code."),
    "not_on_gig": _l("This worker is not taken on for this gig."),
    "not_appealable": _l("This record cannot be appealed."),
    "appeal_decided": _l("This appeal has already been decided."),
    "not_pending": _l("There is no open appeal on this record."),
    "note_missing": _l("Please say briefly why."),
}
STATUS_OF = {  # HTTP status of each refusal: 403 not for this actor, 409 state, 422 input
    "not_allowed": 403,
    "not_yours": 403,
    "worker_unverified": 403,
    "employer_unverified": 403,
    "sanctioned": 403,
    "minor_hazardous": 403,
    "key_reused": 422,
    "reason_missing": 422,
    "stars_invalid": 422,
    "qr_invalid": 422,
    "qr_outdated": 422,
    "note_missing": 422,
}
FIELD_OF = {  # the input at fault, for 422s
    "key_reused": "Idempotency-Key",
    "reason_missing": "reason",
    "stars_invalid": "stars",
    "qr_invalid": "payload",
    "qr_outdated": "payload",
    "note_missing": "note",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a worker, an employer, a staff member, a kiosk or the system, by row id.

    `market_ids`, when given (staff, kiosks), limits the actor to gigs of those markets.
    """

    kind: str
    id: int | None
    market_ids: frozenset[int] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"unknown actor kind {self.kind!r}")


SYSTEM = Actor("system", None)


class HireError(ApplicationError):
    """A refused step: a stable `code`, a plain `message`, the `http_status` and the `field`."""

    def __init__(
        self,
        code: str,
        message: Any = None,
        http_status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(code, message if message is not None else MESSAGES[code])
        self.http_status = http_status or STATUS_OF.get(code, 409)
        self.field = field or FIELD_OF.get(code)


@dataclass
class Outcome:
    """What a step did: the application as it now stands, and whether this call changed it."""

    application: Application
    changed: bool


class _Stale(Exception):
    """The row moved under us (its status is no longer the one the step starts from)."""


# -- transactions and text messages ---------------------------------------------------------------


def begin_write() -> None:
    """Open the write transaction now. On SQLite: BEGIN IMMEDIATE, so writers queue on the busy
    timeout instead of failing on a stale snapshot, and SAVEPOINTs nest inside a real transaction
    (pysqlite otherwise lets the first SAVEPOINT begin, and its RELEASE commit, the transaction)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _outbox() -> list[tuple[str, str]]:
    """This session's queue of texts, sent by `_send_outbox` once the session commits."""
    session = db.session()
    box = session.info.get("hires_outbox")
    if box is None:
        box = session.info["hires_outbox"] = []
        event.listen(session, "after_commit", _send_outbox)
        event.listen(session, "after_transaction_end", _drop_outbox)
    return box


def _send_outbox(session) -> None:
    """Send the queued texts (after the commit: a rolled-back step texts nobody)."""
    box = session.info.get("hires_outbox") or []
    while box:
        phone, text = box.pop(0)
        try:
            sms.send(phone, text)
        except Exception:  # a gateway failure must not undo or fail a committed step
            log.warning("hire notification not sent", exc_info=True)


def _drop_outbox(session, transaction) -> None:
    """A whole transaction ended without a commit: forget its texts."""
    if transaction.parent is None and not transaction.nested:
        box = session.info.get("hires_outbox")
        if box:
            box.clear()


def _text(phone: str | None, message) -> None:
    """Queue one text (skipped silently when there is no number)."""
    if phone:
        _outbox().append((phone, message))


def employer_phone(gig: Gig) -> str | None:
    """Where to text the employer about a gig: its contact, the employer's contact, or the first
    phone account acting for the employer."""
    phone = identity.reveal(gig, "contact_phone") or identity.reveal(gig.employer, "contact_phone")
    if phone:
        return phone
    account = db.session.scalar(
        select(PhoneAccount)
        .where(PhoneAccount.employer_id == gig.employer_id, PhoneAccount.is_active.is_(True))
        .order_by(PhoneAccount.id)
        .limit(1)
    )
    return identity.reveal(account, "phone") if account is not None else None


def _when(moment: datetime | None) -> str:
    return babel_datetime(moment, "short") if moment else ""


def _facts(application: Application) -> dict[str, str]:
    gig = application.gig
    return {
        "title": mask_text(gig.title),
        "start": _when(gig.starts_at),
        "address": mask_text(gig.work_address),
        "worker": mask_name(application.worker.name),
        "employer": (
            mask_name(gig.employer.name)
            if gig.employer.kind == EmployerKind.INDIVIDUAL
            else mask_text(gig.employer.name)
        ),
        "due": _when(application.pay_due_at),
    }


def _messages(to: ApplicationStatus, origin: ApplicationStatus | None, f: dict) -> dict[str, str]:
    """The texts of a step for each side ("worker", "employer"), in the SMS language."""
    if to == S.PROPOSED:
        return {
            "worker": _(
                '%(employer)s invites you to "%(title)s" (%(start)s). Accept on your phone or '
                "at the station.",
                **f,
            )
        }
    if to == S.ACCEPTED:
        return {
            "worker": _(
                'You are taken on for "%(title)s": %(start)s at %(address)s.',
                **f,
            ),
            "employer": _('%(worker)s is taken on for "%(title)s".', **f),
        }
    if to == S.DISPATCHED:
        return {
            "worker": _(
                'Dispatched to "%(title)s": %(start)s at %(address)s. Show your slip or '
                "personal code on arrival.",
                **f,
            ),
            "employer": _('%(worker)s is on the way to "%(title)s".', **f),
        }
    if to == S.ARRIVED:
        return {
            "worker": _('Your arrival at "%(title)s" is recorded.', **f),
            "employer": _('%(worker)s has arrived for "%(title)s".', **f),
        }
    if to == S.COMPLETED:
        return {
            "worker": _(
                '"%(title)s" is recorded as completed. Pay is due by %(due)s; please confirm '
                "when you have it.",
                **f,
            ),
            "employer": _(
                '%(worker)s\'s work on "%(title)s" is recorded as completed. Please pay by '
                "%(due)s.",
                **f,
            ),
        }
    if to == S.PAID_CONFIRMED:
        return {"employer": _('%(worker)s confirmed receiving the pay for "%(title)s".', **f)}
    if to == S.DECLINED:
        if origin == S.PROPOSED:
            return {"employer": _('%(worker)s declined the invitation to "%(title)s".', **f)}
        return {"worker": _('Your sign-up for "%(title)s" was not taken up this time.', **f)}
    if to == S.WITHDRAWN and origin == S.PROPOSED:
        return {"worker": _('The invitation to "%(title)s" was withdrawn.', **f)}
    if to == S.CANCELLED:
        return {
            "worker": _('Your place on "%(title)s" (%(start)s) was cancelled.', **f),
            "employer": _('%(worker)s cancelled for "%(title)s" (%(start)s).', **f),
        }
    if to == S.NO_SHOW:
        return {
            "worker": _(
                'You were recorded as not showing up for "%(title)s". If this is wrong, you '
                "may appeal at the station.",
                **f,
            )
        }
    return {}


def _notify(
    application: Application, to: ApplicationStatus, origin: ApplicationStatus | None, actor: Actor
) -> None:
    """Text the step to each side that did not take it."""
    with force_locale(SMS_LOCALE):
        texts = _messages(to, origin, _facts(application))
    if "worker" in texts and actor.kind != "worker":
        _text(identity.worker_phone(application.worker), texts["worker"])
    if "employer" in texts and actor.kind != "employer":
        _text(employer_phone(application.gig), texts["employer"])


# -- checks ---------------------------------------------------------------------------------------


def _clean_key(key: str | None) -> str | None:
    return (key or "").strip()[:64] or None


def _derived(key: str | None, step: str) -> str | None:
    """The key of a later step of one submit (staff dispatch: apply, accept, dispatch)."""
    if key is None:
        return None
    return "~" + hashlib.sha256(f"{key}\x00{step}".encode()).hexdigest()[:40]


def _in_scope(gig: Gig, actor: Actor) -> bool:
    return actor.market_ids is None or gig.market_id in actor.market_ids


def _acts_for_gig(gig: Gig, actor: Actor) -> bool:
    """Whether the actor speaks for the gig's side: its employer, staff or a kiosk in scope."""
    if actor.kind == "employer":
        return actor.id is not None and actor.id == gig.employer_id
    return actor.kind in ("staff", "kiosk") and _in_scope(gig, actor)


def _owns(application: Application, actor: Actor) -> bool:
    """Whether the actor may act on this hire at all (the table says which steps)."""
    return _owns_pair(application.gig, application.worker_id, actor)


def _owns_pair(gig: Gig, worker_id: int, actor: Actor) -> bool:
    if actor.kind == "worker":
        return actor.id is not None and actor.id == worker_id
    if actor.kind == "employer":
        return actor.id is not None and actor.id == gig.employer_id
    if actor.kind in ("staff", "kiosk"):
        return _in_scope(gig, actor)
    return True  # the system


def _rule_for(status: ApplicationStatus | None, action: str, actor: Actor) -> Rule | None:
    """The rule of this step, None if the row is already where the step leads, or HireError."""
    if actor.kind not in ACTORS_OF.get(action, ()):
        raise HireError("not_allowed")
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        if status in TARGETS[action]:
            return None
        raise HireError("illegal_transition")
    if actor.kind not in rule.actors:
        raise HireError("not_allowed")
    return rule


def _eligibility(worker: Worker, gig: Gig) -> None:
    """applications' people rules, as HireErrors."""
    try:
        applications.check_people(worker, gig)
    except HireError:
        raise
    except ApplicationError as exc:
        raise HireError(exc.code, exc.message) from None


def _signup_rules(worker: Worker, gig: Gig) -> None:
    """applications' sign-up rules (people and the gig taking sign-ups), as HireErrors."""
    try:
        applications.check_eligible(worker, gig)
    except HireError:
        raise
    except ApplicationError as exc:
        if exc.code == "gig_closed" and gig.status == GigStatus.FILLED:
            raise HireError("full") from None
        raise HireError(exc.code, exc.message) from None


def _guards(
    application: Application, action: str, actor: Actor, note: str | None, now: datetime
) -> None:
    """The step's conditions that no race can change (time, reasons, the people rules)."""
    gig = application.gig
    if action == "accept":
        if application.status == S.APPLIED and actor.kind == "kiosk" and not gig.auto_accept:
            raise HireError("not_allowed")
        if gig.ends_at <= now:
            raise HireError("gig_closed")
        _eligibility(application.worker, gig)
    elif action == "cancel" and not note:
        raise HireError("reason_missing")
    elif action == "no_show" and now < gig.starts_at + NO_SHOW_GRACE:
        raise HireError("too_early")
    elif action in OPENING:
        _signup_rules(application.worker, gig)


def _lock_worker(worker_id: int) -> None:
    """Serialise a worker's steps (PostgreSQL row lock; SQLite's write lock already does)."""
    db.session.execute(select(Worker.id).where(Worker.id == worker_id).with_for_update())


def _overlap(application: Application, gig: Gig) -> bool:
    """Whether the worker holds another gig (taken on, not yet completed) at overlapping times."""
    found = db.session.scalar(
        select(Application.id)
        .join(Gig, Gig.id == Application.gig_id)
        .where(
            Application.worker_id == application.worker_id,
            Application.id != application.id,
            Application.status.in_([S.ACCEPTED, S.DISPATCHED, S.ARRIVED]),
            Gig.starts_at < gig.ends_at,
            Gig.ends_at > gig.starts_at,
        )
        .limit(1)
    )
    return found is not None


# -- places on the gig ----------------------------------------------------------------------------


def _take_place(gig: Gig) -> None:
    """One conditional UPDATE takes a place; the last one fills the gig (with a revision)."""
    taken = db.session.execute(
        update(Gig)
        .where(Gig.id == gig.id, Gig.accepted_count < Gig.headcount, Gig.status == GigStatus.OPEN)
        .values(accepted_count=Gig.accepted_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        db.session.refresh(gig)
        raise HireError(
            "full" if gig.status in (GigStatus.OPEN, GigStatus.FILLED) else "gig_closed"
        )
    filled = db.session.execute(
        update(Gig)
        .where(Gig.id == gig.id, Gig.status == GigStatus.OPEN, Gig.accepted_count >= Gig.headcount)
        .values(status=GigStatus.FILLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(gig)
    if filled:
        gigs._revise(gig, "system", None, "filled: every place taken")


def _release_place(gig: Gig, now: datetime) -> None:
    """Give a place back; a filled gig that has not started and is still valid opens again."""
    db.session.execute(
        update(Gig)
        .where(Gig.id == gig.id, Gig.accepted_count > 0)
        .values(accepted_count=Gig.accepted_count - 1)
        .execution_options(synchronize_session=False)
    )
    today = now.astimezone(gigs.local_zone()).date()
    reopened = db.session.execute(
        update(Gig)
        .where(
            Gig.id == gig.id,
            Gig.status == GigStatus.FILLED,
            Gig.accepted_count < Gig.headcount,
            Gig.starts_at > now,
            Gig.valid_until >= today,
        )
        .values(status=GigStatus.OPEN)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(gig)
    if reopened:
        gigs._revise(gig, "system", None, "reopened: a place came free")


def _bump(model, row_id: int, **deltas: int) -> None:
    """Add to counters atomically (never below zero) and expire the loaded copies."""
    values = {name: getattr(model, name) + delta for name, delta in deltas.items()}
    query = update(model).where(model.id == row_id)
    for name, delta in deltas.items():
        if delta < 0:
            query = query.where(getattr(model, name) + delta >= 0)
    db.session.execute(query.values(**values).execution_options(synchronize_session=False))
    row = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if row is not None:
        db.session.expire(row, list(deltas))


def _credit(
    application: Application, subject: SubjectKind, kind: str, points: int, note: str | None
) -> CreditEvent:
    """A credit event against the worker or the employer of a hire (an employer's score moves)."""
    credit = CreditEvent(
        subject_kind=subject,
        worker_id=application.worker_id if subject == SubjectKind.WORKER else None,
        employer_id=application.gig.employer_id if subject == SubjectKind.EMPLOYER else None,
        kind=kind,
        points=points,
        application_id=application.id,
        note=note,
    )
    db.session.add(credit)
    if subject == SubjectKind.EMPLOYER:
        _bump(Employer, application.gig.employer_id, credit_score=points)
    return credit


# -- due dates ------------------------------------------------------------------------------------


def pay_due(settlement: Settlement, completed_at: datetime) -> datetime:
    """When pay falls due after completion: 日结 the end of that local day, else PAY_TERMS."""
    if settlement == Settlement.DAILY:
        zone = gigs.local_zone()
        day = completed_at.astimezone(zone).date()
        return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
    return completed_at + PAY_TERMS[settlement]


# -- the state machine ----------------------------------------------------------------------------


def _event_with_key(key: str) -> ApplicationEvent | None:
    return db.session.scalar(
        select(ApplicationEvent).where(ApplicationEvent.idempotency_key == key)
    )


def _event_matches(found: ApplicationEvent, action: str) -> bool:
    """Whether a stored event is the result of this action (for a replayed key)."""
    if action == "rate":
        return (found.note or "").startswith("rated ")
    return found.to_status in {s.value for s in TARGETS[action]}


def _replayed(key: str | None, application: Application, action: str) -> Outcome | None:
    """The first answer for a key already used on this row and step; key_reused otherwise."""
    if key is None:
        return None
    found = _event_with_key(key)
    if found is None:
        return None
    if found.application_id != application.id or not _event_matches(found, action):
        raise HireError("key_reused")
    db.session.refresh(application)
    return Outcome(application, False)


def _values_for(
    application: Application,
    action: str,
    rule: Rule,
    note: str | None,
    now: datetime,
    extra: dict[str, Any] | None,
) -> dict[str, Any]:
    """The columns a step sets besides its status."""
    gig = application.gig
    values: dict[str, Any] = {"status": rule.to}
    if rule.to in STAMPS:
        values[STAMPS[rule.to]] = now
    if action in OPENING:
        values = {**_FRESH, **values}
    if action == "accept":
        values.update(
            worker_verification=verification.snapshot(application.worker),
            employer_verification=verification.snapshot(gig.employer),
            agreed_pay_amount=gig.pay_amount,
            agreed_pay_unit=gig.pay_unit,
            agreed_hours=gig.daily_hours,
        )
    elif action == "cancel":
        values.update(late_cancel=now >= gig.starts_at - LATE_CANCEL, end_reason=note)
    elif action in ("decline", "withdraw", "no_show"):
        values["end_reason"] = note
    elif action == "complete":
        values["pay_due_at"] = pay_due(gig.settlement, now)
    values.update(extra or {})
    return values


def _effects(
    application: Application,
    action: str,
    origin: ApplicationStatus,
    actor: Actor,
    values: dict,
    note: str | None,
    now: datetime,
) -> None:
    """What a step changes beyond the row: places, the worker's figures, credit events."""
    gig = application.gig
    if action == "accept":
        _take_place(gig)
    elif action in ("cancel", "no_show") and origin in HELD_STATUSES:
        _release_place(gig, now)
    if action == "complete":
        _bump(Worker, application.worker_id, completed_count=1)
    elif action == "no_show":
        _bump(Worker, application.worker_id, no_show_count=1)
        _credit(application, SubjectKind.WORKER, "no_show", NO_SHOW_POINTS, note)
    elif action == "cancel" and values.get("late_cancel"):
        if actor.kind == "worker":
            _bump(Worker, application.worker_id, late_cancel_count=1)
            _credit(application, SubjectKind.WORKER, "late_cancel", LATE_CANCEL_POINTS, note)
        elif actor.kind == "employer":
            _credit(application, SubjectKind.EMPLOYER, "late_cancel", LATE_CANCEL_POINTS, note)


def _transition(
    application: Application,
    action: str,
    actor: Actor,
    key: str | None,
    *,
    note: str | None = None,
    notify: bool = True,
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """The one way a hire changes status: table, owner, guards, conditional move, event, text."""
    key = _clean_key(key)
    note = " ".join((note or "").split())[:200] or None
    replay = _replayed(key, application, action)
    if replay is not None:
        return replay
    if not _owns(application, actor):
        raise HireError("not_yours")
    for _attempt in range(3):
        rule = _rule_for(application.status, action, actor)
        if rule is None:
            return Outcome(application, False)
        now = utcnow()
        _guards(application, action, actor, note, now)
        origin = application.status
        values = _values_for(application, action, rule, note, now, extra)
        begin_write()
        try:
            with db.session.begin_nested():
                _lock_worker(application.worker_id)
                if action == "accept" and _overlap(application, application.gig):
                    raise HireError("overlap")
                moved = db.session.execute(
                    update(Application)
                    .where(Application.id == application.id, Application.status == origin)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if not moved:
                    raise _Stale
                _effects(application, action, origin, actor, values, note, now)
                db.session.add(
                    ApplicationEvent(
                        application_id=application.id,
                        from_status=origin.value,
                        to_status=rule.to.value,
                        actor_kind=actor.kind,
                        actor_id=actor.id,
                        note=note,
                        idempotency_key=key,
                    )
                )
                db.session.flush()
        except _Stale:
            db.session.refresh(application)
            replay = _replayed(key, application, action)
            if replay is not None:
                return replay
            continue  # decide again from the status it has now
        except IntegrityError:
            # The same key won in a parallel request: answer as it was answered.
            db.session.refresh(application)
            replay = _replayed(key, application, action)
            if replay is not None:
                return replay
            raise
        db.session.refresh(application)
        if notify:
            _notify(application, rule.to, origin, actor)
        return Outcome(application, True)
    raise HireError("illegal_transition")


def _find_pair(gig: Gig, worker: Worker) -> Application | None:
    return db.session.scalar(
        select(Application).where(Application.gig_id == gig.id, Application.worker_id == worker.id)
    )


def _replayed_open(key: str | None, gig: Gig, worker: Worker, action: str) -> Outcome | None:
    """The first answer for a key already used to open this worker's row on this gig."""
    if key is None:
        return None
    found = _event_with_key(key)
    if found is not None:
        row = db.session.get(Application, found.application_id)
        if row.gig_id != gig.id or row.worker_id != worker.id or not _event_matches(found, action):
            raise HireError("key_reused")
        db.session.refresh(row)
        return Outcome(row, False)
    row = db.session.scalar(select(Application).where(Application.idempotency_key == key))
    if row is not None:
        if row.gig_id != gig.id or row.worker_id != worker.id:
            raise HireError("key_reused")
        return Outcome(row, False)
    return None


def _open(
    gig: Gig,
    worker: Worker,
    action: str,
    actor: Actor,
    key: str | None,
    source: ApplicationSource,
    *,
    notify: bool = True,
) -> Outcome:
    """Make the worker's row on a gig (invite / apply), or open a closed one again; a row in
    progress or done is returned as it is."""
    key = _clean_key(key)
    replay = _replayed_open(key, gig, worker, action)
    if replay is not None:
        return replay
    if not _owns_pair(gig, worker.id, actor):
        raise HireError("not_yours")
    rule = _rule_for(None, action, actor)
    for _attempt in range(2):
        existing = _find_pair(gig, worker)
        if existing is not None:
            if existing.status in REOPENABLE:
                return _transition(
                    existing, action, actor, key, notify=notify, extra={"source": source}
                )
            return Outcome(existing, False)
        _signup_rules(worker, gig)
        now = utcnow()
        application = Application(
            gig_id=gig.id,
            worker_id=worker.id,
            source=source,
            status=rule.to,
            idempotency_key=key,
            applied_at=now if rule.to == S.APPLIED else None,
            agreed_pay_amount=gig.pay_amount,
            agreed_pay_unit=gig.pay_unit,
            worker_verification=verification.snapshot(worker),
            employer_verification=verification.snapshot(gig.employer),
        )
        begin_write()
        try:
            with db.session.begin_nested():
                db.session.add(application)
                db.session.flush()
                db.session.add(
                    ApplicationEvent(
                        application_id=application.id,
                        from_status=None,
                        to_status=rule.to.value,
                        actor_kind=actor.kind,
                        actor_id=actor.id,
                        idempotency_key=key,
                    )
                )
                db.session.flush()
        except IntegrityError:
            # A parallel submit made the row (or used the key) first: answer from its result.
            replay = _replayed_open(key, gig, worker, action)
            if replay is not None:
                return replay
            continue
        if notify:
            _notify(application, rule.to, None, actor)
        return Outcome(application, True)
    raise HireError("illegal_transition")


# -- the steps ------------------------------------------------------------------------------------


def invite(gig: Gig, worker: Worker, *, actor: Actor, key: str | None) -> Outcome:
    """The employer (own gig) or staff invite a worker: a row proposed, source employer_invite."""
    return _open(gig, worker, "invite", actor, key, ApplicationSource.EMPLOYER_INVITE)


def apply(
    gig: Gig,
    worker: Worker,
    *,
    actor: Actor,
    key: str | None,
    source: ApplicationSource = ApplicationSource.WORKER_SELF,
) -> Outcome:
    """A worker signs up (on the phone, at a kiosk, or staff on their word): a row applied."""
    return _open(gig, worker, "apply", actor, key, source)


def _auto_steps(outcome: Outcome, actor: Actor, key: str | None, steps: tuple[str, ...]) -> Outcome:
    """Carry a fresh row on through accept and dispatch (kiosk 即时快招, staff dispatch)."""
    application, changed = outcome.application, outcome.changed
    for step in steps:
        wanted = {"accept": (S.PROPOSED, S.APPLIED), "dispatch": (S.ACCEPTED,)}[step]
        if application.status not in wanted:
            continue
        result = _transition(application, step, actor, _derived(key, step), notify=False)
        changed = changed or result.changed
    return Outcome(application, changed)


def sign_up_at_kiosk(gig: Gig, worker: Worker, *, kiosk_id: int, key: str | None) -> Outcome:
    """A walk-in signs up at a kiosk (source kiosk_recommendation). On a 即时快招 gig they are
    taken on and dispatched at once while places last; otherwise, or when the gig is full, the
    sign-up waits for the employer."""
    actor = Actor("kiosk", kiosk_id)
    outcome = _open(
        gig, worker, "apply", actor, key, ApplicationSource.KIOSK_RECOMMENDATION, notify=False
    )
    before = outcome.application.status
    if gig.auto_accept:
        try:
            outcome = _auto_steps(outcome, actor, key, ("accept", "dispatch"))
        except HireError as exc:  # full, overlapping ...: the sign-up waits for the employer
            log.info("kiosk sign-up %s left waiting: %s", outcome.application.id, exc.code)
    if outcome.changed and outcome.application.status != before:
        _notify(outcome.application, outcome.application.status, None, actor)
    return outcome


def staff_dispatch(
    gig: Gig,
    worker: Worker,
    *,
    staff_id: int,
    key: str | None,
    market_ids: frozenset[int] | None = None,
) -> Outcome:
    """One touch at the staff desk (轮候派工): the worker's row (source staff_dispatch) goes
    straight to accepted and dispatched, or nothing changes and HireError says why."""
    actor = Actor("staff", staff_id, frozenset(market_ids) if market_ids is not None else None)
    key = _clean_key(key)
    replay = _replayed_open(key, gig, worker, "apply")
    if replay is not None:
        return replay
    begin_write()
    with db.session.begin_nested():
        outcome = _open(
            gig, worker, "apply", actor, key, ApplicationSource.STAFF_DISPATCH, notify=False
        )
        outcome = _auto_steps(outcome, actor, key, ("accept", "dispatch"))
    if outcome.changed:
        _notify(outcome.application, outcome.application.status, None, actor)
    return outcome


def accept(application: Application, *, actor: Actor, key: str | None) -> Outcome:
    """Take the worker on: the worker accepts an invitation; the employer or staff (or a kiosk on
    a 即时快招 gig) accept a sign-up. Never beyond the headcount."""
    return _transition(application, "accept", actor, key)


def decline(
    application: Application, *, actor: Actor, key: str | None, reason: str | None = None
) -> Outcome:
    """The worker declines an invitation; the employer or staff decline a sign-up."""
    return _transition(application, "decline", actor, key, note=reason)


def withdraw(
    application: Application, *, actor: Actor, key: str | None, reason: str | None = None
) -> Outcome:
    """The worker withdraws a sign-up; the employer or staff withdraw an invitation."""
    return _transition(application, "withdraw", actor, key, note=reason)


def dispatch(application: Application, *, actor: Actor, key: str | None) -> Outcome:
    """Send a taken-on worker to the gig (派工: the kiosk prints the slip)."""
    return _transition(application, "dispatch", actor, key)


def confirm_arrival(application: Application, *, actor: Actor, key: str | None) -> Outcome:
    """Record arrival at the work site (the employer, staff, or the worker scanning the gig QR)."""
    return _transition(application, "arrive", actor, key)


def arrival_by_worker_qr(gig: Gig, payload: str, *, actor: Actor, key: str | None) -> Outcome:
    """The employer (or staff) scans the worker's personal QR at the site: that worker arrived."""
    if not _acts_for_gig(gig, actor):
        raise HireError("not_yours")
    try:
        data = qr.verify(payload, "w")
    except qr.QrError:
        raise HireError("qr_invalid") from None
    public_id = data.get("w")
    worker = (
        db.session.scalar(select(Worker).where(Worker.public_id == public_id))
        if isinstance(public_id, str)
        else None
    )
    if worker is None:
        raise HireError("qr_invalid")
    if data.get("v") != worker.qr_version:
        raise HireError("qr_outdated")
    application = _find_pair(gig, worker)
    if application is None or application.status not in HELD_STATUSES:
        raise HireError("not_on_gig")
    return confirm_arrival(application, actor=actor, key=key)


def complete(application: Application, *, actor: Actor, key: str | None) -> Outcome:
    """Record the work as done; pay falls due by the gig's settlement (see pay_due)."""
    return _transition(application, "complete", actor, key)


def confirm_paid(application: Application, *, actor: Actor, key: str | None) -> Outcome:
    """The worker (or staff on the worker's word) confirms the pay was received."""
    return _transition(application, "confirm_paid", actor, key)


def cancel(application: Application, *, actor: Actor, key: str | None, reason: str) -> Outcome:
    """Call off a hire before arrival; the place comes free. Late (within LATE_CANCEL_HOURS of the
    start) counts against the worker or employer who cancelled."""
    return _transition(application, "cancel", actor, key, note=reason)


def report_no_show(
    application: Application, *, actor: Actor, key: str | None, note: str | None = None
) -> Outcome:
    """The employer or staff report that the worker did not come (from NO_SHOW_GRACE after the
    start): the place comes free and the worker gets an appealable credit event."""
    return _transition(application, "no_show", actor, key, note=note)


def rate(application: Application, *, actor: Actor, stars: int, key: str | None = None) -> Outcome:
    """Once the work is done, each side rates the other once (1..5): the worker rates the
    employer (worker_rating), the employer rates the worker (employer_rating, and the worker's
    rating figures)."""
    key = _clean_key(key)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise HireError("stars_invalid")
    replay = _replayed(key, application, "rate")
    if replay is not None:
        return replay
    if not _owns(application, actor):
        raise HireError("not_yours")
    if actor.kind not in RATERS:
        raise HireError("not_allowed")
    if application.status not in RATEABLE:
        raise HireError("illegal_transition")
    column = "worker_rating" if actor.kind == "worker" else "employer_rating"
    begin_write()
    try:
        with db.session.begin_nested():
            _lock_worker(application.worker_id)
            rated = db.session.execute(
                update(Application)
                .where(
                    Application.id == application.id,
                    getattr(Application, column).is_(None),
                    Application.status.in_(RATEABLE),
                )
                .values({column: stars})
                .execution_options(synchronize_session=False)
            ).rowcount
            if not rated:
                raise _Stale
            if actor.kind == "employer":
                _bump(Worker, application.worker_id, rating_sum=stars, rating_count=1)
            db.session.add(
                ApplicationEvent(
                    application_id=application.id,
                    from_status=application.status.value,
                    to_status=application.status.value,
                    actor_kind=actor.kind,
                    actor_id=actor.id,
                    note=f"rated {stars} by {actor.kind}",
                    idempotency_key=key,
                )
            )
            db.session.flush()
    except (_Stale, IntegrityError):
        db.session.refresh(application)
        replay = _replayed(key, application, "rate")
        if replay is not None:
            return replay
        raise HireError("already_rated") from None
    db.session.refresh(application)
    return Outcome(application, True)


# -- credit appeals -------------------------------------------------------------------------------


def _subject_phone(credit: CreditEvent) -> str | None:
    if credit.subject_kind == SubjectKind.WORKER:
        worker = db.session.get(Worker, credit.worker_id)
        return identity.worker_phone(worker) if worker is not None else None
    application = (
        db.session.get(Application, credit.application_id) if credit.application_id else None
    )
    if application is not None:
        return employer_phone(application.gig)
    employer = db.session.get(Employer, credit.employer_id)
    return identity.reveal(employer, "contact_phone") if employer is not None else None


def appeal(credit_event: CreditEvent, *, actor: Actor, note: str) -> None:
    """The subject (or staff at the window on their word) appeals a credit event: pending."""
    note = " ".join((note or "").split())[:1000]
    if actor.kind == "worker":
        mine = (
            credit_event.subject_kind == SubjectKind.WORKER and credit_event.worker_id == actor.id
        )
    elif actor.kind == "employer":
        mine = (
            credit_event.subject_kind == SubjectKind.EMPLOYER
            and credit_event.employer_id == actor.id
        )
    else:
        mine = actor.kind == "staff"
    if not mine:
        raise HireError("not_yours")
    if credit_event.kind not in APPEALABLE:
        raise HireError("not_appealable")
    if not note:
        raise HireError("note_missing")
    begin_write()
    filed = db.session.execute(
        update(CreditEvent)
        .where(CreditEvent.id == credit_event.id, CreditEvent.appeal_status.is_(None))
        .values(appeal_status="pending", appeal_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(credit_event)
    if not filed and credit_event.appeal_status != "pending":
        raise HireError("appeal_decided")


def decide_appeal(credit_event: CreditEvent, *, staff_id: int, uphold: bool, note: str) -> None:
    """Staff decide a pending appeal: upheld keeps the record; voided reverses its figure."""
    note = " ".join((note or "").split())[:1000]
    if not note:
        raise HireError("note_missing")
    outcome = "upheld" if uphold else "voided"
    begin_write()
    db.session.refresh(credit_event)
    decided = db.session.execute(
        update(CreditEvent)
        .where(CreditEvent.id == credit_event.id, CreditEvent.appeal_status == "pending")
        .values(
            appeal_status=outcome,
            appeal_note=((credit_event.appeal_note or "") + "\n---\n" + note).strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(credit_event)
    if not decided:
        raise HireError("not_pending")
    if not uphold:
        if credit_event.subject_kind == SubjectKind.WORKER:
            counter = {"no_show": "no_show_count", "late_cancel": "late_cancel_count"}.get(
                credit_event.kind
            )
            if counter:
                _bump(Worker, credit_event.worker_id, **{counter: -1})
        else:
            _bump(Employer, credit_event.employer_id, credit_score=-credit_event.points)
    application = (
        db.session.get(Application, credit_event.application_id)
        if credit_event.application_id
        else None
    )
    audit.record(
        f"credit.appeal_{outcome}",
        actor_kind="staff",
        actor_id=staff_id,
        object_kind="credit_event",
        object_id=credit_event.id,
        market_id=application.gig.market_id if application is not None else None,
        detail={"kind": credit_event.kind, "note": note},
    )
    with force_locale(SMS_LOCALE):
        text = (
            _("Your appeal was reviewed: the record stands.")
            if uphold
            else _("Your appeal was accepted: the record has been removed.")
        )
    _text(_subject_phone(credit_event), text)


# -- unpaid wages (欠薪预警) ----------------------------------------------------------------------


def raise_wage_alerts(now: datetime | None = None) -> int:
    """Raise the unpaid-wages alert on every completed hire past its pay due time and not yet
    confirmed paid: once per hire (a conditional UPDATE, so two schedulers never double), with a
    credit event against the employer and a text to both sides. Returns how many were raised."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Application.id)
        .where(
            Application.status == S.COMPLETED,
            Application.pay_due_at < now,
            Application.pay_alert_at.is_(None),
        )
        .order_by(Application.id)  # every scheduler locks rows in the same order
    ).all()
    raised = 0
    for application_id in due:
        begin_write()
        won = db.session.execute(
            update(Application)
            .where(
                Application.id == application_id,
                Application.status == S.COMPLETED,
                Application.pay_alert_at.is_(None),
            )
            .values(pay_alert_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            continue
        application = db.session.get(Application, application_id)
        db.session.refresh(application)
        _credit(application, SubjectKind.EMPLOYER, "wage_arrears", WAGE_ARREARS_POINTS, None)
        market = application.gig.market
        station = " ".join(filter(None, (market.name, market.hotline)))
        with force_locale(SMS_LOCALE):
            facts = _facts(application) | {"station": station}
            to_worker = _(
                'Pay for "%(title)s" was due by %(due)s. If you have not been paid, please '
                "contact %(station)s.",
                **facts,
            )
            to_employer = _(
                'Pay for %(worker)s on "%(title)s" was due by %(due)s and is not confirmed. '
                "Please pay and ask the worker to confirm.",
                **facts,
            )
        _text(identity.worker_phone(application.worker), to_worker)
        _text(employer_phone(application.gig), to_employer)
        raised += 1
    return raised


def open_alerts(market_ids) -> list[Application]:
    """Raised wage alerts still unpaid in these markets, oldest first (for the staff)."""
    return list(
        db.session.scalars(
            select(Application)
            .join(Gig, Gig.id == Application.gig_id)
            .where(
                Application.pay_alert_at.is_not(None),
                Application.status == S.COMPLETED,
                Gig.market_id.in_(list(market_ids)),
            )
            .order_by(Application.pay_alert_at, Application.id)
        )
    )


# -- reading --------------------------------------------------------------------------------------


def _guard_ok(application: Application, action: str, actor: Actor, now: datetime) -> bool:
    gig = application.gig
    if action == "accept" and application.status == S.APPLIED and actor.kind == "kiosk":
        return bool(gig.auto_accept)
    if action == "no_show":
        return now >= gig.starts_at + NO_SHOW_GRACE
    return True


def actions_for(application: Application, actor: Actor) -> list[str]:
    """The steps this actor may take on this hire now (for buttons), in ACTIONS order."""
    if not _owns(application, actor):
        return []
    now = utcnow()
    found = []
    for action in ACTIONS:
        if action == "rate":
            column = {"worker": "worker_rating", "employer": "employer_rating"}.get(actor.kind)
            if column and application.status in RATEABLE and getattr(application, column) is None:
                found.append(action)
            continue
        rule = TRANSITIONS.get((application.status, action))
        if rule and actor.kind in rule.actors and _guard_ok(application, action, actor, now):
            found.append(action)
    return found


def phone_visible_to_employer(application: Application) -> bool:
    """The worker's phone is the employer's to see only once the worker is taken on."""
    return application.status in HELD_STATUSES
