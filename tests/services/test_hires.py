"""The hire lifecycle state machine (webapp/services/hires.py): the whole transition matrix, the
rules around it (places, eligibility, late cancels, no-shows and appeals, ratings, pay due and
the unpaid-wages alert), idempotency, and the texts each step sends to the other side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select, update

from tests.hires_helpers import (
    new_employer,
    new_gig,
    new_hire,
    new_market,
    new_worker,
    outbox,
    texts_to,
)
from webapp.extensions import db
from webapp.models import (
    Application,
    ApplicationEvent,
    CreditEvent,
    Employer,
    Gig,
    GigRevision,
    Sanction,
    Worker,
)
from webapp.models.base import utcnow
from webapp.models.types import (
    ApplicationSource,
    ApplicationStatus,
    GigStatus,
    Settlement,
    SubjectKind,
    VerificationStatus,
)
from webapp.services import applications, hires, identity, qr
from webapp.services.hires import ACTIONS, ACTOR_KINDS, OPENING, TRANSITIONS, Actor, HireError

S = ApplicationStatus
_keys = count(1)


def key() -> str:
    """A fresh idempotency key."""
    return f"test-key-{next(_keys)}"


@pytest.fixture
def market(ctx):
    market = new_market()
    db.session.commit()  # other fixtures write from their own app contexts
    return market


@pytest.fixture
def employer(market):
    employer = new_employer(market.id)
    db.session.commit()
    return employer


@pytest.fixture
def gig(employer):
    gig = new_gig(employer)
    db.session.commit()
    return gig


def actor_for(application: Application, kind: str) -> Actor:
    """The actor of a kind that owns this hire (staff and kiosks unscoped)."""
    ids = {
        "worker": application.worker_id,
        "employer": application.gig.employer_id,
        "staff": 1,
        "kiosk": 7,
        "system": None,
    }
    return Actor(kind, ids[kind])


def events_of(application: Application) -> list[ApplicationEvent]:
    return list(
        db.session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


def do(action: str, application: Application, actor: Actor, k: str | None = None):
    """Take one step through the public function of that step."""
    k = k or key()
    if action == "invite":
        return hires.invite(application.gig, application.worker, actor=actor, key=k)
    if action == "apply":
        return hires.apply(application.gig, application.worker, actor=actor, key=k)
    calls = {
        "accept": lambda: hires.accept(application, actor=actor, key=k),
        "decline": lambda: hires.decline(application, actor=actor, key=k, reason="这次不合适"),
        "withdraw": lambda: hires.withdraw(application, actor=actor, key=k),
        "dispatch": lambda: hires.dispatch(application, actor=actor, key=k),
        "arrive": lambda: hires.confirm_arrival(application, actor=actor, key=k),
        "complete": lambda: hires.complete(application, actor=actor, key=k),
        "confirm_paid": lambda: hires.confirm_paid(application, actor=actor, key=k),
        "cancel": lambda: hires.cancel(application, actor=actor, key=k, reason="家里有事"),
        "no_show": lambda: hires.report_no_show(application, actor=actor, key=k),
        "rate": lambda: hires.rate(application, actor=actor, stars=4, key=k),
    }
    return calls[action]()


# -- the matrix -----------------------------------------------------------------------------------

ALL_ACTIONS = (*ACTIONS, *OPENING)


def expected(status: ApplicationStatus, action: str, kind: str) -> tuple[str, object]:
    """What the table says should happen: ("changed", to), ("unchanged", status) or
    ("refused", http_status). Written from TRANSITIONS alone, independently of the service."""
    if action == "rate":
        if kind not in ("worker", "employer"):
            return "refused", 403
        if status not in (S.COMPLETED, S.PAID_CONFIRMED):
            return "refused", 409
        return "changed", status
    rules = {f: r for (f, a), r in TRANSITIONS.items() if a == action}
    anyone = set().union(*(r.actors for r in rules.values()))
    if kind not in anyone:
        return "refused", 403
    if action in OPENING:
        if kind not in rules[None].actors:
            return "refused", 403
        if status in rules:
            return "changed", rules[status].to
        return "unchanged", status  # a row in progress or done is returned as it is
    rule = rules.get(status)
    if rule is None:
        if status in {r.to for r in rules.values()}:
            return "unchanged", status
        return "refused", 409
    if kind not in rule.actors:
        return "refused", 403
    return "changed", rule.to


def test_the_table_names_only_known_actions_actors_and_statuses():
    for (origin, action), rule in TRANSITIONS.items():
        assert origin is None or isinstance(origin, ApplicationStatus)
        assert action in ALL_ACTIONS
        assert rule.actors <= set(ACTOR_KINDS)
        assert rule.actors, (origin, action)
    assert {a for _, a in TRANSITIONS} == set(ALL_ACTIONS) - {"rate"}
    # every status can be reached, and only held statuses can be cancelled or reported
    assert {r.to for r in TRANSITIONS.values()} == set(S)
    for (origin, action), _rule in TRANSITIONS.items():
        if action in ("cancel", "no_show"):
            assert origin in (S.ACCEPTED, S.DISPATCHED)


@pytest.mark.parametrize("status", list(S), ids=[s.value for s in S])
def test_every_status_action_and_actor(ctx, market, status):
    """status x every action x every actor kind: legal steps work, the rest are refused."""
    employer = new_employer(market.id)
    # Started an hour ago (a no-show may be reported), 即时快招 (a kiosk may accept), roomy.
    gig = new_gig(employer, headcount=500, starts_in=timedelta(hours=-1), auto_accept=True)
    db.session.commit()
    seen = 0
    for action in ALL_ACTIONS:
        for kind in ACTOR_KINDS:
            worker = new_worker(market.id)
            application = new_hire(gig, worker, status)
            db.session.commit()
            before_count = db.session.get(Gig, gig.id).accepted_count
            before_events = len(events_of(application))
            what, detail = expected(status, action, kind)
            actor = actor_for(application, kind)
            case = (status.value, action, kind)
            if what == "refused":
                with pytest.raises(HireError) as err:
                    do(action, application, actor)
                assert err.value.http_status == detail, (case, err.value.code)
                assert err.value.code in ("not_allowed", "illegal_transition"), case
                db.session.refresh(application)
                assert application.status == status, case
                assert len(events_of(application)) == before_events, case
            else:
                outcome = do(action, application, actor)
                db.session.commit()
                db.session.refresh(application)
                assert outcome.changed is (what == "changed"), case
                assert application.status == detail, case
                assert len(events_of(application)) == before_events + (what == "changed"), case
                if what == "changed":
                    event = events_of(application)[-1]
                    assert (event.actor_kind, event.actor_id) == (kind, actor.id), case
                    assert event.to_status == detail.value, case
                    assert event.idempotency_key, case
                    stamp = hires.STAMPS.get(detail)
                    if stamp and action != "rate":
                        assert getattr(application, stamp) is not None, case
            delta = db.session.get(Gig, gig.id).accepted_count - before_count
            moved = what == "changed"
            if moved and action == "accept":
                assert delta == 1, case
            elif moved and action in ("cancel", "no_show"):
                assert delta == -1, case
            else:
                assert delta == 0, case
            seen += 1
    assert seen == len(ALL_ACTIONS) * len(ACTOR_KINDS)


LEGAL = [
    (S.APPLIED, "accept", "employer"),
    (S.APPLIED, "accept", "staff"),
    (S.PROPOSED, "accept", "worker"),
    (S.PROPOSED, "decline", "worker"),
    (S.APPLIED, "decline", "employer"),
    (S.APPLIED, "withdraw", "worker"),
    (S.ACCEPTED, "dispatch", "kiosk"),
    (S.DISPATCHED, "arrive", "employer"),
    (S.ACCEPTED, "arrive", "worker"),
    (S.ARRIVED, "complete", "employer"),
    (S.ARRIVED, "complete", "worker"),
    (S.COMPLETED, "confirm_paid", "worker"),
    (S.COMPLETED, "confirm_paid", "staff"),
    (S.ACCEPTED, "cancel", "worker"),
    (S.DISPATCHED, "cancel", "employer"),
    (S.DISPATCHED, "no_show", "employer"),
]
REFUSED = [
    (S.APPLIED, "accept", "worker", 403),  # a worker cannot take themselves on
    (S.PROPOSED, "accept", "employer", 403),  # nor an employer accept its own invitation
    (S.COMPLETED, "confirm_paid", "employer", 403),  # only the worker says the pay came
    (S.ARRIVED, "no_show", "worker", 403),
    (S.APPLIED, "accept", "system", 403),
    (S.PAID_CONFIRMED, "cancel", "worker", 409),
    (S.ARRIVED, "cancel", "employer", 409),
    (S.NO_SHOW, "arrive", "employer", 409),
    (S.CANCELLED, "accept", "employer", 409),
    (S.APPLIED, "complete", "employer", 409),
    (S.WITHDRAWN, "dispatch", "staff", 409),
]


@pytest.mark.parametrize(("status", "action", "kind"), LEGAL)
def test_steps_that_must_be_possible(gig, market, status, action, kind):
    gig.starts_at = utcnow() - timedelta(hours=1)
    application = new_hire(gig, new_worker(market.id), status)
    db.session.commit()
    assert do(action, application, actor_for(application, kind)).changed


@pytest.mark.parametrize(("status", "action", "kind", "http"), REFUSED)
def test_steps_that_must_be_refused(gig, market, status, action, kind, http):
    gig.starts_at = utcnow() - timedelta(hours=1)
    application = new_hire(gig, new_worker(market.id), status)
    db.session.commit()
    with pytest.raises(HireError) as err:
        do(action, application, actor_for(application, kind))
    assert err.value.http_status == http


def test_nobody_acts_on_a_hire_that_is_not_theirs(gig, market, employer):
    application = new_hire(gig, new_worker(market.id))
    stranger = new_worker(market.id)
    other_employer = new_employer(market.id)
    db.session.commit()
    for actor in (
        Actor("worker", stranger.id),
        Actor("employer", other_employer.id),
        Actor("staff", 1, frozenset({market.id + 1000})),
        Actor("kiosk", 7, frozenset({market.id + 1000})),
    ):
        with pytest.raises(HireError) as err:
            hires.accept(application, actor=actor, key=key())
        assert (err.value.code, err.value.http_status) == ("not_yours", 403)
    in_scope = Actor("staff", 1, frozenset({market.id}))
    assert hires.accept(application, actor=in_scope, key=key()).changed


def test_a_kiosk_accepts_a_sign_up_only_on_an_auto_accept_gig(gig, market):
    application = new_hire(gig, new_worker(market.id))
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(application, actor=Actor("kiosk", 3), key=key())
    assert err.value.code == "not_allowed"
    assert hires.actions_for(application, Actor("kiosk", 3)) == ["withdraw"]


# -- a whole hire, with its texts -----------------------------------------------------------------


def test_a_whole_hire_from_invitation_to_paid_with_texts_to_the_other_side(gig, market, employer):
    worker = new_worker(market.id)
    db.session.commit()
    worker_phone = identity.worker_phone(worker)
    boss_phone = identity.reveal(gig, "contact_phone")
    boss, me = Actor("employer", employer.id), Actor("worker", worker.id)

    application = hires.invite(gig, worker, actor=boss, key=key()).application
    db.session.commit()
    assert application.status == S.PROPOSED
    assert application.source == ApplicationSource.EMPLOYER_INVITE
    assert len(texts_to(worker_phone)) == 1
    assert texts_to(boss_phone) == []
    assert not hires.phone_visible_to_employer(application)
    assert hires.actions_for(application, me) == ["accept", "decline"]
    assert hires.actions_for(application, boss) == ["withdraw"]

    hires.accept(application, actor=me, key=key())
    db.session.commit()
    assert application.status == S.ACCEPTED
    assert application.worker_verification["status"] == "verified"
    assert application.employer_verification["status"] == "verified"
    assert hires.phone_visible_to_employer(application)
    assert len(texts_to(boss_phone)) == 1
    assert len(texts_to(worker_phone)) == 1
    assert db.session.get(Gig, gig.id).accepted_count == 1

    for step, actor in (("dispatch", boss), ("arrive", boss), ("complete", boss)):
        assert do(step, application, actor).changed
        db.session.commit()
    assert application.status == S.COMPLETED
    assert len(texts_to(worker_phone)) == 4  # invited, dispatched, arrived, completed
    assert len(texts_to(boss_phone)) == 1  # the employer acted on every step since
    assert application.pay_due_at == hires.pay_due(Settlement.DAILY, application.completed_at)
    assert db.session.get(Worker, worker.id).completed_count == 1
    assert hires.actions_for(application, me) == ["confirm_paid", "rate"]

    hires.confirm_paid(application, actor=me, key=key())
    db.session.commit()
    assert application.status == S.PAID_CONFIRMED
    assert len(texts_to(boss_phone)) == 2
    assert [(e.from_status, e.to_status) for e in events_of(application)] == [
        (None, "proposed"),
        ("proposed", "accepted"),
        ("accepted", "dispatched"),
        ("dispatched", "arrived"),
        ("arrived", "completed"),
        ("completed", "paid_confirmed"),
    ]
    stamps = [
        application.accepted_at,
        application.dispatched_at,
        application.arrived_at,
        application.completed_at,
        application.paid_confirmed_at,
    ]
    assert stamps == sorted(stamps)
    for _, text in outbox():
        assert identity.worker_id_number(worker) not in text


def test_texts_are_sent_only_when_the_step_is_committed(gig, market, employer):
    application = new_hire(gig, new_worker(market.id))
    db.session.commit()
    sent = len(outbox())
    hires.accept(application, actor=Actor("employer", employer.id), key=key())
    db.session.rollback()
    assert len(outbox()) == sent
    db.session.refresh(application)
    assert application.status == S.APPLIED
    hires.accept(application, actor=Actor("employer", employer.id), key=key())
    db.session.commit()
    assert len(outbox()) == sent + 1


def test_no_phone_no_text_and_no_error(gig, market, employer):
    worker = new_worker(market.id)
    worker.phone_enc = worker.phone_index = None
    application = new_hire(gig, worker)
    db.session.commit()
    sent = len(outbox())
    assert hires.accept(application, actor=Actor("employer", employer.id), key=key()).changed
    db.session.commit()
    assert len(outbox()) == sent


# -- places ---------------------------------------------------------------------------------------


def test_the_last_place_fills_the_gig_and_a_cancel_opens_it_again(ctx, market, employer):
    gig = new_gig(employer, headcount=2)
    first, second, third = (new_hire(gig, new_worker(market.id)) for _ in range(3))
    db.session.commit()
    boss = Actor("employer", employer.id)
    hires.accept(first, actor=boss, key=key())
    hires.accept(second, actor=boss, key=key())
    db.session.commit()
    assert (gig.accepted_count, gig.status) == (2, GigStatus.FILLED)
    assert gig.revisions[-1].reason.startswith("filled")
    with pytest.raises(HireError) as err:
        hires.accept(third, actor=boss, key=key())
    assert (err.value.code, err.value.http_status) == ("full", 409)
    hires.cancel(first, actor=boss, key=key(), reason="人够了")
    db.session.commit()
    db.session.refresh(gig)
    assert (gig.accepted_count, gig.status) == (1, GigStatus.OPEN)
    assert gig.revisions[-1].reason.startswith("reopened")
    assert hires.accept(third, actor=boss, key=key()).changed
    db.session.commit()
    assert db.session.get(Gig, gig.id).accepted_count == 2


def test_full_when_the_count_is_at_the_headcount(ctx, market, employer):
    gig = new_gig(employer, headcount=1)
    new_hire(gig, new_worker(market.id), S.ACCEPTED)  # count 1, status still open
    late = new_hire(gig, new_worker(market.id))
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(late, actor=Actor("employer", employer.id), key=key())
    assert (err.value.code, err.value.http_status) == ("full", 409)
    db.session.refresh(late)
    assert late.status == S.APPLIED
    assert db.session.get(Gig, gig.id).accepted_count == 1


def test_a_started_filled_gig_does_not_open_again(ctx, market, employer):
    gig = new_gig(employer, headcount=1, starts_in=timedelta(hours=-2))
    application = new_hire(gig, new_worker(market.id), S.DISPATCHED)
    gig.status = GigStatus.FILLED
    db.session.commit()
    hires.report_no_show(application, actor=Actor("employer", employer.id), key=key())
    db.session.commit()
    db.session.refresh(gig)
    assert (gig.accepted_count, gig.status) == (0, GigStatus.FILLED)


# -- who may be taken on --------------------------------------------------------------------------


def test_accept_checks_both_real_names_sanctions_age_and_time(ctx, market, employer, staff):
    boss = Actor("employer", employer.id)
    gig = new_gig(employer, heavy=True)
    cases = []

    unverified = new_worker(market.id, verified=False)
    cases.append((new_hire(gig, unverified), "worker_unverified", 403))
    minor_birth = gig.starts_at.date().replace(year=gig.starts_at.year - 17)
    minor = new_worker(market.id, birth=minor_birth)
    cases.append((new_hire(gig, minor), "minor_hazardous", 403))
    banned = new_worker(market.id)
    db.session.add(
        Sanction(
            subject_kind=SubjectKind.WORKER,
            worker_id=banned.id,
            reason="多次恶意爽约",
            reviewer_id=staff.id,
            starts_at=utcnow() - timedelta(days=1),
        )
    )
    cases.append((new_hire(gig, banned), "sanctioned", 403))
    db.session.commit()
    for application, code, http in cases:
        with pytest.raises(HireError) as err:
            hires.accept(application, actor=boss, key=key())
        assert (err.value.code, err.value.http_status) == (code, http)
        db.session.refresh(application)
        assert application.status == S.APPLIED

    # an expired or lifted sanction no longer stands
    db.session.execute(
        update(Sanction)
        .where(Sanction.worker_id == banned.id)
        .values(expires_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    assert hires.accept(cases[2][0], actor=boss, key=key()).changed
    db.session.commit()

    # the employer's verification lapses: nobody more is taken on
    lapsing = new_hire(gig, new_worker(market.id))
    employer.verification_status = VerificationStatus.EXPIRED
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(lapsing, actor=boss, key=key())
    assert err.value.code == "employer_unverified"


def test_no_one_is_taken_on_for_two_gigs_at_once(ctx, market, employer):
    boss = Actor("employer", employer.id)
    morning = new_gig(employer, starts_in=timedelta(days=1), hours=9)
    overlapping = new_gig(employer, starts_in=timedelta(days=1, hours=4), hours=9)
    next_day = new_gig(employer, starts_in=timedelta(days=2), hours=9)
    worker = new_worker(market.id)
    held = new_hire(morning, worker, S.ACCEPTED)
    clash = new_hire(overlapping, worker)
    fine = new_hire(next_day, worker)
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(clash, actor=boss, key=key())
    assert (err.value.code, err.value.http_status) == ("overlap", 409)
    assert hires.accept(fine, actor=boss, key=key()).changed
    hires.cancel(held, actor=boss, key=key(), reason="工期调整")
    db.session.commit()
    assert hires.accept(clash, actor=boss, key=key()).changed


def test_a_gig_that_has_ended_takes_nobody_on(ctx, market, employer):
    gig = new_gig(employer, starts_in=timedelta(hours=-10), hours=9)
    application = new_hire(gig, new_worker(market.id))
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(application, actor=Actor("employer", employer.id), key=key())
    assert err.value.code == "gig_closed"


# -- idempotency ----------------------------------------------------------------------------------


def test_a_repeated_key_answers_the_first_result_without_a_second_event(gig, market, employer):
    application = new_hire(gig, new_worker(market.id))
    db.session.commit()
    boss = Actor("employer", employer.id)
    first = hires.accept(application, actor=boss, key="tap-1")
    db.session.commit()
    again = hires.accept(application, actor=boss, key="tap-1")
    db.session.commit()
    assert first.changed
    assert not again.changed
    assert again.application.id == application.id
    assert [e.to_status for e in events_of(application)] == ["accepted"]
    assert db.session.get(Gig, gig.id).accepted_count == 1
    # another tap with another key: already there, nothing changes either
    assert not hires.accept(application, actor=boss, key="tap-2").changed
    # the key again, for another step or another hire: refused, never a 500
    with pytest.raises(HireError) as err:
        hires.dispatch(application, actor=boss, key="tap-1")
    assert (err.value.code, err.value.http_status, err.value.field) == (
        "key_reused",
        422,
        "Idempotency-Key",
    )
    other = new_hire(gig, new_worker(market.id))
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.accept(other, actor=boss, key="tap-1")
    assert err.value.code == "key_reused"
    assert len(events_of(application)) == 1


def test_an_invitation_twice_is_one_row(gig, market, employer):
    worker = new_worker(market.id)
    db.session.commit()
    boss = Actor("employer", employer.id)
    first = hires.invite(gig, worker, actor=boss, key="inv-1")
    db.session.commit()
    again = hires.invite(gig, worker, actor=boss, key="inv-1")
    other_key = hires.invite(gig, worker, actor=boss, key="inv-2")
    assert first.changed
    assert not again.changed
    assert not other_key.changed
    assert again.application.id == first.application.id == other_key.application.id
    count_rows = db.session.scalar(select(func.count(Application.id)))
    assert count_rows == 1
    with pytest.raises(HireError) as err:
        hires.invite(gig, new_worker(market.id), actor=boss, key="inv-1")
    assert err.value.code == "key_reused"


# -- cancellations, no-shows, appeals -------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_in", "late"), [(timedelta(hours=13), False), (timedelta(hours=11), True)]
)
def test_a_worker_cancelling_late_is_counted(ctx, market, employer, starts_in, late):
    gig = new_gig(employer, starts_in=starts_in)
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.ACCEPTED)
    db.session.commit()
    hires.cancel(application, actor=Actor("worker", worker.id), key=key(), reason="家里有事")
    db.session.commit()
    assert application.status == S.CANCELLED
    assert application.late_cancel is late
    assert application.end_reason == "家里有事"
    assert db.session.get(Worker, worker.id).late_cancel_count == int(late)
    credits = db.session.scalars(select(CreditEvent)).all()
    assert [(c.kind, c.subject_kind) for c in credits] == (
        [("late_cancel", SubjectKind.WORKER)] if late else []
    )
    assert db.session.get(Gig, gig.id).accepted_count == 0
    assert texts_to(identity.reveal(gig, "contact_phone"))  # the employer heard of it


def test_an_employer_cancelling_late_loses_credit(ctx, market, employer):
    gig = new_gig(employer, starts_in=timedelta(hours=2))
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.DISPATCHED)
    db.session.commit()
    hires.cancel(application, actor=Actor("employer", employer.id), key=key(), reason="下雨停工")
    db.session.commit()
    assert application.late_cancel
    assert db.session.get(Employer, employer.id).credit_score == 100 + hires.LATE_CANCEL_POINTS
    assert db.session.get(Worker, worker.id).late_cancel_count == 0
    assert texts_to(identity.worker_phone(worker))


def test_a_cancel_needs_a_reason(gig, market):
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.ACCEPTED)
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.cancel(application, actor=Actor("worker", worker.id), key=key(), reason="  ")
    assert (err.value.code, err.value.http_status, err.value.field) == (
        "reason_missing",
        422,
        "reason",
    )


def test_a_no_show_waits_for_the_grace_then_counts_and_can_be_appealed(
    ctx, market, employer, staff
):
    gig = new_gig(employer, starts_in=timedelta(minutes=-20))
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.DISPATCHED)
    db.session.commit()
    boss = Actor("employer", employer.id)
    with pytest.raises(HireError) as err:
        hires.report_no_show(application, actor=boss, key=key())
    assert (err.value.code, err.value.http_status) == ("too_early", 409)
    assert "no_show" not in hires.actions_for(application, boss)

    gig.starts_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert "no_show" in hires.actions_for(application, boss)
    hires.report_no_show(application, actor=boss, key=key(), note="电话不接")
    db.session.commit()
    assert application.status == S.NO_SHOW
    assert db.session.get(Worker, worker.id).no_show_count == 1
    assert db.session.get(Gig, gig.id).accepted_count == 0
    assert texts_to(identity.worker_phone(worker))
    credit = db.session.scalar(select(CreditEvent))
    assert (credit.kind, credit.worker_id, credit.appeal_status) == ("no_show", worker.id, None)

    with pytest.raises(HireError) as err:
        hires.appeal(credit, actor=Actor("worker", worker.id + 1000), note="不是我")
    assert err.value.code == "not_yours"
    hires.appeal(credit, actor=Actor("worker", worker.id), note="当天生病，有医院证明")
    hires.appeal(credit, actor=Actor("worker", worker.id), note="再点一次")  # a double tap
    db.session.commit()
    assert credit.appeal_status == "pending"
    assert credit.appeal_note == "当天生病，有医院证明"

    hires.decide_appeal(credit, staff_id=staff.id, uphold=False, note="证明属实")
    db.session.commit()
    assert credit.appeal_status == "voided"
    assert db.session.get(Worker, worker.id).no_show_count == 0
    with pytest.raises(HireError) as err:
        hires.decide_appeal(credit, staff_id=staff.id, uphold=True, note="改判")
    assert err.value.code == "not_pending"
    with pytest.raises(HireError) as err:
        hires.appeal(credit, actor=Actor("worker", worker.id), note="again")
    assert err.value.code == "appeal_decided"
    assert db.session.get(Worker, worker.id).no_show_count == 0


def test_an_upheld_appeal_keeps_the_figure(ctx, market, employer, staff):
    gig = new_gig(employer, starts_in=timedelta(hours=-1))
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.ACCEPTED)
    db.session.commit()
    hires.report_no_show(application, actor=Actor("staff", staff.id), key=key())
    credit = db.session.scalar(select(CreditEvent))
    hires.appeal(credit, actor=Actor("staff", staff.id), note="本人到窗口申诉")
    hires.decide_appeal(credit, staff_id=staff.id, uphold=True, note="雇主有考勤记录")
    db.session.commit()
    assert credit.appeal_status == "upheld"
    assert db.session.get(Worker, worker.id).no_show_count == 1


# -- ratings --------------------------------------------------------------------------------------


def test_each_side_rates_once_after_the_work(gig, market, employer):
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.ARRIVED)
    db.session.commit()
    boss, me = Actor("employer", employer.id), Actor("worker", worker.id)
    with pytest.raises(HireError) as err:
        hires.rate(application, actor=boss, stars=5, key=key())
    assert err.value.code == "illegal_transition"
    hires.complete(application, actor=boss, key=key())
    db.session.commit()
    for stars in (0, 6, True, "5"):
        with pytest.raises(HireError) as err:
            hires.rate(application, actor=boss, stars=stars, key=key())
        assert (err.value.code, err.value.http_status, err.value.field) == (
            "stars_invalid",
            422,
            "stars",
        )
    assert hires.rate(application, actor=boss, stars=5, key="rate-1").changed
    assert not hires.rate(application, actor=boss, stars=5, key="rate-1").changed  # replay
    with pytest.raises(HireError) as err:
        hires.rate(application, actor=boss, stars=1, key=key())
    assert (err.value.code, err.value.http_status) == ("already_rated", 409)
    assert hires.rate(application, actor=me, stars=3, key=key()).changed
    with pytest.raises(HireError) as err:
        hires.rate(application, actor=Actor("staff", 1), stars=3, key=key())
    assert err.value.code == "not_allowed"
    db.session.commit()
    assert (application.employer_rating, application.worker_rating) == (5, 3)
    fresh = db.session.get(Worker, worker.id)
    assert (fresh.rating_sum, fresh.rating_count) == (5, 1)
    assert "rate" not in hires.actions_for(application, boss)


# -- pay due and the unpaid-wages alert -----------------------------------------------------------


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settlement", "completed", "due"),
    [
        # 2026-05-01 10:00 in Shanghai is 02:00 UTC; that local day ends at 15:59:59 UTC
        (Settlement.DAILY, _utc(2026, 5, 1, 2, 0), _utc(2026, 5, 1, 15, 59, 59)),
        (Settlement.DAILY, _utc(2026, 5, 1, 17, 0), _utc(2026, 5, 2, 15, 59, 59)),
        (Settlement.WEEKLY, _utc(2026, 5, 1, 2, 0), _utc(2026, 5, 8, 2, 0)),
        (Settlement.ON_COMPLETION, _utc(2026, 5, 1, 2, 0), _utc(2026, 5, 2, 2, 0)),
        (Settlement.MONTHLY, _utc(2026, 5, 1, 2, 0), _utc(2026, 6, 1, 2, 0)),
    ],
)
def test_pay_falls_due_by_the_settlement(ctx, settlement, completed, due):
    assert hires.pay_due(settlement, completed) == due


def test_the_wage_alert_is_raised_once_after_pay_falls_due(ctx, market, employer):
    from webapp.jobs import JOBS, run_job

    assert "wage_alerts" in JOBS
    gig = new_gig(employer, settlement=Settlement.ON_COMPLETION)
    worker = new_worker(market.id)
    unpaid = new_hire(gig, worker, S.COMPLETED)
    paid = new_hire(gig, new_worker(market.id), S.PAID_CONFIRMED)
    not_due = new_hire(gig, new_worker(market.id), S.COMPLETED)
    for row in (unpaid, paid):
        row.pay_due_at = utcnow() - timedelta(minutes=1)
    not_due.pay_due_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    worker_phone, boss_phone = identity.worker_phone(worker), identity.reveal(gig, "contact_phone")

    assert run_job("wage_alerts") == 1
    assert run_job("wage_alerts") == 0
    assert hires.raise_wage_alerts() == 0
    db.session.refresh(unpaid)
    assert unpaid.pay_alert_at is not None
    assert len(texts_to(worker_phone)) == 1
    assert len(texts_to(boss_phone)) == 1
    assert "0371-66668888" in texts_to(worker_phone)[0]  # the station's hotline
    credits = db.session.scalars(select(CreditEvent)).all()
    assert [(c.kind, c.employer_id, c.application_id) for c in credits] == [
        ("wage_arrears", employer.id, unpaid.id)
    ]
    assert db.session.get(Employer, employer.id).credit_score == 100 + hires.WAGE_ARREARS_POINTS
    assert [a.id for a in hires.open_alerts({market.id})] == [unpaid.id]
    assert hires.open_alerts({market.id + 1000}) == []

    hires.confirm_paid(unpaid, actor=Actor("worker", worker.id), key=key())
    db.session.commit()
    assert hires.open_alerts({market.id}) == []
    assert hires.raise_wage_alerts(now=utcnow() + timedelta(days=2)) == 1  # not_due, now due


# -- kiosks and the staff desk --------------------------------------------------------------------


def test_a_walk_in_on_an_auto_accept_gig_is_taken_on_and_dispatched(ctx, market, employer):
    gig = new_gig(employer, headcount=2, auto_accept=True)
    first, busy, late = (new_worker(market.id) for _ in range(3))
    elsewhere = new_gig(employer, starts_in=timedelta(days=1, hours=1))
    new_hire(elsewhere, busy, S.ACCEPTED)
    db.session.commit()
    outcome = hires.sign_up_at_kiosk(gig, first, kiosk_id=3, key="kiosk-1")
    db.session.commit()
    application = outcome.application
    assert outcome.changed
    assert (application.status, application.source) == (
        S.DISPATCHED,
        ApplicationSource.KIOSK_RECOMMENDATION,
    )
    assert [e.to_status for e in events_of(application)] == ["applied", "accepted", "dispatched"]
    assert {e.actor_kind for e in events_of(application)} == {"kiosk"}
    assert len(texts_to(identity.worker_phone(first))) == 1  # one text: the dispatch
    again = hires.sign_up_at_kiosk(gig, first, kiosk_id=3, key="kiosk-1")
    assert not again.changed
    assert again.application.id == application.id
    # taken on elsewhere at the same time: signed up, waiting for the employer
    waiting = hires.sign_up_at_kiosk(gig, busy, kiosk_id=3, key="kiosk-2")
    db.session.commit()
    assert waiting.changed
    assert waiting.application.status == S.APPLIED
    assert db.session.get(Gig, gig.id).accepted_count == 1
    # the last place goes; then the gig takes no more sign-ups
    hires.sign_up_at_kiosk(gig, new_worker(market.id), kiosk_id=3, key="kiosk-3")
    db.session.commit()
    assert db.session.get(Gig, gig.id).status == GigStatus.FILLED
    with pytest.raises(HireError) as err:
        hires.sign_up_at_kiosk(gig, late, kiosk_id=3, key="kiosk-4")
    assert err.value.code == "full"


def test_a_walk_in_on_an_ordinary_gig_waits_for_the_employer(gig, market):
    outcome = hires.sign_up_at_kiosk(gig, new_worker(market.id), kiosk_id=3, key="kiosk-3")
    db.session.commit()
    assert outcome.application.status == S.APPLIED


def test_staff_dispatch_is_one_touch_and_all_or_nothing(ctx, market, employer, staff):
    gig = new_gig(employer, headcount=1)
    first, second = new_worker(market.id), new_worker(market.id)
    db.session.commit()
    outcome = hires.staff_dispatch(gig, first, staff_id=staff.id, key="desk-1")
    db.session.commit()
    assert outcome.changed
    assert (outcome.application.status, outcome.application.source) == (
        S.DISPATCHED,
        ApplicationSource.STAFF_DISPATCH,
    )
    assert not hires.staff_dispatch(gig, first, staff_id=staff.id, key="desk-1").changed
    with pytest.raises(HireError) as err:
        hires.staff_dispatch(gig, second, staff_id=staff.id, key="desk-2")
    assert err.value.code == "full"  # filled by the first
    db.session.commit()
    assert db.session.scalar(select(func.count(Application.id))) == 1  # nothing left behind
    with pytest.raises(HireError) as err:
        hires.staff_dispatch(
            gig, second, staff_id=staff.id, key="desk-3", market_ids={market.id + 1000}
        )
    assert err.value.code == "not_yours"


# -- arrival by the worker's personal QR ----------------------------------------------------------


def test_the_employer_scans_the_worker_code_at_the_site(gig, market, employer):
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.DISPATCHED)
    db.session.commit()
    boss = Actor("employer", employer.id)
    payload = qr.worker_payload(worker.public_id, worker.qr_version)
    for bad, code in (
        ("GM1:w:forged", "qr_invalid"),
        (qr.gig_payload(gig.public_id), "qr_invalid"),
        (qr.worker_payload(worker.public_id, worker.qr_version + 1), "qr_outdated"),
    ):
        with pytest.raises(HireError) as err:
            hires.arrival_by_worker_qr(gig, bad, actor=boss, key=key())
        assert (err.value.code, err.value.http_status, err.value.field) == (code, 422, "payload")
    stranger = new_worker(market.id)
    db.session.commit()
    with pytest.raises(HireError) as err:
        hires.arrival_by_worker_qr(
            gig, qr.worker_payload(stranger.public_id, 1), actor=boss, key=key()
        )
    assert err.value.code == "not_on_gig"
    with pytest.raises(HireError) as err:
        hires.arrival_by_worker_qr(
            gig, payload, actor=Actor("employer", employer.id + 1000), key=key()
        )
    assert err.value.code == "not_yours"
    outcome = hires.arrival_by_worker_qr(gig, payload, actor=boss, key="scan-1")
    db.session.commit()
    assert outcome.changed
    assert application.status == S.ARRIVED
    assert not hires.arrival_by_worker_qr(gig, payload, actor=boss, key="scan-2").changed


# -- the sign-up service keeps its promises -------------------------------------------------------


def test_a_done_hire_is_never_reset_by_a_new_sign_up(gig, market):
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.COMPLETED)
    db.session.commit()
    again, created = applications.sign_up(worker, gig, idempotency_key="again")
    assert not created
    assert again.id == application.id
    assert again.status == S.COMPLETED


def test_a_worker_may_sign_up_again_after_a_cancel(gig, market):
    worker = new_worker(market.id)
    application = new_hire(gig, worker, S.CANCELLED)
    application.late_cancel = True
    db.session.commit()
    again, created = applications.sign_up(worker, gig, idempotency_key="back")
    db.session.commit()
    assert created
    assert again.id == application.id
    assert (again.status, again.late_cancel, again.accepted_at) == (S.APPLIED, False, None)


def test_withdrawing_an_invitation_declines_it(gig, market, employer):
    worker = new_worker(market.id)
    invited = hires.invite(gig, worker, actor=Actor("employer", employer.id), key=key())
    applications.withdraw(invited.application, worker)
    db.session.commit()
    assert invited.application.status == S.DECLINED


def test_sign_ups_refuse_a_sanctioned_worker(gig, market, staff):
    worker = new_worker(market.id)
    db.session.add(
        Sanction(
            subject_kind=SubjectKind.WORKER,
            worker_id=worker.id,
            reason="冒用他人身份",
            reviewer_id=staff.id,
            starts_at=utcnow() - timedelta(days=1),
            expires_at=utcnow() + timedelta(days=30),
        )
    )
    db.session.commit()
    with pytest.raises(applications.ApplicationError) as err:
        applications.sign_up(worker, gig, idempotency_key="banned")
    assert err.value.code == "sanctioned"


def test_a_revision_is_written_when_the_gig_fills(ctx, market, employer):
    gig = new_gig(employer, headcount=1)
    application = new_hire(gig, new_worker(market.id))
    db.session.commit()
    hires.accept(application, actor=Actor("staff", 1), key=key())
    db.session.commit()
    revisions = db.session.scalars(select(GigRevision).where(GigRevision.gig_id == gig.id)).all()
    assert [(r.actor_kind, r.snapshot["status"]) for r in revisions] == [("system", "filled")]
