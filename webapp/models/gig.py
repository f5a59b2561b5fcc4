"""Gigs (用工需求) and their immutable revisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.employer import Employer
from webapp.models.market import Market
from webapp.models.types import GigChannel, GigStatus, PayUnit, Settlement, enum_type


class Gig(PublicIdMixin, TimestampMixin, db.Model):
    """A posting with the standard fields (豫人社规〔2024〕2号 item 八)."""

    __table_args__ = (
        CheckConstraint("headcount > 0", name="headcount_positive"),
        # Accepted never exceeds headcount: the database refuses it even if code forgets.
        CheckConstraint(
            "accepted_count >= 0 AND accepted_count <= headcount", name="not_overbooked"
        ),
        CheckConstraint("pay_amount > 0", name="pay_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    trade_code: Mapped[str] = mapped_column(String(12), index=True)  # 工种 (大典 code)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    headcount: Mapped[int] = mapped_column(Integer)  # 需求人数
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    work_address: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(6))  # region code of the work place
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())  # 用工时长 = ends_at - starts_at
    daily_hours: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    pay_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    pay_unit: Mapped[PayUnit] = mapped_column(enum_type(PayUnit, "pay_unit"))
    settlement: Mapped[Settlement] = mapped_column(enum_type(Settlement, "settlement"))
    provides_meals: Mapped[bool] = mapped_column(default=False)  # 包吃
    provides_lodging: Mapped[bool] = mapped_column(default=False)  # 包住
    provides_transport: Mapped[bool] = mapped_column(default=False)
    provides_tools: Mapped[bool] = mapped_column(default=False)
    provides_insurance: Mapped[bool] = mapped_column(default=False)  # 意外险 / 职业伤害保障
    skill_level_required: Mapped[int] = mapped_column(SmallInteger, default=0)
    certificates_required: Mapped[list] = mapped_column(JSON, default=list)
    heavy_or_hazardous: Mapped[bool] = mapped_column(default=False)  # not for 16-17 year olds
    # 即时快招: verified walk-ins who sign up at the station's kiosk are taken on at once,
    # first come first served, without waiting for the employer to accept each one.
    auto_accept: Mapped[bool] = mapped_column(default=False, server_default="0")
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    valid_until: Mapped[date] = mapped_column(Date, index=True)  # 有效期
    status: Mapped[GigStatus] = mapped_column(
        enum_type(GigStatus, "gig_status"), default=GigStatus.DRAFT, index=True
    )
    channel: Mapped[GigChannel] = mapped_column(
        enum_type(GigChannel, "gig_channel"), default=GigChannel.QR
    )
    screening: Mapped[list] = mapped_column(JSON, default=list)  # findings of the screening rules
    screening_decision: Mapped[str | None] = mapped_column(String(10))  # pass / review / block
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employer: Mapped[Employer] = relationship()
    market: Mapped[Market] = relationship()
    revisions: Mapped[list[GigRevision]] = relationship(
        back_populates="gig", order_by="GigRevision.revision"
    )


class GigRevision(TimestampMixin, db.Model):
    """An immutable snapshot written on every change (kept >= 3 years after service, 44号令)."""

    __table_args__ = (UniqueConstraint("gig_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(ForeignKey("gig.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(20))  # employer / staff / system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    snapshot: Mapped[dict] = mapped_column(JSON)

    gig: Mapped[Gig] = relationship(back_populates="revisions")
