"""The append-only, hash-chained audit log (see webapp/services/audit.py)."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import TimestampMixin


class AuditEvent(TimestampMixin, db.Model):
    """One audited act: who did what to which object; each row hashes the one before it.

    `prev_hash` is unique, so two writers racing for the same chain tip cannot both succeed:
    the loser retries on the new tip and the chain never forks.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_kind: Mapped[str] = mapped_column(String(20))  # staff / kiosk / employer / system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40), index=True)  # view_identity, sign_off, ...
    object_kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(40))
    market_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a full identity
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
