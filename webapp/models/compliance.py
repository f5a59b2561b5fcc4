"""Complaints (投诉举报), credit events, sanctions and consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.market import Market
from webapp.models.types import (
    ComplaintStatus,
    ConsentPurpose,
    SubjectKind,
    enum_type,
)

_ONE_SUBJECT = (
    "(subject_kind = 'worker' AND worker_id IS NOT NULL AND employer_id IS NULL) OR "
    "(subject_kind = 'employer' AND employer_id IS NOT NULL AND worker_id IS NULL)"
)


class Complaint(TimestampMixin, db.Model):
    """A complaint or report from anyone, tracked by a public code, with a handling deadline."""

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    category: Mapped[str] = mapped_column(String(30))  # 欠薪, 虚假招聘, 收费, 歧视, 服务 ...
    subject: Mapped[str | None] = mapped_column(String(120))  # whom it is about, in words
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"))
    gig_id: Mapped[int | None] = mapped_column(ForeignKey("gig.id"))
    content: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_type(ComplaintStatus, "complaint_status"), default=ComplaintStatus.RECEIVED
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    market: Mapped[Market] = relationship()


class CreditEvent(TimestampMixin, db.Model):
    """A fact that moves a worker's or employer's credit figures (no-show, arrears, rating...)."""

    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_type(SubjectKind, "subject_kind"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # no_show, late_cancel, wage_arrears, ...
    points: Mapped[int] = mapped_column(Integer, default=0)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    note: Mapped[str | None] = mapped_column(Text)
    appeal_status: Mapped[str | None] = mapped_column(String(20))  # None, pending, upheld, voided
    appeal_note: Mapped[str | None] = mapped_column(Text)


class Sanction(TimestampMixin, db.Model):
    """A blacklisting (失信惩戒): reason, evidence, reviewer, expiry, appeal; never public."""

    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_type(SubjectKind, "subject_kind"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_status: Mapped[str | None] = mapped_column(String(20))
    appeal_note: Mapped[str | None] = mapped_column(Text)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consent(TimestampMixin, db.Model):
    """A consent given for one purpose and text version; withdrawable (PIPL Art. 15, 29)."""

    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_type(SubjectKind, "subject_kind"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_type(ConsentPurpose, "consent_purpose"))
    version: Mapped[str] = mapped_column(String(20))  # the consent text's version
    channel: Mapped[str] = mapped_column(String(20))  # kiosk / phone / staff
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
