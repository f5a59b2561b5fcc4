"""The hire lifecycle through the API: the employer invites, accepts, dispatches, confirms arrival
(or scans the worker's QR), completes, reports a no-show, cancels and rates; the worker accepts or
declines an invitation, withdraws a sign-up, cancels, confirms pay and rates.

Every step takes an Idempotency-Key: a repeat answers 200 with the hire as it stands and changes
nothing. Someone else's hire is a 404, exactly as one that does not exist. The rules are the state
machine's (webapp/services/hires.py); refusals keep its codes and HTTP statuses.
"""

import re

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.api import access, inputs
from webapp.api.openapi import (
    ARRIVAL_INPUT,
    CANCEL_INPUT,
    INVITATION_INPUT,
    NO_SHOW_INPUT,
    RATING_INPUT,
    REASON_INPUT,
)
from webapp.api.problems import ApiError, validation_error
from webapp.api.serialize import application_for_employer, application_for_worker
from webapp.extensions import db
from webapp.models import Application, Employer, Worker
from webapp.services import applications, hires
from webapp.services.hires import Actor, HireError
from webapp.views.api import bp

_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")


def _problem(exc: HireError) -> ApiError:
    """A refused step as a problem; a 422 names the input at fault."""
    if exc.http_status == 422:
        return ApiError(422, exc.code, exc.message, fields={exc.field or "body": exc.message})
    return ApiError(exc.http_status, exc.code, exc.message)


def _employer_call() -> tuple[Employer, Actor, str]:
    """The calling employer, as an actor too, and the request's idempotency key."""
    employer = access.require_employer(access.require_account_for_change())
    return employer, Actor("employer", employer.id), inputs.idempotency_key()


def _worker_call() -> tuple[Actor, str]:
    """The calling worker as an actor, and the request's idempotency key."""
    worker = access.require_worker(access.require_account_for_change())
    return Actor("worker", worker.id), inputs.idempotency_key()


def _hire_of(public_id: str, actor: Actor) -> Application:
    """The hire, if it is the caller's (the gig's employer, or the worker); 404 otherwise."""
    application = applications.find_public(public_id)
    if application is None:
        raise access.not_found()
    if actor.kind == "employer" and application.gig.employer_id != actor.id:
        raise access.not_found()
    if actor.kind == "worker" and application.worker_id != actor.id:
        raise access.not_found()
    return application


def _answer(outcome: hires.Outcome, actor: Actor, status: int = 200):
    """Commit once, answer with the hire as the caller sees it."""
    db.session.commit()
    serialize = application_for_employer if actor.kind == "employer" else application_for_worker
    return jsonify(serialize(outcome.application)), status


def _run(step, *args, **kwargs) -> hires.Outcome:
    """Run one step of the state machine; a refusal becomes its problem."""
    try:
        return step(*args, **kwargs)
    except HireError as exc:
        raise _problem(exc) from None


def _employer_step(public_id: str, step, schema: dict | None = None, *, optional=False):
    """An employer's step on one hire; the body's fields (if any) go to the step."""
    _employer, actor, key = _employer_call()
    application = _hire_of(public_id, actor)
    fields = _body(schema, optional=optional) if schema is not None else {}
    return _answer(_run(step, application, actor=actor, key=key, **fields), actor)


def _worker_step(public_id: str, step, schema: dict | None = None, *, optional=False):
    """A worker's step on one of their hires; the body's fields (if any) go to the step."""
    actor, key = _worker_call()
    application = _hire_of(public_id, actor)
    fields = _body(schema, optional=optional) if schema is not None else {}
    return _answer(_run(step, application, actor=actor, key=key, **fields), actor)


def _body(schema: dict, *, optional: bool = False) -> dict:
    """The request body checked against its schema ({} for an absent optional body)."""
    data = inputs.optional_json_object() if optional else inputs.json_object()
    return inputs.check_object(data, schema)


# -- the employer ---------------------------------------------------------------------------------


@bp.post("/employer/gigs/<public_id>/invitations")
def invite_worker(public_id: str):
    """Invite a worker (by public id) to the caller's gig: 201 the first time, 200 after."""
    employer, actor, key = _employer_call()
    gig = access.owned_gig(employer, public_id)
    worker_id = _body(INVITATION_INPUT)["worker_id"]
    worker = (
        db.session.scalar(select(Worker).where(Worker.public_id == worker_id))
        if _PUBLIC_ID.fullmatch(worker_id)
        else None
    )
    if worker is None:
        raise validation_error({"worker_id": _l("There is no worker with this id.")})
    outcome = _run(hires.invite, gig, worker, actor=actor, key=key)
    return _answer(outcome, actor, 201 if outcome.changed else 200)


@bp.post("/employer/gigs/<public_id>/arrivals")
def record_arrival_by_qr(public_id: str):
    """The worker whose personal QR the employer scanned at the site has arrived."""
    employer, actor, key = _employer_call()
    gig = access.owned_gig(employer, public_id)
    payload = _body(ARRIVAL_INPUT)["payload"]
    return _answer(_run(hires.arrival_by_worker_qr, gig, payload, actor=actor, key=key), actor)


@bp.post("/employer/applications/<public_id>/accept")
def employer_accept(public_id: str):
    """Take the worker on (409 full when every place is taken)."""
    return _employer_step(public_id, hires.accept)


@bp.post("/employer/applications/<public_id>/decline")
def employer_decline(public_id: str):
    """Decline a sign-up, with an optional reason."""
    return _employer_step(public_id, hires.decline, REASON_INPUT, optional=True)


@bp.post("/employer/applications/<public_id>/dispatch")
def employer_dispatch(public_id: str):
    """Send the taken-on worker (派工)."""
    return _employer_step(public_id, hires.dispatch)


@bp.post("/employer/applications/<public_id>/arrive")
def employer_confirm_arrival(public_id: str):
    """The worker has arrived at the site."""
    return _employer_step(public_id, hires.confirm_arrival)


@bp.post("/employer/applications/<public_id>/complete")
def employer_complete(public_id: str):
    """The work is done; pay falls due by the gig's settlement."""
    return _employer_step(public_id, hires.complete)


@bp.post("/employer/applications/<public_id>/no-show")
def employer_report_no_show(public_id: str):
    """The worker did not come (from 30 minutes after the start)."""
    return _employer_step(public_id, hires.report_no_show, NO_SHOW_INPUT, optional=True)


@bp.post("/employer/applications/<public_id>/cancel")
def employer_cancel(public_id: str):
    """Call off a hire before arrival, with the reason."""
    return _employer_step(public_id, hires.cancel, CANCEL_INPUT)


@bp.post("/employer/applications/<public_id>/rate")
def employer_rate(public_id: str):
    """Rate the worker once the work is done (once)."""
    return _employer_step(public_id, hires.rate, RATING_INPUT)


# -- the worker -----------------------------------------------------------------------------------


@bp.post("/worker/applications/<public_id>/accept")
def worker_accept(public_id: str):
    """Accept an invitation."""
    return _worker_step(public_id, hires.accept)


@bp.post("/worker/applications/<public_id>/decline")
def worker_decline(public_id: str):
    """Decline an invitation, with an optional reason."""
    return _worker_step(public_id, hires.decline, REASON_INPUT, optional=True)


@bp.post("/worker/applications/<public_id>/withdraw")
def worker_withdraw(public_id: str):
    """Withdraw my sign-up before I am taken on."""
    return _worker_step(public_id, hires.withdraw, REASON_INPUT, optional=True)


@bp.post("/worker/applications/<public_id>/cancel")
def worker_cancel(public_id: str):
    """Call off a hire I was taken on for, with the reason."""
    return _worker_step(public_id, hires.cancel, CANCEL_INPUT)


@bp.post("/worker/applications/<public_id>/confirm-paid")
def worker_confirm_paid(public_id: str):
    """I have received the pay."""
    return _worker_step(public_id, hires.confirm_paid)


@bp.post("/worker/applications/<public_id>/rate")
def worker_rate(public_id: str):
    """Rate the employer once the work is done (once)."""
    return _worker_step(public_id, hires.rate, RATING_INPUT)
