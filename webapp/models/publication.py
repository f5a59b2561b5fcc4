"""Monthly publications of 求人倍率 (demand-to-supply ratio), one per market and month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.market import Market


class Publication(TimestampMixin, db.Model):
    """The official tables for one market and month; immutable once published."""

    # However often the monthly job is triggered, the database keeps exactly one row.
    __table_args__ = (UniqueConstraint("market_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"))
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM"
    tables: Mapped[dict] = mapped_column(JSON)
    method_note: Mapped[str | None] = mapped_column(Text)  # validity rule, suppression threshold
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())

    market: Mapped[Market] = relationship()
