"""Workers (零工), their trades, certificates and face templates.

The ID number and phone exist only as AES-GCM ciphertext bound to the row (see
webapp/services/identity.py) plus an HMAC blind index for lookup; birth date and sex are derived
from the ID for statistics and legal age rules only, never shown to employers or used to rank.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.market import Market
from webapp.models.types import PayUnit, VerificationStatus, enum_type


class Worker(PublicIdMixin, TimestampMixin, db.Model):
    """A real-name registered worker, valid across markets."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))  # real name as on the ID card
    # 居民身份证号码: ciphertext only (nullable until the row has an id to bind it to).
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)  # statistics and legal age rules only
    sex: Mapped[str] = mapped_column(String(1))  # 'M' / 'F', from the ID number
    hukou_region: Mapped[str] = mapped_column(String(6))  # 户籍地: the ID's first six digits
    nation: Mapped[str | None] = mapped_column(String(20))  # 民族, from the card
    id_valid_until: Mapped[date | None] = mapped_column(Date)  # None for 长期
    home_area: Mapped[str | None] = mapped_column(String(6))  # region code where they live
    education: Mapped[str | None] = mapped_column(String(20))  # 文化程度
    person_category: Mapped[str | None] = mapped_column(String(40))  # 表8 人员类别 code
    flags: Mapped[list] = mapped_column(JSON, default=list)  # 就业困难/大龄/残疾/脱贫 ... codes
    desired_pay_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    desired_pay_unit: Mapped[PayUnit | None] = mapped_column(enum_type(PayUnit, "pay_unit"))
    # e.g. {"days": [1,2,3,4,5,6,7], "from": "07:00", "to": "18:00", "areas": ["410105"]}
    availability: Mapped[dict] = mapped_column(JSON, default=dict)
    registered_market_id: Mapped[int | None] = mapped_column(ForeignKey("market.id"), index=True)
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_type(VerificationStatus, "verification_status"),
        default=VerificationStatus.UNVERIFIED,
    )
    verification_method: Mapped[str | None] = mapped_column(String(30))  # kiosk_face, staff ...
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    last_check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reliability figures, maintained by the hire lifecycle.
    completed_count: Mapped[int] = mapped_column(Integer, default=0)
    no_show_count: Mapped[int] = mapped_column(Integer, default=0)
    late_cancel_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Printed on the personal QR code; raising it voids every earlier slip (a lost slip).
    qr_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    registered_market: Mapped[Market | None] = relationship()
    trades: Mapped[list[WorkerTrade]] = relationship(
        back_populates="worker", cascade="all, delete-orphan"
    )
    certificates: Mapped[list[WorkerCertificate]] = relationship(
        back_populates="worker", cascade="all, delete-orphan"
    )
    face_template: Mapped[FaceTemplate | None] = relationship(
        back_populates="worker", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:  # never the name or the identity
        return f"<Worker {self.id}>"


class WorkerTrade(TimestampMixin, db.Model):
    """A trade (工种, 职业分类大典 code) a worker offers, with the skill level (5..1, 0 = none)."""

    __table_args__ = (UniqueConstraint("worker_id", "trade_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"), index=True)
    trade_code: Mapped[str] = mapped_column(String(12), index=True)
    skill_level: Mapped[int] = mapped_column(SmallInteger, default=0)  # 职业技能等级
    years: Mapped[int | None] = mapped_column(SmallInteger)

    worker: Mapped[Worker] = relationship(back_populates="trades")


class WorkerCertificate(TimestampMixin, db.Model):
    """A certificate the worker holds (e.g. 特种作业操作证), checked by staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    valid_until: Mapped[date | None] = mapped_column(Date)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    worker: Mapped[Worker] = relationship(back_populates="certificates")


class FaceTemplate(TimestampMixin, db.Model):
    """A face template (128 floats), encrypted under the face key, kept apart from identity data.

    Exists only with a FACE_TEMPLATE consent; deleted when that consent is withdrawn.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"), unique=True)
    template_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    model: Mapped[str] = mapped_column(String(40), default="dlib_face_recognition_resnet_v1")
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"))

    worker: Mapped[Worker] = relationship(back_populates="face_template")
