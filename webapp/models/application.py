"""Applications (对接): one worker and one gig through the hire lifecycle."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.gig import Gig
from webapp.models.types import ApplicationSource, ApplicationStatus, PayUnit, enum_type
from webapp.models.worker import Worker


class Application(PublicIdMixin, TimestampMixin, db.Model):
    """A hire record carrying both sides' real-name verification (双实名)."""

    __table_args__ = (
        UniqueConstraint("gig_id", "worker_id"),
        CheckConstraint(
            "worker_rating IS NULL OR worker_rating BETWEEN 1 AND 5", name="worker_rating_range"
        ),
        CheckConstraint(
            "employer_rating IS NULL OR employer_rating BETWEEN 1 AND 5",
            name="employer_rating_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(ForeignKey("gig.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    source: Mapped[ApplicationSource] = mapped_column(
        enum_type(ApplicationSource, "application_source")
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus, "application_status"), index=True
    )
    # An idempotency key per kiosk or phone submit: a double tap returns the first row.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    agreed_pay_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    agreed_pay_unit: Mapped[PayUnit | None] = mapped_column(enum_type(PayUnit, "pay_unit"))
    agreed_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    # 双实名: each side's verification as it stood when the hire was accepted.
    worker_verification: Mapped[dict | None] = mapped_column(JSON)
    employer_verification: Mapped[dict | None] = mapped_column(JSON)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # declined ... no_show
    pay_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # for 欠薪预警
    # When the unpaid-wages alert (欠薪预警) was raised; set once, by the job, conditionally.
    pay_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    end_reason: Mapped[str | None] = mapped_column(String(200))  # why declined / cancelled ...
    late_cancel: Mapped[bool] = mapped_column(default=False, server_default="0")
    worker_rating: Mapped[int | None] = mapped_column(SmallInteger)  # the worker rates the employer
    employer_rating: Mapped[int | None] = mapped_column(
        SmallInteger
    )  # the employer rates the worker
    dispute: Mapped[bool] = mapped_column(default=False)  # 纠纷标记
    followup_result: Mapped[str | None] = mapped_column(Text)  # 回访结果

    gig: Mapped[Gig] = relationship()
    worker: Mapped[Worker] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id"
    )


class ApplicationEvent(TimestampMixin, db.Model):
    """One step of the lifecycle: from, to, who and when (append-only)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(
        String(20)
    )  # worker / employer / staff / kiosk / system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    # The submit's idempotency key: a repeated transition with the same key is answered, not redone.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    application: Mapped[Application] = relationship(back_populates="events")
