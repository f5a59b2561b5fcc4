"""Employers (用工主体) and the public registry of licensed HR agencies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.market import Market
from webapp.models.types import AgencyStatus, EmployerKind, VerificationStatus, enum_type


class Agency(TimestampMixin, db.Model):
    """A licensed HR service agency (人力资源服务许可证), kept by staff, public to look up."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    licence_number: Mapped[str] = mapped_column(String(40), unique=True)
    issuing_authority: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)  # 服务范围
    address: Mapped[str | None] = mapped_column(String(200))
    office_phone: Mapped[str | None] = mapped_column(String(40))  # a public office number
    region_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[AgencyStatus] = mapped_column(
        enum_type(AgencyStatus, "agency_status"), default=AgencyStatus.VALID
    )


class Employer(PublicIdMixin, TimestampMixin, db.Model):
    """An enterprise, an individual employer (个人雇主) or an HR agency posting gigs."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EmployerKind] = mapped_column(enum_type(EmployerKind, "employer_kind"))
    name: Mapped[str] = mapped_column(String(120))  # enterprise name, or the person's name
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    licence_image_path: Mapped[str | None] = mapped_column(String(200))  # under UPLOAD_DIR
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    # The contact person's real-name identity: ciphertext and blind index only.
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_id_index: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    industry_section: Mapped[str | None] = mapped_column(String(1))  # GB/T 4754 门类
    industry_division: Mapped[str | None] = mapped_column(String(2))  # 大类
    unit_type: Mapped[str | None] = mapped_column(String(30))  # 表4 单位性质 code
    address: Mapped[str | None] = mapped_column(String(200))
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_type(VerificationStatus, "verification_status"),
        default=VerificationStatus.UNVERIFIED,
    )
    verification_method: Mapped[str | None] = mapped_column(String(30))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    verification_note: Mapped[str | None] = mapped_column(Text)
    reverify_due_on: Mapped[date | None] = mapped_column(Date)  # every 6 months
    credit_score: Mapped[int] = mapped_column(Integer, default=100)

    market: Mapped[Market] = relationship()
    agency: Mapped[Agency | None] = relationship()

    def __repr__(self) -> str:
        return f"<Employer {self.id} {self.kind}>"
