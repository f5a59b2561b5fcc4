"""Real-name verification requests (实名认证) and the documents uploaded for them.

Employers and phone workers submit a request; an adapter (staff review built in, an external
real-name service where configured) decides it. Uploaded images are re-encoded without EXIF and
kept encrypted outside static/, readable only by their owner and staff.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.employer import Employer
from webapp.models.types import RequestStatus, SubjectKind, enum_type
from webapp.models.worker import Worker

_ONE_SUBJECT = (
    "(subject_kind = 'worker' AND worker_id IS NOT NULL AND employer_id IS NULL) OR "
    "(subject_kind = 'employer' AND employer_id IS NOT NULL AND worker_id IS NULL)"
)


class VerificationRequest(PublicIdMixin, TimestampMixin, db.Model):
    """One submission for real-name status, and its decision with the reason shown."""

    __table_args__ = (CheckConstraint(_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(enum_type(SubjectKind, "subject_kind"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True)
    # enterprise_licence / individual_face / agency_registry / station_card / kiosk / external
    method: Mapped[str] = mapped_column(String(30))
    adapter: Mapped[str] = mapped_column(String(30), default="staff_review")
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "request_status"), default=RequestStatus.PENDING, index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("phone_account.id"))
    market_id: Mapped[int | None] = mapped_column(ForeignKey("market.id"), index=True)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # automatic checks and their results
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # shown to the applicant

    employer: Mapped[Employer | None] = relationship()
    worker: Mapped[Worker | None] = relationship()
    documents: Mapped[list[Document]] = relationship(
        back_populates="request", order_by="Document.id"
    )


class Document(PublicIdMixin, TimestampMixin, db.Model):
    """An uploaded image (licence photo, face photo), re-encoded, stripped and encrypted."""

    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # licence / face_photo
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("verification_request.id"), index=True
    )
    owner_account_id: Mapped[int | None] = mapped_column(ForeignKey("phone_account.id"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)  # file name under UPLOAD_DIR
    content_type: Mapped[str] = mapped_column(String(30))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored (clean) image
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[VerificationRequest | None] = relationship(back_populates="documents")
