"""Who applied to which gig and how far each application got: candidates, lifecycle
timestamps in order, the gigs' resulting status, then the rows and their event trail."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from webapp.extensions import db
from webapp.models import Application, ApplicationEvent
from webapp.models.types import (
    HELD_STATUSES,
    ApplicationSource,
    ApplicationStatus,
    GigStatus,
    Settlement,
    VerificationStatus,
)

from .context import (
    BATCH,
    AppPlan,
    Context,
    GigPlan,
    WorkerPlan,
    bulk_insert,
    full_years,
    local_at,
    local_date,
)

S = ApplicationStatus
# Statuses that hold one of the gig's places: Gig.accepted_count counts exactly these.
_STEPS = (S.PROPOSED, S.APPLIED, S.ACCEPTED, S.DISPATCHED, S.ARRIVED, S.COMPLETED, S.PAID_CONFIRMED)
# The last step reached before a row ends in a negative status.
_ENDS_AFTER = {
    S.DECLINED: S.APPLIED,
    S.WITHDRAWN: S.APPLIED,
    S.CANCELLED: S.ACCEPTED,
    S.NO_SHOW: S.DISPATCHED,
}


def plan_applications(ctx: Context) -> None:
    """Applications for every reviewed gig, in every lifecycle state."""
    by_trade: dict[tuple[str, str], list[WorkerPlan]] = defaultdict(list)
    for w in ctx.workers:
        for code in w.trades:
            by_trade[w.city, code].append(w)
            by_trade["*", code].append(w)
    for gig in ctx.gigs:
        if gig.plan in ("pending", "rejected"):
            continue
        _apps_for(ctx, gig, _candidates(ctx, gig, by_trade))
        _settle_gig(ctx, gig)
    total = sum(len(g.apps) for g in ctx.gigs)
    ctx.progress(f"applications {total}")


def _candidates(ctx: Context, gig: GigPlan, by_trade: dict) -> list[WorkerPlan]:
    """Eligible workers for a gig, regulars first; other cities when the city runs short."""
    city = ctx.stations[gig.station].spec.city
    local = by_trade.get((city, gig.row.trade_code), [])
    others = by_trade.get(("*", gig.row.trade_code), [])
    pool = [w for w in local if _eligible(w, gig)]
    ordered = ctx.weighted_order(pool, [w.weight for w in pool])
    if len(ordered) < gig.row.headcount + 3:
        extra = [w for w in others if w.city != city and _eligible(w, gig)]
        ordered += ctx.weighted_order(extra, [w.weight for w in extra])
    return ordered


def _eligible(worker: WorkerPlan, gig: GigPlan) -> bool:
    """Registered before the review, adult for heavy work, certified and skilled enough."""
    row = gig.row
    if worker.reg_at >= gig.reviewed_at:
        return False
    if row.heavy_or_hazardous and full_years(worker.birth, local_date(row.starts_at)) < 18:
        return False
    if any(c not in worker.certs for c in row.certificates_required):
        return False
    level = worker.trades.get(row.trade_code, 0)
    return not (row.skill_level_required and (level == 0 or level > row.skill_level_required))


def _free(worker: WorkerPlan, gig: GigPlan) -> bool:
    """Whether the worker holds no other place overlapping the gig."""
    start, end = gig.row.starts_at, gig.row.ends_at
    return all(end <= s or e <= start for s, e in worker.busy)


def _apps_for(ctx: Context, gig: GigPlan, candidates: list[WorkerPlan]) -> None:
    """Plan the gig's applications: the places held, then the declined, withdrawn and others."""
    rng = ctx.rng
    head = gig.row.headcount
    if gig.plan == "filled" or (gig.phase == "ongoing" and rng.random() < 0.6):
        held_target = head
    elif gig.phase == "future":
        held_target = rng.randint(0, head)
    else:
        held_target = rng.randint(0, max(0, head - 1))
    starts_tomorrow = local_date(gig.row.starts_at) == ctx.today + timedelta(days=1)
    if gig.phase == "past":
        extras = (
            [S.DECLINED] * rng.choice((0, 0, 1, 1, 2))
            + [S.WITHDRAWN] * rng.choice((0, 0, 0, 1))
            + [S.CANCELLED] * rng.choice((0, 0, 0, 1))
        )
        if rng.random() < 0.15:
            extras.append(S.NO_SHOW)
    elif gig.phase == "ongoing":
        extras = [S.DECLINED] * rng.choice((0, 1)) + [S.NO_SHOW] * rng.choice((0, 0, 1))
    else:
        extras = (
            [S.DECLINED] * rng.choice((0, 1))
            + [S.WITHDRAWN] * rng.choice((0, 0, 1))
            + [S.CANCELLED] * rng.choice((0, 0, 1))
        )
        if held_target < head:  # answers still pending only where places are left
            extras += [S.PROPOSED] * rng.choice((0, 1, 2)) + [S.APPLIED] * rng.randint(1, 3)
    used: set[int] = set()
    held = 0
    for worker in candidates:
        if held >= held_target:
            break
        if worker.index in used or not _free(worker, gig):
            continue
        status = _held_status(ctx, gig, starts_tomorrow)
        app = _timeline(ctx, gig, worker, status)
        if app is None:
            continue
        used.add(worker.index)
        gig.apps.append(app)
        worker.busy.append((gig.row.starts_at, gig.row.ends_at))
        if status in (S.ARRIVED, S.COMPLETED, S.PAID_CONFIRMED):
            day = local_date(gig.row.starts_at)
            while day <= min(local_date(gig.row.ends_at), ctx.today - timedelta(days=1)):
                worker.busy_days.add(day)
                day += timedelta(days=1)
        held += 1
    rest = [w for w in candidates if w.index not in used]
    for status in extras:
        for worker in rest:
            if worker.index in used:
                continue
            if _ENDS_AFTER.get(status) in (S.ACCEPTED, S.DISPATCHED) and not _free(worker, gig):
                continue
            app = _timeline(ctx, gig, worker, status)
            if app is None:
                continue
            used.add(worker.index)
            gig.apps.append(app)
            break


def _held_status(ctx: Context, gig: GigPlan, starts_tomorrow: bool) -> ApplicationStatus:
    """How far a held place has got, by the gig's phase."""
    rng = ctx.rng
    if gig.phase == "past":
        if gig is ctx.arrears_gig:
            return S.COMPLETED
        return S.COMPLETED if rng.random() < 0.06 else S.PAID_CONFIRMED
    if gig.phase == "ongoing":
        return S.ARRIVED if rng.random() < 0.85 else S.DISPATCHED
    if starts_tomorrow and rng.random() < 0.6:
        return S.DISPATCHED
    return S.ACCEPTED


def _first_contact(ctx: Context, gig: GigPlan, source: ApplicationSource, close: datetime):
    """When the worker and the gig first met; kiosk and staff paths need opening hours."""
    open_ = gig.reviewed_at + timedelta(minutes=5)
    if close <= open_:
        return None
    if source in (ApplicationSource.KIOSK_RECOMMENDATION, ApplicationSource.STAFF_DISPATCH):
        spec = ctx.stations[gig.station].spec
        windows = []
        day = local_date(open_)
        while day <= local_date(close):
            lo = max(open_, local_at(day, spec.opens) + timedelta(minutes=5))
            hi = min(close, local_at(day, spec.closes) - timedelta(minutes=30))
            if lo < hi:
                windows.append((lo, hi))
            day += timedelta(days=1)
        if not windows:
            return None
        # Walk-ins meet gigs in the morning rush, mostly close to the start.
        lo, hi = windows[-1] if ctx.rng.random() < 0.7 else ctx.rng.choice(windows)
        return ctx.between(lo, min(hi, lo + timedelta(minutes=150)))
    return ctx.between(open_, close)


def _timeline(
    ctx: Context, gig: GigPlan, worker: WorkerPlan, status: ApplicationStatus
) -> AppPlan | None:
    """Timestamps for each step up to `status`, in order; None if impossible."""
    rng = ctx.rng
    row = gig.row
    start = row.starts_at
    limit = min(start - timedelta(minutes=10), ctx.cutoff - timedelta(minutes=1))
    close = min(start - timedelta(minutes=30), ctx.cutoff - timedelta(minutes=30))
    if status is S.PROPOSED:
        sources = (ApplicationSource.KIOSK_RECOMMENDATION, ApplicationSource.EMPLOYER_INVITE)
        weights = (70, 30)
    else:
        sources = tuple(ApplicationSource)
        weights = (35, 30, 20, 15)
    source = rng.choices(sources, weights=weights, k=1)[0]
    first = _first_contact(ctx, gig, source, close)
    if first is None and status is not S.PROPOSED:
        source = ApplicationSource.WORKER_SELF
        first = _first_contact(ctx, gig, source, close)
    if first is None:
        return None
    walk_in = source in (
        ApplicationSource.KIOSK_RECOMMENDATION,
        ApplicationSource.STAFF_DISPATCH,
    )
    times: dict[ApplicationStatus, datetime] = {}
    if source in (ApplicationSource.KIOSK_RECOMMENDATION, ApplicationSource.EMPLOYER_INVITE):
        times[S.PROPOSED] = first
    target = _ENDS_AFTER.get(status, status)
    chain = _STEPS[1 : _STEPS.index(target) + 1] if target is not S.PROPOSED else ()
    prev = first
    for step in chain:
        if step is S.APPLIED:
            if S.PROPOSED in times:
                delta = ctx.minutes(1, 4) if walk_in else ctx.minutes(10, 600)
                moment = ctx.step(prev, delta, limit)
            else:
                moment = first
        elif step is S.ACCEPTED:
            delta = ctx.minutes(2, 40) if walk_in else ctx.minutes(10, 480)
            moment = ctx.step(prev, delta, limit)
        elif step is S.DISPATCHED:
            if walk_in:
                moment = ctx.step(prev, ctx.minutes(1, 10), limit)
            else:
                target_at = start - ctx.minutes(40, 180)
                moment = (
                    target_at
                    if prev < target_at < limit
                    else ctx.step(prev, ctx.minutes(5, 30), limit)
                )
        elif step is S.ARRIVED:
            moment = max(prev + timedelta(minutes=1), start + ctx.minutes(-20, 20))
        elif step is S.COMPLETED:
            moment = row.ends_at + ctx.minutes(0, 40)
        else:  # paid_confirmed
            moment = prev + _pay_delay(ctx, row.settlement)
            if moment >= ctx.cutoff:
                status = S.COMPLETED  # not paid yet: feeds the 欠薪 alert
                break
        if moment >= ctx.cutoff or moment <= prev and step is not S.APPLIED:
            return None
        times[step] = moment
        prev = moment
    app = AppPlan(worker, source, status, times)
    if status in _ENDS_AFTER:
        end_limit = limit if status is not S.NO_SHOW else ctx.cutoff
        if status is S.NO_SHOW:
            ended = start + ctx.minutes(60, 120)
            if ended >= ctx.cutoff:
                return None
        else:
            ended = ctx.step(prev, ctx.minutes(10, 1440), end_limit)
        app.ended_at = ended
        if status is S.CANCELLED:
            app.end_actor = "worker" if rng.random() < 0.6 else "employer"
            app.late_cancel = app.end_actor == "worker" and start - ended < timedelta(hours=24)
        elif status in (S.DECLINED, S.NO_SHOW):
            app.end_actor = "employer"
    if status in (S.COMPLETED, S.PAID_CONFIRMED):
        if gig is ctx.arrears_gig:
            app.dispute = True
            app.worker_rating = 1
            app.followup = "工资未按约定结清，已转投诉处理。"
        elif rng.random() < 0.8:
            app.worker_rating = rng.choices((5, 4, 3, 2), weights=(60, 30, 8, 2), k=1)[0]
            app.employer_rating = rng.choices((5, 4, 3, 2), weights=(55, 35, 8, 2), k=1)[0]
        if status is S.PAID_CONFIRMED and rng.random() < 0.015:
            app.dispute = True  # settled by mediation, then paid
            app.followup = "工时有争议，经驿站调解按实际工时结算，工人已确认到账。"
        elif not app.dispute and rng.random() < 0.15:
            app.followup = rng.choice(
                (
                    "已电话回访，双方均满意。",
                    "已回访，工人反映活比较累，已向雇主反馈。",
                    "已回访，雇主希望下次继续派同一批人。",
                )
            )
    return app


def _pay_delay(ctx: Context, settlement: Settlement) -> timedelta:
    """How long after completion the pay arrives, by settlement."""
    if settlement is Settlement.DAILY:
        return ctx.minutes(30, 240)
    if settlement is Settlement.WEEKLY:
        return timedelta(days=ctx.rng.randint(1, 7)) + ctx.minutes(0, 600)
    if settlement is Settlement.ON_COMPLETION:
        return ctx.minutes(60, 3 * 24 * 60)
    return timedelta(days=ctx.rng.randint(5, 20))


def _settle_gig(ctx: Context, gig: GigPlan) -> None:
    """Status, accepted count and closing time from the planned applications."""
    row = gig.row
    held = [a for a in gig.apps if a.status in HELD_STATUSES]
    row.accepted_count = len(held)
    accepted_times = sorted(a.times[S.ACCEPTED] for a in held)
    if len(held) == row.headcount and accepted_times:
        row.status = GigStatus.FILLED
        row.closed_at = accepted_times[-1]
    elif gig.phase == "past" and gig.plan == "closed":
        row.status = GigStatus.CLOSED
        lo = accepted_times[-1] if accepted_times else gig.reviewed_at
        row.closed_at = ctx.step(lo, ctx.minutes(30, 1440), min(row.starts_at, ctx.cutoff))
    elif gig.phase == "past":
        row.status = GigStatus.EXPIRED
        row.closed_at = local_at(row.valid_until, time(23, 59))
    else:
        if gig.phase == "ongoing":
            # Still recruiting while the work runs: valid for a day or two more.
            row.valid_until = max(
                row.valid_until, min(local_date(row.ends_at), ctx.today + timedelta(days=2))
            )
        row.status = GigStatus.OPEN


def write_applications(ctx: Context) -> None:
    """Application rows, their events, and the workers' reliability figures."""
    for gig in ctx.gigs:
        for app in gig.apps:
            ctx.app_rows.append((gig, app, _application_row(gig, app)))
    for start in range(0, len(ctx.app_rows), BATCH):
        db.session.add_all([r for _g, _a, r in ctx.app_rows[start : start + BATCH]])
        db.session.flush()
    events = []
    for gig, app, row in ctx.app_rows:
        events.extend(_events(ctx, gig, app, row))
    bulk_insert(ApplicationEvent, events)
    for _gig, app, row in ctx.app_rows:
        w = app.worker.row
        if app.status in (S.COMPLETED, S.PAID_CONFIRMED):
            w.completed_count = (w.completed_count or 0) + 1
            if row.employer_rating:
                w.rating_sum = (w.rating_sum or 0) + row.employer_rating
                w.rating_count = (w.rating_count or 0) + 1
        elif app.status is S.NO_SHOW:
            w.no_show_count = (w.no_show_count or 0) + 1
        elif app.late_cancel:
            w.late_cancel_count = (w.late_cancel_count or 0) + 1


def _application_row(gig: GigPlan, app: AppPlan) -> Application:
    """The Application row of a plan, with the agreed terms once accepted."""
    row = gig.row
    times = app.times
    result = Application(
        gig_id=row.id,
        worker_id=app.worker.row.id,
        source=app.source,
        status=app.status,
        applied_at=times.get(S.APPLIED),
        accepted_at=times.get(S.ACCEPTED),
        dispatched_at=times.get(S.DISPATCHED),
        arrived_at=times.get(S.ARRIVED),
        completed_at=times.get(S.COMPLETED),
        paid_confirmed_at=times.get(S.PAID_CONFIRMED),
        ended_at=app.ended_at,
        worker_rating=app.worker_rating,
        employer_rating=app.employer_rating,
        dispute=app.dispute,
        followup_result=app.followup,
        created_at=app.first_at,
    )
    if S.ACCEPTED in times:
        result.agreed_pay_amount = row.pay_amount
        result.agreed_pay_unit = row.pay_unit
        result.agreed_hours = row.daily_hours
        worker, employer = app.worker.row, gig.employer.row
        result.worker_verification = {
            "status": VerificationStatus.VERIFIED.value,
            "method": worker.verification_method,
            "verified_at": worker.verified_at.isoformat(),
        }
        result.employer_verification = {
            "status": VerificationStatus.VERIFIED.value,
            "method": employer.verification_method,
            "verified_at": employer.verified_at.isoformat(),
            "kind": employer.kind.value,
        }
        if app.status in HELD_STATUSES:
            grace = {
                Settlement.DAILY: timedelta(days=1),
                Settlement.WEEKLY: timedelta(days=7),
                Settlement.ON_COMPLETION: timedelta(days=3),
                Settlement.MONTHLY: timedelta(days=30),
            }[row.settlement]
            result.pay_due_at = row.ends_at + grace
    return result


def _events(ctx: Context, gig: GigPlan, app: AppPlan, row: Application) -> list[dict]:
    """The event trail of one application: who moved it to each step, and when."""
    station = ctx.stations[gig.station]
    worker_id, employer_id = app.worker.row.id, gig.employer.row.id
    kiosk_id = station.kiosks[app.worker.index % len(station.kiosks)].id
    staff_id = station.staff[(app.worker.index + row.gig_id) % len(station.staff)].id
    source = app.source
    events = []
    prev: ApplicationStatus | None = None
    for step in _STEPS:
        moment = app.times.get(step)
        if moment is None:
            continue
        if step is S.PROPOSED:
            actor = (
                ("kiosk", kiosk_id, "现场推荐")
                if source is ApplicationSource.KIOSK_RECOMMENDATION
                else ("employer", employer_id, "雇主邀请")
            )
        elif step is S.APPLIED:
            actor = {
                ApplicationSource.KIOSK_RECOMMENDATION: ("worker", worker_id, "终端报名"),
                ApplicationSource.WORKER_SELF: ("worker", worker_id, "扫码报名"),
                ApplicationSource.STAFF_DISPATCH: ("staff", staff_id, "轮候派工"),
                ApplicationSource.EMPLOYER_INVITE: ("worker", worker_id, "接受邀请"),
            }[source]
        elif step is S.ACCEPTED:
            actor = (
                ("staff", staff_id, "现场确认录用")
                if source is ApplicationSource.STAFF_DISPATCH
                else ("employer", employer_id, None)
            )
        elif step is S.DISPATCHED:
            actor = {
                ApplicationSource.KIOSK_RECOMMENDATION: ("kiosk", kiosk_id, "派工单已打印"),
                ApplicationSource.STAFF_DISPATCH: ("staff", staff_id, "派工单已打印"),
            }.get(source, ("system", None, "电子派工单已发送"))
        elif step is S.ARRIVED:
            actor = ("employer", employer_id, "扫码确认到岗")
        elif step is S.COMPLETED:
            actor = ("employer", employer_id, "确认完工")
        else:
            actor = ("worker", worker_id, "确认工资到账")
        events.append(_event(row.id, prev, step, actor, moment))
        prev = step
    if app.ended_at is not None:
        note = {
            S.DECLINED: "人员已招满",
            S.WITHDRAWN: "个人原因取消报名",
            S.CANCELLED: (
                "临时有事不能到岗" if app.end_actor == "worker" else "工期调整，取消用工"
            ),
            S.NO_SHOW: "未按约定时间到岗",
        }[app.status]
        actor_id = worker_id if app.end_actor == "worker" else employer_id
        events.append(
            _event(row.id, prev, app.status, (app.end_actor, actor_id, note), app.ended_at)
        )
    return events


def _event(app_id: int, prev, step, actor, moment: datetime) -> dict:
    """One ApplicationEvent row as a plain dict."""
    kind, actor_id, note = actor
    return {
        "application_id": app_id,
        "from_status": prev.value if prev is not None else None,
        "to_status": step.value,
        "actor_kind": kind,
        "actor_id": actor_id,
        "note": note,
        "created_at": moment,
    }
