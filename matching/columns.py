"""Records as numpy columns: the bulk format of Engine.from_columns (列式批量装载).

One array per field, one row per record. ``None`` becomes NaN for floats and :data:`NONE` (the
smallest int64) for ints; trades and certificates are a dense matrix over the batch's own
vocabulary; busy intervals are a ragged CSR layout (offsets into flat start/end arrays).
:mod:`matching.synth` generates these directly; ``from_records`` / ``records`` convert.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from matching.records import GigRecord, WorkerRecord

NONE = np.iinfo(np.int64).min  # an int column's "None"


def _opt_int(value: int | None) -> int:
    return NONE if value is None else value


def _opt_float(value: float | None) -> float:
    return math.nan if value is None else value


@dataclass
class WorkerColumns:
    """Workers as columns (n rows)."""

    ids: np.ndarray  # int64
    trade_codes: list[str]  # the columns of `levels`
    levels: np.ndarray  # int8 (n, len(trade_codes)): -1 trade not held, else 0 none / 5..1
    cert_names: list[str]  # the columns of `certs`
    certs: np.ndarray  # bool (n, len(cert_names))
    birth_day: np.ndarray  # int64, days since 1970-01-01
    desired_pay: np.ndarray  # float64, NaN: no wish
    lat: np.ndarray  # float64, NaN: unknown
    lon: np.ndarray  # float64, NaN: unknown
    available_weekdays: np.ndarray  # int64 bit mask, bit 0 Monday
    busy_offsets: np.ndarray  # int64 (n + 1): row i's intervals are [offsets[i], offsets[i+1])
    busy_starts: np.ndarray  # int64 minutes
    busy_ends: np.ndarray  # int64 minutes (exclusive)
    reliability: np.ndarray  # float64
    sanctioned: np.ndarray  # bool
    checked_in_market: np.ndarray  # int64, NONE: never checked in
    checked_in_at: np.ndarray  # int64 minute, NONE: never
    gigs_today: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.ids)

    def check(self) -> None:
        """Raise ValueError when the arrays do not fit together."""
        n = len(self.ids)
        if self.levels.shape != (n, len(self.trade_codes)):
            raise ValueError("levels must be (n, len(trade_codes))")
        if self.certs.shape != (n, len(self.cert_names)):
            raise ValueError("certs must be (n, len(cert_names))")
        if len(self.busy_offsets) != n + 1 or len(self.busy_starts) != len(self.busy_ends):
            raise ValueError("busy_offsets must have n + 1 entries; starts and ends alike")
        for f in fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, np.ndarray)
                and value.ndim == 1
                and f.name not in ("busy_offsets", "busy_starts", "busy_ends")
                and len(value) != n
            ):
                raise ValueError(f"{f.name} has {len(value)} rows, expected {n}")

    @classmethod
    def from_records(cls, records: Iterable[WorkerRecord]) -> WorkerColumns:
        """Columns from records (a Python loop: ~ a few µs per record)."""
        records = list(records)
        trade_index: dict[str, int] = {}
        cert_index: dict[str, int] = {}
        for r in records:
            for t in r.trades:
                trade_index.setdefault(t, len(trade_index))
            for c in r.certificates:
                cert_index.setdefault(c, len(cert_index))
        n = len(records)
        levels = np.full((n, len(trade_index)), -1, dtype=np.int8)
        certs = np.zeros((n, len(cert_index)), dtype=bool)
        offsets = np.zeros(n + 1, dtype=np.int64)
        starts: list[int] = []
        ends: list[int] = []
        for i, r in enumerate(records):
            for t, level in r.trades.items():
                if not 0 <= level <= 5:
                    raise ValueError(f"worker {r.id}: skill level {level} out of range")
                levels[i, trade_index[t]] = level
            for c in r.certificates:
                certs[i, cert_index[c]] = True
            for s, e in r.busy:
                starts.append(s)
                ends.append(e)
            offsets[i + 1] = len(starts)
        return cls(
            ids=np.array([r.id for r in records], dtype=np.int64),
            trade_codes=list(trade_index),
            levels=levels,
            cert_names=list(cert_index),
            certs=certs,
            birth_day=np.array([r.birth_day for r in records], dtype=np.int64),
            desired_pay=np.array([_opt_float(r.desired_pay_per_day) for r in records], float),
            lat=np.array([_opt_float(r.lat) for r in records], dtype=np.float64),
            lon=np.array([_opt_float(r.lon) for r in records], dtype=np.float64),
            available_weekdays=np.array([r.available_weekdays for r in records], np.int64),
            busy_offsets=offsets,
            busy_starts=np.array(starts, dtype=np.int64),
            busy_ends=np.array(ends, dtype=np.int64),
            reliability=np.array([r.reliability for r in records], dtype=np.float64),
            sanctioned=np.array([r.sanctioned for r in records], dtype=bool),
            checked_in_market=np.array(
                [_opt_int(r.checked_in_market) for r in records], dtype=np.int64
            ),
            checked_in_at=np.array([_opt_int(r.checked_in_at) for r in records], np.int64),
            gigs_today=np.array([r.gigs_today for r in records], dtype=np.int64),
        )

    def records(self) -> Iterator[WorkerRecord]:
        """The rows as WorkerRecords, in order."""
        codes, names = self.trade_codes, self.cert_names
        held_rows, held_cols = np.nonzero(self.levels >= 0)
        held_levels = self.levels[held_rows, held_cols].tolist()
        held_bounds = np.searchsorted(held_rows, np.arange(len(self) + 1)).tolist()
        held_cols = held_cols.tolist()
        cert_rows, cert_cols = np.nonzero(self.certs)
        cert_bounds = np.searchsorted(cert_rows, np.arange(len(self) + 1)).tolist()
        cert_cols = cert_cols.tolist()
        offsets = self.busy_offsets.tolist()
        b_starts, b_ends = self.busy_starts.tolist(), self.busy_ends.tolist()
        empty: frozenset[str] = frozenset()
        columns = zip(
            self.ids.tolist(),
            self.birth_day.tolist(),
            self.desired_pay.tolist(),
            self.lat.tolist(),
            self.lon.tolist(),
            self.available_weekdays.tolist(),
            self.reliability.tolist(),
            self.sanctioned.tolist(),
            self.checked_in_market.tolist(),
            self.checked_in_at.tolist(),
            self.gigs_today.tolist(),
            strict=True,
        )
        for i, (id_, birth, wish, lat, lon, days, rel, sanc, market, at, today) in enumerate(
            columns
        ):
            lo, hi = held_bounds[i], held_bounds[i + 1]
            trades = {codes[held_cols[j]]: held_levels[j] for j in range(lo, hi)}
            clo, chi = cert_bounds[i], cert_bounds[i + 1]
            certificates = (
                frozenset(names[cert_cols[j]] for j in range(clo, chi)) if chi > clo else empty
            )
            busy = tuple((b_starts[j], b_ends[j]) for j in range(offsets[i], offsets[i + 1]))
            yield WorkerRecord(
                id=id_,
                trades=trades,
                certificates=certificates,
                birth_day=birth,
                desired_pay_per_day=None if math.isnan(wish) else wish,
                lat=None if math.isnan(lat) else lat,
                lon=None if math.isnan(lon) else lon,
                available_weekdays=days,
                busy=busy,
                reliability=rel,
                sanctioned=sanc,
                checked_in_market=None if market == NONE else market,
                checked_in_at=None if at == NONE else at,
                gigs_today=today,
            )

    def record(self, i: int) -> WorkerRecord:
        """Row i as a WorkerRecord."""
        return next(self.take(np.array([i])).records())

    def take(self, rows: np.ndarray) -> WorkerColumns:
        """The given rows (an index array) as new columns."""
        counts = np.diff(self.busy_offsets)[rows]
        flat = _ragged_take(self.busy_offsets, rows)
        return WorkerColumns(
            ids=self.ids[rows],
            trade_codes=list(self.trade_codes),
            levels=self.levels[rows],
            cert_names=list(self.cert_names),
            certs=self.certs[rows],
            birth_day=self.birth_day[rows],
            desired_pay=self.desired_pay[rows],
            lat=self.lat[rows],
            lon=self.lon[rows],
            available_weekdays=self.available_weekdays[rows],
            busy_offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
            busy_starts=self.busy_starts[flat],
            busy_ends=self.busy_ends[flat],
            reliability=self.reliability[rows],
            sanctioned=self.sanctioned[rows],
            checked_in_market=self.checked_in_market[rows],
            checked_in_at=self.checked_in_at[rows],
            gigs_today=self.gigs_today[rows],
        )


def _ragged_take(offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Indexes into the flat arrays of a CSR layout for the given rows, in order."""
    counts = np.diff(offsets)[rows]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = offsets[:-1][rows]
    base = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return base + np.arange(total)


@dataclass
class GigColumns:
    """Gigs as columns (m rows)."""

    ids: np.ndarray  # int64
    market_id: np.ndarray  # int64
    trade_codes: list[str]  # what `trade` indexes
    trade: np.ndarray  # int64 index into trade_codes
    starts: np.ndarray  # int64 minute
    ends: np.ndarray  # int64 minute (exclusive)
    start_weekday: np.ndarray  # int64, 0 Monday
    pay_per_day: np.ndarray  # float64
    open_slots: np.ndarray  # int64
    level_required: np.ndarray  # int64, 0 none
    cert_names: list[str]  # the columns of `certs`
    certs: np.ndarray  # bool (m, len(cert_names)): required
    min_age: np.ndarray  # int64
    max_age: np.ndarray  # int64, NONE: no upper limit
    lat: np.ndarray  # float64, NaN unknown
    lon: np.ndarray  # float64, NaN unknown
    employer_standing: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.ids)

    def check(self) -> None:
        """Raise ValueError when the arrays do not fit together."""
        m = len(self.ids)
        if self.certs.shape != (m, len(self.cert_names)):
            raise ValueError("certs must be (m, len(cert_names))")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) != m:
                raise ValueError(f"{f.name} has {len(value)} rows, expected {m}")
        if m and (self.trade.min() < 0 or self.trade.max() >= len(self.trade_codes)):
            raise ValueError("trade indexes outside trade_codes")

    @classmethod
    def from_records(cls, records: Iterable[GigRecord]) -> GigColumns:
        """Columns from records."""
        records = list(records)
        trade_index: dict[str, int] = {}
        cert_index: dict[str, int] = {}
        for r in records:
            trade_index.setdefault(r.trade, len(trade_index))
            for c in r.certificates:
                cert_index.setdefault(c, len(cert_index))
        certs = np.zeros((len(records), len(cert_index)), dtype=bool)
        for i, r in enumerate(records):
            for c in r.certificates:
                certs[i, cert_index[c]] = True

        def ints(name: str) -> np.ndarray:
            return np.array([getattr(r, name) for r in records], dtype=np.int64)

        def floats(name: str) -> np.ndarray:
            return np.array([_opt_float(getattr(r, name)) for r in records], dtype=np.float64)

        return cls(
            ids=ints("id"),
            market_id=ints("market_id"),
            trade_codes=list(trade_index),
            trade=np.array([trade_index[r.trade] for r in records], dtype=np.int64),
            starts=ints("starts"),
            ends=ints("ends"),
            start_weekday=ints("start_weekday"),
            pay_per_day=floats("pay_per_day"),
            open_slots=ints("open_slots"),
            level_required=ints("level_required"),
            cert_names=list(cert_index),
            certs=certs,
            min_age=ints("min_age"),
            max_age=np.array([_opt_int(r.max_age) for r in records], dtype=np.int64),
            lat=floats("lat"),
            lon=floats("lon"),
            employer_standing=floats("employer_standing"),
        )

    def records(self) -> Iterator[GigRecord]:
        """The rows as GigRecords, in order."""
        codes, names = self.trade_codes, self.cert_names
        cert_rows, cert_cols = np.nonzero(self.certs)
        cert_bounds = np.searchsorted(cert_rows, np.arange(len(self) + 1)).tolist()
        cert_cols = cert_cols.tolist()
        empty: frozenset[str] = frozenset()
        columns = zip(
            self.ids.tolist(),
            self.market_id.tolist(),
            self.trade.tolist(),
            self.starts.tolist(),
            self.ends.tolist(),
            self.start_weekday.tolist(),
            self.pay_per_day.tolist(),
            self.open_slots.tolist(),
            self.level_required.tolist(),
            self.min_age.tolist(),
            self.max_age.tolist(),
            self.lat.tolist(),
            self.lon.tolist(),
            self.employer_standing.tolist(),
            strict=True,
        )
        for i, row in enumerate(columns):
            id_, market, trade, starts, ends, wd, pay, slots, level, lo_age, hi_age = row[:11]
            lat, lon, standing = row[11:]
            clo, chi = cert_bounds[i], cert_bounds[i + 1]
            yield GigRecord(
                id=id_,
                market_id=market,
                trade=codes[trade],
                starts=starts,
                ends=ends,
                start_weekday=wd,
                pay_per_day=pay,
                open_slots=slots,
                level_required=level,
                certificates=(
                    frozenset(names[cert_cols[j]] for j in range(clo, chi)) if chi > clo else empty
                ),
                min_age=lo_age,
                max_age=None if hi_age == NONE else hi_age,
                lat=None if math.isnan(lat) else lat,
                lon=None if math.isnan(lon) else lon,
                employer_standing=standing,
            )

    def record(self, i: int) -> GigRecord:
        """Row i as a GigRecord."""
        return next(self.take(np.array([i])).records())

    def take(self, rows: np.ndarray) -> GigColumns:
        """The given rows as new columns."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value[rows] if isinstance(value, np.ndarray) else list(value)
        return GigColumns(**out)
