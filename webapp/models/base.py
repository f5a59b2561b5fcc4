"""Column types and mixins shared by every model."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


def new_public_id() -> str:
    """A random public identifier for URLs and QR codes (never a person's identity)."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and returns aware UTC, identically on SQLite and PostgreSQL.

    SQLite keeps no time zone, so an aware column would come back naive there and compare
    unequal with aware values; normalising on the way in and out avoids that whole class of bug.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert to naive UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                "naive datetime given to a UTC column; use webapp.models.base.utcnow()"
            )
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Mark stored values as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class TimestampMixin:
    """created_at with a callable default (evaluated per insert, not once at import)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PublicIdMixin:
    """A random public id for URLs and QR payloads, so no database id or identity is exposed."""

    public_id: Mapped[str] = mapped_column(
        String(32), default=new_public_id, unique=True, nullable=False
    )
