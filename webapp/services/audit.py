"""The append-only, hash-chained audit log (security.md requirement 19).

Each row's hash covers its own fields and the previous row's hash, so editing or deleting any
row breaks the chain from there on, and `verify_chain` says where. Database triggers (see the
migration) refuse UPDATE and DELETE on the table as a second line of defence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models.base import utcnow

GENESIS_HASH = "0" * 64
_RETRIES = 5


def _digest(prev_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(event: AuditEvent) -> dict:
    """The hashed content of a row (everything but the hashes and the id)."""
    return {
        "at": event.created_at.isoformat(),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_kind": event.object_kind,
        "object_id": event.object_id,
        "market_id": event.market_id,
        "detail": event.detail or {},
    }


def _tip() -> str:
    """The hash at the end of the chain."""
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def record(
    action: str,
    *,
    actor_kind: str,
    actor_id: int | None,
    object_kind: str,
    object_id: str | int | None = None,
    market_id: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, not committed: the caller commits once)."""
    for _attempt in range(_RETRIES):
        event = AuditEvent(
            created_at=utcnow(),
            actor_kind=actor_kind,
            actor_id=actor_id,
            action=action,
            object_kind=object_kind,
            object_id=None if object_id is None else str(object_id),
            market_id=market_id,
            detail=detail or {},
        )
        event.prev_hash = _tip()
        event.hash = _digest(event.prev_hash, _fields(event))
        try:
            with db.session.begin_nested():
                db.session.add(event)
            return event
        except IntegrityError:
            continue  # another writer took this chain tip: link to the new one
    raise RuntimeError("audit log busy: could not append after several attempts")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a chain verification."""

    checked: int
    broken_at: int | None  # id of the first row that does not verify

    @property
    def ok(self) -> bool:
        """True when every row verified."""
        return self.broken_at is None


def verify_chain(batch: int = 1000) -> ChainReport:
    """Recompute every hash in order; report the first row that was altered or removed."""
    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked=checked, broken_at=None)
        for row in rows:
            if row.prev_hash != prev or row.hash != _digest(row.prev_hash, _fields(row)):
                return ChainReport(checked=checked, broken_at=row.id)
            prev = row.hash
            checked += 1
            last_id = row.id
