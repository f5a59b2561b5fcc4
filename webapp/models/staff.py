"""Station staff accounts and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.base import TimestampMixin, UTCDateTime
from webapp.models.market import Market
from webapp.models.types import StaffRole, enum_type


class StaffUser(UserMixin, TimestampMixin, db.Model):
    """A staff account: argon2 password hash, a role, and the market subtree it may see."""

    # Set by webapp.services.auth for the request: Flask-Login stores the server-side session
    # token, not the user id, so a replayed cookie dies with its session.
    session_token = None

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "staff_role"))
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    market: Mapped[Market] = relationship()
    sessions: Mapped[list[StaffSession]] = relationship(back_populates="staff")

    def get_id(self) -> str | None:
        """Flask-Login's id: the session token of this request."""
        return self.session_token


class StaffSession(TimestampMixin, db.Model):
    """A signed-in session, kept on the server so logout and disabling really end it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str | None] = mapped_column(String(200))

    staff: Mapped[StaffUser] = relationship(back_populates="sessions")
