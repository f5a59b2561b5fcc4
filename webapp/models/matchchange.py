"""The change log that keeps every process's matching index current (see services/matchfeed.py).

Each flush that touches a worker, a gig or what they depend on appends a row here; each process
reads the rows after the last one it applied and re-feeds those workers and gigs to its engine.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.base import TimestampMixin


class MatchChange(TimestampMixin, db.Model):
    """One worker or gig whose matching record must be rebuilt."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # worker / gig
    ref_id: Mapped[int] = mapped_column(Integer)
