"""Check-ins (签到) at a market: feed on-site occupancy and the supply ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime, utcnow
from webapp.models.market import Kiosk, Market
from webapp.models.types import CheckInMethod, FaceDecision, enum_type
from webapp.models.worker import Worker


class CheckIn(TimestampMixin, db.Model):
    """A worker's arrival at a market, with how identity was verified."""

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id"))
    method: Mapped[CheckInMethod] = mapped_column(enum_type(CheckInMethod, "check_in_method"))
    face_distance: Mapped[float | None] = mapped_column(Float)
    face_decision: Mapped[FaceDecision | None] = mapped_column(
        enum_type(FaceDecision, "face_decision")
    )
    liveness_passed: Mapped[bool | None] = mapped_column()
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    worker: Mapped[Worker] = relationship()
    market: Mapped[Market] = relationship()
    kiosk: Mapped[Kiosk | None] = relationship()
