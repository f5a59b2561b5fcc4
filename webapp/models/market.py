"""Markets (零工市场 / 零工服务站) and their registered kiosks."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Float, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.types import MarketLevel, enum_type


class Market(TimestampMixin, db.Model):
    """A node of the market hierarchy: province > city > county > station."""

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[MarketLevel] = mapped_column(enum_type(MarketLevel, "market_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("market.id"), index=True)
    # Standard names: "XX市零工市场", "XX街道零工服务站".
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # GB/T 2260
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)
    opening_hours: Mapped[str | None] = mapped_column(String(200))  # as printed on the door
    hotline: Mapped[str | None] = mapped_column(String(40))  # 服务热线
    complaint_channel: Mapped[str | None] = mapped_column(Text)  # 投诉渠道
    services: Mapped[str | None] = mapped_column(Text)  # 主动公开服务项目, one per line
    guide: Mapped[str | None] = mapped_column(Text)  # 办事指南
    capacity: Mapped[int | None] = mapped_column(Integer)  # 合理把控入场人数
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Market | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Market]] = relationship(back_populates="parent")
    kiosks: Mapped[list[Kiosk]] = relationship(back_populates="market")

    def __repr__(self) -> str:
        return f"<Market {self.id} {self.name}>"


class Kiosk(TimestampMixin, db.Model):
    """A registered touchscreen device of one market, authenticated by a device token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of a random token
    orientation: Mapped[str] = mapped_column(String(10), default="portrait")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    market: Mapped[Market] = relationship(back_populates="kiosks")
