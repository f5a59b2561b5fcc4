"""Phone accounts (手机号登录): one-time codes, sessions, and who the number speaks for.

A phone account is a verified mobile number. It may act for an employer (its contact person),
for a worker, or for both; the number itself exists only as ciphertext plus a blind index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import PublicIdMixin, TimestampMixin, UTCDateTime
from webapp.models.employer import Employer
from webapp.models.worker import Worker


class PhoneAccount(PublicIdMixin, TimestampMixin, db.Model):
    """A mobile number proven by a one-time code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(default=True)

    employer: Mapped[Employer | None] = relationship()
    worker: Mapped[Worker | None] = relationship()

    def __repr__(self) -> str:  # never the number
        return f"<PhoneAccount {self.id}>"


class PhoneSession(TimestampMixin, db.Model):
    """A server-side session of a phone account: a browser cookie or an API bearer token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("phone_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="cookie")  # cookie / api
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str | None] = mapped_column(String(200))

    account: Mapped[PhoneAccount] = relationship()


class OtpChallenge(TimestampMixin, db.Model):
    """One one-time code sent to a number: kept as an HMAC, short-lived, few attempts.

    The rows are also the rate-limit counters (per number and per address), so the limits hold
    across every worker process without a shared cache.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)  # the requester's IP, hashed
    purpose: Mapped[str] = mapped_column(String(20), default="sign_in")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
