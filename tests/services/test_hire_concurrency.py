"""The hire state machine under real concurrency: threads, each with its own app context, session
and database connection, on a file SQLite database (WAL, busy timeout) and on PostgreSQL.

Places are never overbooked, a double tap is one step, an invitation sent twice at once is one
row, and two schedulers raising wage alerts at once raise each alert once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.hires_helpers import new_employer, new_gig, new_hire, new_market, new_worker
from webapp.extensions import db
from webapp.models import Application, ApplicationEvent, CreditEvent, Gig
from webapp.models.base import utcnow
from webapp.models.types import ApplicationStatus, GigStatus, Settlement
from webapp.services import hires, sms
from webapp.services.hires import Actor, HireError

S = ApplicationStatus


@dataclass(frozen=True)
class World:
    """Ids of what the threads work on."""

    gig_id: int
    employer_id: int
    market_id: int
    application_ids: list[int]
    worker_ids: list[int]


def build(app, *, headcount: int, applicants: int, status=S.APPLIED, **gig_args) -> World:
    """A verified employer with one gig and `applicants` verified workers on it (committed)."""
    with app.app_context():
        sms.gateway()  # made once here, not by racing threads
        market = new_market()
        employer = new_employer(market.id)
        gig = new_gig(employer, headcount=headcount, **gig_args)
        workers = [new_worker(market.id) for _ in range(applicants)]
        rows = [new_hire(gig, w, status) for w in workers]
        db.session.commit()
        return World(gig.id, employer.id, market.id, [r.id for r in rows], [w.id for w in workers])


def in_threads(app, work: Callable[[object], object], items: list) -> list:
    """Run work(item) for every item at once, one thread, app context and session each.

    A HireError is an answer (its code), anything else fails the test.
    """
    barrier = threading.Barrier(len(items))

    def call(item):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                return work(item)
            except HireError as exc:
                db.session.rollback()
                return exc.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(call, items))


def count_of(app, query) -> int:
    with app.app_context():
        value = db.session.scalar(query)
        db.session.remove()
        return value


def test_fifty_accepts_on_five_places_take_exactly_five(app):
    world = build(app, headcount=5, applicants=50)
    boss = Actor("employer", world.employer_id)

    def accept(application_id):
        application = db.session.get(Application, application_id)
        hires.accept(application, actor=boss, key=f"accept-{application_id}")
        db.session.commit()
        return "accepted"

    answers = in_threads(app, accept, world.application_ids)
    assert Counter(answers) == {"accepted": 5, "full": 45}
    with app.app_context():
        gig = db.session.get(Gig, world.gig_id)
        assert (gig.accepted_count, gig.status) == (5, GigStatus.FILLED)
        accepted = db.session.scalar(
            select(func.count(Application.id)).where(
                Application.gig_id == world.gig_id, Application.status == S.ACCEPTED
            )
        )
        assert accepted == 5
        events = db.session.scalar(
            select(func.count(ApplicationEvent.id)).where(ApplicationEvent.to_status == "accepted")
        )
        assert events == 5
        db.session.remove()


def test_a_double_tap_at_once_is_one_step_with_one_answer(app):
    world = build(app, headcount=5, applicants=1)
    (application_id,) = world.application_ids
    boss = Actor("employer", world.employer_id)

    def tap(_n):
        application = db.session.get(Application, application_id)
        outcome = hires.accept(application, actor=boss, key="the-same-tap")
        db.session.commit()
        return outcome.changed, outcome.application.status

    answers = in_threads(app, tap, list(range(10)))
    assert sorted(answers) == [(False, S.ACCEPTED)] * 9 + [(True, S.ACCEPTED)]
    events = select(func.count(ApplicationEvent.id)).where(
        ApplicationEvent.application_id == application_id
    )
    assert count_of(app, events) == 1
    assert count_of(app, select(Gig.accepted_count).where(Gig.id == world.gig_id)) == 1


def test_taps_with_different_keys_at_once_still_count_once(app):
    world = build(app, headcount=5, applicants=1)
    (application_id,) = world.application_ids
    boss = Actor("employer", world.employer_id)

    def tap(n):
        application = db.session.get(Application, application_id)
        outcome = hires.accept(application, actor=boss, key=f"tap-{n}")
        db.session.commit()
        return outcome.changed

    assert Counter(in_threads(app, tap, list(range(10)))) == {True: 1, False: 9}
    assert count_of(app, select(Gig.accepted_count).where(Gig.id == world.gig_id)) == 1


@pytest.mark.parametrize("same_key", [True, False], ids=["same-key", "other-keys"])
def test_an_invitation_sent_twice_at_once_is_one_row(app, same_key):
    world = build(app, headcount=5, applicants=0)
    with app.app_context():
        worker_id = new_worker(world.market_id).id
        db.session.commit()
        db.session.remove()
    boss = Actor("employer", world.employer_id)

    def invite(n):
        from webapp.models import Worker

        gig, worker = db.session.get(Gig, world.gig_id), db.session.get(Worker, worker_id)
        outcome = hires.invite(gig, worker, actor=boss, key="invite" if same_key else f"inv-{n}")
        db.session.commit()
        return outcome.application.id, outcome.changed

    answers = in_threads(app, invite, list(range(8)))
    assert len({row for row, _ in answers}) == 1
    assert Counter(changed for _, changed in answers) == {True: 1, False: 7}
    assert count_of(app, select(func.count(Application.id))) == 1
    assert count_of(app, select(func.count(ApplicationEvent.id))) == 1


def test_two_schedulers_at_once_raise_each_wage_alert_once(app):
    build(app, headcount=10, applicants=10, status=S.COMPLETED, settlement=Settlement.ON_COMPLETION)
    with app.app_context():
        db.session.execute(
            Application.__table__.update().values(pay_due_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        sent_before = len(sms.gateway().outbox)
        db.session.remove()

    def run(_n):
        raised = hires.raise_wage_alerts()
        db.session.commit()
        return raised

    assert sum(in_threads(app, run, [1, 2, 3])) == 10
    assert count_of(app, select(func.count(CreditEvent.id))) == 10
    alerted = select(func.count(Application.id)).where(Application.pay_alert_at.is_not(None))
    assert count_of(app, alerted) == 10
    with app.app_context():
        assert len(sms.gateway().outbox) - sent_before == 20  # the worker and the employer, once
