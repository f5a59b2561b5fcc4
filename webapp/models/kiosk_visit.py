"""A walk-in's visit at a kiosk: the server-side state of one check-in, from card to result.

Nothing personal lives in the browser or the cookie: the page holds only the visit's random
token. Card data is encrypted bound to the row; the card photo itself is never stored, only its
face encoding (under the face key), and the whole visit is wiped when it ends or times out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.market import Kiosk
from webapp.models.types import FaceDecision, enum_type
from webapp.models.worker import Worker


class KioskVisit(TimestampMixin, db.Model):
    """One person's session at a kiosk (人证核验 flow state, and the staff review queue)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk.id"), index=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    # card_read > consent > face > (profile) > done; or assisted (staff path) / ended.
    step: Mapped[str] = mapped_column(String(20), default="card")
    card_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # the card's fields, JSON
    card_index: Mapped[str | None] = mapped_column(String(64), index=True)  # blind index of ID
    card_encoding_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # face key
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    # Face-only check-in: the enrolled workers whose template matched, confirmed by the last
    # four digits of their phone.
    candidates: Mapped[list | None] = mapped_column(JSON)
    is_minor: Mapped[bool] = mapped_column(default=False)  # 16-17: no heavy or hazardous work
    face_consent: Mapped[bool | None] = mapped_column()  # None: not asked yet
    keep_template: Mapped[bool] = mapped_column(default=False)  # its own, separate consent
    challenge: Mapped[str | None] = mapped_column(String(10))  # liveness: "left" or "right"
    face_attempts: Mapped[int] = mapped_column(Integer, default=0)
    best_distance: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[FaceDecision | None] = mapped_column(enum_type(FaceDecision, "face_decision"))
    liveness_passed: Mapped[bool | None] = mapped_column()
    failure: Mapped[str | None] = mapped_column(String(40))  # the last failure's code
    # The staff queue: 'pending' for a 'review' decision or the assisted path.
    review_status: Mapped[str | None] = mapped_column(String(10), index=True)
    review_reason: Mapped[str | None] = mapped_column(String(40))  # face_review, declined, ...
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    kiosk: Mapped[Kiosk] = relationship()
    worker: Mapped[Worker | None] = relationship()
