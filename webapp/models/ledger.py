"""The five daily ledgers (五个日志台账): staff-entered rows, day sign-off, amendments.

Ledgers ② demand, ③ supply and ⑤ matching are derived from Gig, CheckIn/Worker and Application;
① policy sessions and ④ specialist visits are entered by staff here. A signed-off day is locked:
later corrections are LedgerAmendment rows with who, when and why, never edits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.market import Market
from webapp.models.types import LedgerKind, enum_type


class PolicySession(TimestampMixin, db.Model):
    """① 灵活用工政策宣讲日志: one policy talk or outreach session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # 日期
    place: Mapped[str] = mapped_column(String(100))  # 地点 (驿站/企业/社区/村)
    form: Mapped[str] = mapped_column(String(20))  # 形式 (现场宣讲/入企/直播/发放资料)
    topics: Mapped[list] = mapped_column(JSON, default=list)  # 政策主题
    speaker: Mapped[str] = mapped_column(String(50))  # 宣讲人
    workers_reached: Mapped[int] = mapped_column(Integer, default=0)  # 覆盖人数(劳动者)
    employers_reached: Mapped[int] = mapped_column(Integer, default=0)  # 覆盖人数(企业)
    materials_handed_out: Mapped[int] = mapped_column(Integer, default=0)  # 发放资料份数
    seekers_registered: Mapped[int] = mapped_column(Integer, default=0)  # 现场登记求职人数
    demands_registered: Mapped[int] = mapped_column(Integer, default=0)  # 现场登记用工需求数
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # 附件 (stored file names)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))


class SpecialistVisit(TimestampMixin, db.Model):
    """④ 用工专员服务企业日志: a specialist's service to an employer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # 日期
    specialist_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))  # 专员
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"))
    employer_name: Mapped[str] = mapped_column(String(120))  # 企业 (also when not registered)
    method: Mapped[str] = mapped_column(String(10))  # 服务方式 (走访/电话/线上)
    content: Mapped[list] = mapped_column(JSON, default=list)  # 服务内容
    demands_collected: Mapped[int] = mapped_column(Integer, default=0)  # 采集需求条数
    people_needed: Mapped[int] = mapped_column(Integer, default=0)  # 采集需求人数
    issues: Mapped[str | None] = mapped_column(Text)  # 问题与诉求
    outcome: Mapped[str | None] = mapped_column(Text)  # 处理结果
    follow_up_on: Mapped[date | None] = mapped_column(Date)  # 下次跟进日期


class LedgerDay(TimestampMixin, db.Model):
    """A market's day of ledgers, signed off (日结) and locked, with the totals at sign-off."""

    __table_args__ = (UniqueConstraint("market_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"))
    day: Mapped[date] = mapped_column(Date)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totals: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict | None] = mapped_column(JSON)  # the rows as signed off

    market: Mapped[Market] = relationship()
    amendments: Mapped[list[LedgerAmendment]] = relationship(back_populates="ledger_day")


class LedgerAmendment(TimestampMixin, db.Model):
    """A correction to a signed-off day: which ledger and row, what changed, who and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_day_id: Mapped[int] = mapped_column(ForeignKey("ledger_day.id"), index=True)
    ledger: Mapped[LedgerKind] = mapped_column(enum_type(LedgerKind, "ledger_kind"))
    row_ref: Mapped[str] = mapped_column(String(40))  # e.g. "gig:123" or "policy_session:4"
    changes: Mapped[dict] = mapped_column(JSON)  # {"field": [old, new]}
    reason: Mapped[str] = mapped_column(Text)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))

    ledger_day: Mapped[LedgerDay] = relationship(back_populates="amendments")
