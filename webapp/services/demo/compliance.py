"""Complaints with tracking codes, the workers' and one employer's credit events, and the
sanction of the employer in wage arrears (with its audit event)."""

from __future__ import annotations

from datetime import time, timedelta

from webapp.extensions import db
from webapp.models import Complaint, CreditEvent, Sanction
from webapp.models.types import ApplicationStatus, ComplaintStatus, EmployerKind, SubjectKind
from webapp.services import audit, identity

from . import text
from .context import Context, EmployerPlan, local_at, local_date


def build_compliance(ctx: Context) -> None:
    """Complaints with tracking codes, credit events, one sanction."""
    rng = ctx.rng
    credit = []
    for _gig, app, row in ctx.app_rows:
        worker = app.worker.row
        if app.status is ApplicationStatus.NO_SHOW:
            appeal = rng.choice((None, None, None, "pending", "voided"))
            credit.append(
                CreditEvent(
                    subject_kind=SubjectKind.WORKER,
                    worker_id=worker.id,
                    kind="no_show",
                    points=-10,
                    application_id=row.id,
                    note="未按约定时间到岗，且未提前告知。",
                    appeal_status=appeal,
                    appeal_note={
                        "pending": "工人称当天家中老人突发疾病，已提交就诊证明。",
                        "voided": "经核实确因突发疾病未到岗，撤销扣分。",
                    }.get(appeal),
                    created_at=app.ended_at + ctx.minutes(5, 120),
                )
            )
        elif app.late_cancel:
            credit.append(
                CreditEvent(
                    subject_kind=SubjectKind.WORKER,
                    worker_id=worker.id,
                    kind="late_cancel",
                    points=-3,
                    application_id=row.id,
                    note="开工前24小时内取消。",
                    created_at=app.ended_at + ctx.minutes(1, 30),
                )
            )
    arrears = next((e for e in ctx.employers if e.state == "arrears"), None)
    complaints = []
    targets = _complaint_targets(ctx, arrears)
    for (category, content, resolution), (station, employer, gig, contact) in zip(
        text.COMPLAINTS, targets, strict=True
    ):
        if category == "欠薪" and ctx.arrears_gig is not None:
            received = max(ctx.arrears_gig.row.ends_at, ctx.arrears_gig.created_at) + (
                timedelta(days=ctx.rng.randint(8, 10))
            )
            received = min(received, local_at(ctx.sanction_day - timedelta(days=3), time(10)))
        elif resolution:
            received = local_at(ctx.today - timedelta(days=rng.randint(30, 80)), time(9, 0))
        elif category == "服务":
            received = local_at(ctx.today - timedelta(days=rng.randint(4, 8)), time(9, 0))
        else:
            received = local_at(ctx.today - timedelta(days=2), time(9, 0))
        received += ctx.minutes(0, 480)
        code = (
            "TS"
            + local_date(received).strftime("%y%m%d")
            + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(4))
        )
        complaint = Complaint(
            tracking_code=code,
            market=station.market,
            category=category,
            subject=employer.row.name
            if employer
            else ("驿站门口自称中介的人员" if category == "收费" else station.market.name),
            employer_id=employer.row.id if employer else None,
            gig_id=gig.row.id if gig else None,
            content=content,
            contact_name=contact.row.name if contact else None,
            due_at=received + timedelta(days=15 if category != "服务" else 7),
            created_at=received,
        )
        if resolution:
            complaint.status = ComplaintStatus.RESOLVED
            complaint.resolution = resolution
            complaint.handled_by_id = station.admin.id
            limit = ctx.cutoff
            if category == "欠薪":
                limit = local_at(ctx.sanction_day, time(9, 0))
            complaint.resolved_at = ctx.step(received, timedelta(days=rng.randint(2, 9)), limit)
        elif category == "服务":
            complaint.status = ComplaintStatus.IN_PROGRESS
            complaint.handled_by_id = station.admin.id
        complaints.append((complaint, contact))
    db.session.add_all([c for c, _w in complaints])
    db.session.flush()
    for complaint, contact in complaints:
        if contact is not None and contact.phone:
            identity.store(complaint, "contact_phone", contact.phone)

    if arrears is not None and ctx.arrears_gig is not None:
        disputed = [row for gig, _a, row in ctx.app_rows if gig is ctx.arrears_gig and row.dispute]
        start = local_at(ctx.sanction_day, time(10, 0))
        credit.append(
            CreditEvent(
                subject_kind=SubjectKind.EMPLOYER,
                employer_id=arrears.row.id,
                kind="wage_arrears",
                points=-30,
                application_id=disputed[0].id if disputed else None,
                note="拖欠零工工资，经调解仍未支付。",
                created_at=start - timedelta(hours=2),
            )
        )
        arrears.row.credit_score = 70
        station = ctx.stations[arrears.station]
        sanction = Sanction(
            subject_kind=SubjectKind.EMPLOYER,
            employer_id=arrears.row.id,
            reason="拖欠零工工资，经驿站调解后仍拒不支付，已移交劳动保障监察。",
            evidence=f"投诉单 {complaints[0][0].tracking_code}；对接记录及完工确认；调解记录。",
            reviewer_id=station.admin.id,
            starts_at=start,
            expires_at=start + timedelta(days=365),
            created_at=start,
        )
        db.session.add(sanction)
        db.session.flush()
        audit.record(
            "sanction",
            actor_kind="staff",
            actor_id=station.admin.id,
            object_kind="sanction",
            object_id=sanction.id,
            market_id=station.market.id,
            detail={"subject_kind": "employer", "demo_history": True},
        )
    db.session.add_all(credit)
    db.session.flush()


def _complaint_targets(ctx: Context, arrears: EmployerPlan | None):
    """(station, employer, gig, complainant) for each complaint in the bank."""
    first = next(iter(ctx.stations.values()))
    arrears_gig = ctx.arrears_gig
    arrears_worker = arrears_gig.apps[0].worker if arrears_gig and arrears_gig.apps else None
    past = [
        g
        for g in ctx.gigs
        if g.phase == "past"
        and g.apps
        and g is not arrears_gig
        and g.employer.row.kind is EmployerKind.ENTERPRISE
    ]
    fake = ctx.rng.choice(past) if past else None
    fake_worker = fake.apps[0].worker if fake else None
    return (
        (
            ctx.stations[arrears.station] if arrears else first,
            arrears,
            arrears_gig,
            arrears_worker,
        ),
        (
            ctx.stations[fake.station] if fake else first,
            fake.employer if fake else None,
            fake,
            fake_worker,
        ),
        (ctx.stations["erqi"], None, None, None),
        (ctx.stations["xigong"], None, None, ctx.rng.choice(ctx.workers)),
        (ctx.stations["luolong"], None, None, None),
    )
