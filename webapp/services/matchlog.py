"""The matching change log: every flush that touches matching data writes MatchChange rows.

`install()` registers two session events (once per process, for every session):

- `after_flush` looks at every new, changed and deleted Worker, WorkerTrade, WorkerCertificate,
  Gig, GigRevision, Application (its worker and its gig), CheckIn, Sanction, Employer (its open
  gigs) and Market (coordinates or activity: everything) and inserts the rows on the flush's own
  connection, so they commit or roll back with the change itself.
- `do_orm_execute` does the same for bulk `update(Model)` / `delete(Model)` statements: it
  selects the rows the statement's WHERE clause names, before the statement runs.

Kinds: "worker" and "gig" (re-read that one), "all" (rebuild), "pruned" (see `prune`).
Statements written as raw SQL text or on a bare Connection are not seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import (
    Application,
    CheckIn,
    Employer,
    Gig,
    GigRevision,
    Market,
    MatchChange,
    Sanction,
    Worker,
    WorkerCertificate,
    WorkerTrade,
)
from webapp.models.base import utcnow
from webapp.models.types import GigStatus

KEEP = timedelta(days=1)  # how long MatchChange rows are kept (prune_match_changes)


def install() -> None:
    """Record matching changes on every session's flushes and bulk statements (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _on_orm_execute):
        event.listen(Session, "do_orm_execute", _on_orm_execute)


def _history_values(obj, attr: str) -> set:
    """The attribute's current value and, if it changed, its earlier ones (never a load)."""
    state = inspect(obj)
    history = state.attrs[attr].history
    values = set(history.added or ()) | set(history.deleted or ()) | set(history.unchanged or ())
    values.add(state.dict.get(attr))
    return {v for v in values if v is not None}


def _changes_of(obj, out: set, employers: set) -> None:
    """Add the (kind, id) pairs a changed object touches."""
    if isinstance(obj, Worker):
        out.add(("worker", obj.id))
    elif isinstance(obj, WorkerTrade | WorkerCertificate | CheckIn):
        out.update(("worker", v) for v in _history_values(obj, "worker_id"))
    elif isinstance(obj, Gig):
        out.add(("gig", obj.id))
    elif isinstance(obj, GigRevision):
        out.add(("gig", obj.gig_id))
    elif isinstance(obj, Application):
        out.update(("worker", v) for v in _history_values(obj, "worker_id"))
        out.update(("gig", v) for v in _history_values(obj, "gig_id"))
    elif isinstance(obj, Sanction):
        if obj.worker_id is not None:
            out.add(("worker", obj.worker_id))
        if obj.employer_id is not None:
            employers.add(obj.employer_id)
    elif isinstance(obj, Employer):
        employers.add(obj.id)
    elif isinstance(obj, Market):
        state = inspect(obj)
        if not state.pending and any(
            state.attrs[a].history.has_changes() for a in ("latitude", "longitude", "is_active")
        ):
            out.add(("all", 0))


def _employer_gigs(connection, employer_ids: set[int]) -> set[int]:
    """The open gigs of these employers (their standing and verification are on each gig)."""
    if not employer_ids:
        return set()
    return set(
        connection.scalars(
            select(Gig.id).where(
                Gig.employer_id.in_(sorted(employer_ids)), Gig.status == GigStatus.OPEN
            )
        )
    )


def _write(connection, changes: set) -> None:
    """Insert the change rows on the session's connection (its transaction)."""
    if changes:
        now = utcnow()
        connection.execute(
            insert(MatchChange.__table__),
            [{"kind": k, "ref_id": i, "created_at": now} for k, i in sorted(changes)],
        )


def _after_flush(session: Session, _flush_context) -> None:
    """Log the workers and gigs this flush changed, in the same transaction."""
    changes: set[tuple[str, int]] = set()
    employers: set[int] = set()
    for obj in session.new:
        _changes_of(obj, changes, employers)
    for obj in session.dirty:
        if session.is_modified(obj):
            _changes_of(obj, changes, employers)
    for obj in session.deleted:
        _changes_of(obj, changes, employers)
    if not changes and not employers:
        return
    connection = session.connection()
    changes.update(("gig", g) for g in _employer_gigs(connection, employers))
    _write(connection, changes)


# Bulk statements: which columns name the workers and gigs a row touches.
_BULK_KEYS: dict[type, tuple[tuple[str, str], ...]] = {
    Worker: (("worker", "id"),),
    WorkerTrade: (("worker", "worker_id"),),
    WorkerCertificate: (("worker", "worker_id"),),
    CheckIn: (("worker", "worker_id"),),
    Gig: (("gig", "id"),),
    Application: (("worker", "worker_id"), ("gig", "gig_id")),
    Sanction: (("worker", "worker_id"), ("employer", "employer_id")),
    Employer: (("employer", "id"),),
}


def _on_orm_execute(state) -> None:
    """Log the rows a bulk update(Model) or delete(Model) will touch, before it runs."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    if model is Market:
        _write(state.session.connection(), {("all", 0)})
        return
    keys = _BULK_KEYS.get(model)
    if keys is None:
        return
    table = model.__table__
    columns = [table.c[column] for _kind, column in keys]
    query = select(*columns)
    where = state.statement.whereclause
    if where is not None:
        query = query.where(where)
    elif isinstance(state.parameters, list):  # bulk update by primary key: a list of rows
        query = query.where(table.c.id.in_([p.get("id") for p in state.parameters]))
    connection = state.session.connection()
    changes: set[tuple[str, int]] = set()
    employers: set[int] = set()
    for row in connection.execute(query):
        for (kind, _column), value in zip(keys, row, strict=True):
            if value is None:
                continue
            if kind == "employer":
                employers.add(value)
            else:
                changes.add((kind, value))
    changes.update(("gig", g) for g in _employer_gigs(connection, employers))
    _write(connection, changes)


def prune(keep: timedelta = KEEP, now: datetime | None = None) -> int:
    """Delete change rows older than `keep`; leave a marker so lagging processes rebuild.

    The newest row is always kept: SQLite numbers a new row past the highest one left, so
    emptying the table would hand out old ids again, below what every process has read.
    """
    cutoff = (now or utcnow()) - keep
    top = db.session.scalar(select(func.max(MatchChange.id)))
    if top is None:
        return 0
    highest = db.session.scalar(
        select(func.max(MatchChange.id)).where(
            MatchChange.created_at < cutoff, MatchChange.id < top
        )
    )
    if highest is None:
        return 0
    deleted = db.session.execute(
        delete(MatchChange).where(MatchChange.id <= highest, MatchChange.created_at < cutoff)
    ).rowcount
    db.session.add(MatchChange(kind="pruned", ref_id=highest))
    db.session.flush()
    return deleted
