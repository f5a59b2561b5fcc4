"""The columnar matching engine (匹配引擎): numpy columns, inverted indexes, vectorised scoring.

Layout (no record objects are kept: ~220 bytes of arrays per worker, see README.md):

* Workers and gigs are rows of numpy columns, one 1-D array per field (a query gathers each
  field of its candidate rows with one contiguous fancy-index), plus bitset columns of shape
  (words, rows): the trades a worker holds and the certificates as uint64 words over growing
  vocabularies (a word is added past every 64 names) and skill levels as uint8 (0 = trade not
  held, else level + 1). Points are also kept as unit vectors, so a distance needs no sine.
  ``id -> row`` is a dict; removed rows go to a free list and are reused; arrays grow by half.
* Trades are grouped (相近工种): each group has a bitset of its trades. Inverted indexes map a
  group to the worker rows holding one of its trades and to the gig rows of its trades, and a
  market to the rows of workers whose latest check-in is there, so a query touches only
  candidate rows. Gig and market lists are exact (swap-remove with stored positions); worker
  group lists are lazy: a worker leaving a group leaves a stale entry (rejected at query time
  by the trade filter) until a quarter of the list is stale and it is compacted.
* Busy intervals: two inline slots per worker; further ones in a pooled ragged "spill" layout
  (offset and count per worker), rebuilt once half of it is garbage.
* A query gathers its candidates' fields, applies the hard filters as vector masks, scores the
  survivors with the formulas of :mod:`matching.weights` and picks the top k with
  ``np.argpartition`` (ties at the k-th place go to the smaller id). Reasons are computed for
  the k results only, by the same scalar code the reference engine uses.
* A gig's query over a large group is pruned first (``_prune``): an upper bound per worker
  (own pay and reliability components, trade and skill at most, distance at the nearest point
  of the worker's grid cell) lets the best-bounded rows be scored first and every row whose
  bound is below the k-th of those scores be skipped. Exact, and typically 90 % fewer rows.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping

import numpy as np

from matching import scoring
from matching.columns import NONE, GigColumns, WorkerColumns
from matching.records import GigRecord, Match, WorkerRecord
from matching.weights import DEFAULT_WEIGHTS, Weights

# Worker flags.
_ALIVE, _SANCTIONED, _MORE_BUSY, _BUSY, _BUSY2 = 1, 2, 4, 8, 16  # busy: 1+, 2+, 3+ intervals

_FREE_START = np.iinfo(np.int64).max  # an unused busy slot never overlaps anything
_FREE_END = np.iinfo(np.int64).min
_LEVEL_WORDS = 16  # the level matrix grows by this many trades at a time
_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_INT32 = (-(2**31), 2**31 - 1)

# name -> (dtype, fill of unused rows)
_WORKER_COLUMNS = {
    "id": (np.int64, 0),
    "flags": (np.uint8, 0),  # _ALIVE | _SANCTIONED | _BUSY | _BUSY2 | _MORE_BUSY
    "days": (np.uint8, 0),  # available weekdays, bit 0 Monday
    "birth": (np.int32, 0),  # epoch day
    "today": (np.int32, 0),  # gigs had today
    "market": (np.int64, NONE),  # market of the latest check-in
    "at": (np.int64, NONE),  # minute of that check-in
    "mpos": (np.int64, -1),  # position in that market's list, -1 not listed
    "bs0": (np.int64, _FREE_START),  # two inline busy intervals [bs, be)
    "be0": (np.int64, _FREE_END),
    "bs1": (np.int64, _FREE_START),
    "be1": (np.int64, _FREE_END),
    "moff": (np.int64, 0),  # further busy intervals: offset and count in the spill arrays
    "mcnt": (np.int32, 0),
    "wish": (np.float64, np.nan),  # desired yuan/day, NaN none
    "lat": (np.float64, np.nan),  # degrees, NaN unknown
    "lon": (np.float64, np.nan),
    "x": (np.float64, np.nan),  # the point as a unit vector (distances without trigonometry)
    "y": (np.float64, np.nan),
    "z": (np.float64, np.nan),
    "rel": (np.float64, 0.0),  # reliability, clipped to [0, 1]
    "cell": (np.uint16, 0),  # grid cell of the point (see Engine._set_grid)
}
# name -> (dtype, words): arrays of shape (words, capacity), one row of bits per word
_WORKER_BITSETS = {
    "tbits": (np.uint64, 1),  # trades held
    "lvl": (np.uint8, _LEVEL_WORDS),  # per trade: 0 not held, else level + 1
    "cbits": (np.uint64, 1),  # certificates
    "member": (np.uint64, 1),  # the group lists the row is in (maybe stale)
}
_GIG_COLUMNS = {
    "id": (np.int64, 0),
    "market": (np.int64, 0),
    "trade": (np.int64, 0),  # trade vocabulary index
    "start": (np.int64, 0),
    "end": (np.int64, 0),
    "day": (np.uint8, 0),  # start weekday
    "slots": (np.int64, 0),
    "level": (np.int64, 0),
    "bmin": (np.int64, 0),  # allowed birth days (age limits on the start day), inclusive
    "bmax": (np.int64, 0),
    "pos": (np.int64, -1),  # position in its group's list
    "pay": (np.float64, 0.0),
    "lat": (np.float64, np.nan),
    "lon": (np.float64, np.nan),
    "x": (np.float64, np.nan),
    "y": (np.float64, np.nan),
    "z": (np.float64, np.nan),
    "stand": (np.float64, 0.0),  # employer standing, clipped to [0, 1]
}
_GIG_BITSETS = {"cbits": (np.uint64, 1)}


class _RowList:
    """A growable array of row numbers (one inverted-index list)."""

    __slots__ = ("n", "rows")

    def __init__(self, rows: np.ndarray | None = None):
        if rows is None:
            self.rows, self.n = np.empty(8, dtype=np.int64), 0
        else:
            self.n = len(rows)
            self.rows = np.empty(max(8, self.n + self.n // 8), dtype=np.int64)
            self.rows[: self.n] = rows

    def append(self, row: int) -> int:
        """Add a row; its position."""
        if self.n == len(self.rows):
            grown = np.empty(2 * len(self.rows), dtype=np.int64)
            grown[: self.n] = self.rows[: self.n]
            self.rows = grown
        self.rows[self.n] = row
        self.n += 1
        return self.n - 1

    def pop_at(self, pos: int) -> int:
        """Remove the entry at pos by moving the last one there; the moved row, or -1."""
        last = self.n - 1
        moved = -1
        if pos != last:
            moved = int(self.rows[last])
            self.rows[pos] = moved
        self.n = last
        return moved

    def view(self) -> np.ndarray:
        return self.rows[: self.n]

    @property
    def nbytes(self) -> int:
        return self.rows.nbytes


class _Spill:
    """Busy intervals beyond the two inline slots: segments of two pooled arrays.

    A row's segment is replaced by appending a new one; the old one becomes garbage, dropped
    when the pool is rebuilt (once garbage outweighs the live entries).
    """

    __slots__ = ("ends", "garbage", "n", "starts")

    def __init__(self, starts: np.ndarray | None = None, ends: np.ndarray | None = None):
        if starts is None or ends is None:
            starts = ends = np.zeros(0, dtype=np.int64)
        self.n = len(starts)
        self.starts = np.empty(max(64, self.n + self.n // 4), dtype=np.int64)
        self.ends = np.empty_like(self.starts)
        self.starts[: self.n], self.ends[: self.n] = starts, ends
        self.garbage = 0

    def add(self, spans: list[tuple[int, int]]) -> int:
        """Store spans; their offset."""
        end = self.n + len(spans)
        if end > len(self.starts):
            size = max(2 * len(self.starts), end)
            for name in ("starts", "ends"):
                grown = np.empty(size, dtype=np.int64)
                grown[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, grown)
        self.starts[self.n : end] = [span[0] for span in spans]
        self.ends[self.n : end] = [span[1] for span in spans]
        offset, self.n = self.n, end
        return offset

    def positions(self, offsets: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Pool positions of the segments (offset, count), concatenated."""
        before = np.cumsum(counts) - counts
        return np.arange(int(counts.sum())) + np.repeat(offsets - before, counts)

    @property
    def nbytes(self) -> int:
        return self.starts.nbytes + self.ends.nbytes


def _bit(index: int) -> tuple[int, np.uint64]:
    """Word and mask of a bit index."""
    word, bit = divmod(index, 64)
    return word, np.uint64(1 << bit)


class _Table:
    """Columns sharing one row capacity, with a free list of rows.

    1-D columns have shape (capacity,); bitset-like columns (words, capacity), so that one
    word of many rows is a contiguous 1-D gather.
    """

    def __init__(self, capacity: int, columns: dict, bitsets: dict):
        self.capacity = capacity
        self.columns, self.bitsets = columns, bitsets
        for name, (dtype, fill) in columns.items():
            setattr(self, name, np.full(capacity, fill, dtype=dtype))
        for name, (dtype, words) in bitsets.items():
            setattr(self, name, np.zeros((words, capacity), dtype=dtype))
        self.top = 0  # rows ever used
        self.free: list[int] = []

    def alloc(self) -> int:
        """A free row (reused, or new; growing by half when full)."""
        if self.free:
            return self.free.pop()
        if self.top == self.capacity:
            self.grow(self.capacity * 3 // 2 + 16)
        self.top += 1
        return self.top - 1

    def grow(self, capacity: int) -> None:
        for name, (dtype, fill) in self.columns.items():
            new = np.full(capacity, fill, dtype=dtype)
            new[: self.capacity] = getattr(self, name)
            setattr(self, name, new)
        for name in self.bitsets:
            old = getattr(self, name)
            new = np.zeros((old.shape[0], capacity), dtype=old.dtype)
            new[:, : self.capacity] = old
            setattr(self, name, new)
        self.capacity = capacity

    def widen(self, name: str, words: int) -> None:
        """Give a bitset column more words."""
        old = getattr(self, name)
        new = np.zeros((words, self.capacity), dtype=old.dtype)
        new[: old.shape[0]] = old
        setattr(self, name, new)

    def reset_row(self, row: int) -> None:
        """Back to the fill values (a removed row)."""
        for name, (_, fill) in self.columns.items():
            getattr(self, name)[row] = fill
        for name in self.bitsets:
            getattr(self, name)[:, row] = 0

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in [*self.columns, *self.bitsets])


def _unit_vector(lat: np.ndarray, lon: np.ndarray):
    """Points on the unit sphere (NaN stays NaN)."""
    p, q = np.radians(lat), np.radians(lon)
    return np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)


def _arc_km(dx, dy, dz) -> np.ndarray:
    """Great-circle km from the difference of two unit vectors (the haversine formula's value).

    The chord c gives sin(angle / 2) = c / 2; its arcsine comes from the Taylor series (exact
    to a few ulps up to 0.05, i.e. ~640 km, and cheaper than np.arcsin) or np.arcsin beyond.
    """
    h = np.sqrt(dx * dx + dy * dy + dz * dz) * 0.5
    h2 = h * h
    s = h * (1 + h2 * (1 / 6 + h2 * (3 / 40 + h2 * (5 / 112 + h2 * (35 / 1152)))))
    far = h > 0.05
    if far.any():
        s[far] = np.arcsin(np.minimum(h[far], 1.0))
    return 2 * scoring.EARTH_RADIUS_KM * s


def _top_k(scores: np.ndarray, rows: np.ndarray, id_column: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, score descending then id (id_column[rows]) ascending."""
    n = len(scores)
    if n > k:
        part = np.argpartition(scores, n - k)[n - k :]
        sel = np.flatnonzero(scores >= scores[part].min())  # every tie at the k-th place
    else:
        sel = np.arange(n)
    order = np.lexsort((id_column[rows[sel]], -scores[sel]))[:k]
    return sel[order]


def _runs(keys: np.ndarray, rows: np.ndarray):
    """(key, rows) for each run of equal keys in a sorted key array."""
    if len(keys) == 0:
        return
    values, firsts = np.unique(keys, return_index=True)
    ends = [*firsts[1:].tolist(), len(keys)]
    for key, lo, hi in zip(values.tolist(), firsts.tolist(), ends, strict=True):
        yield key, rows[lo:hi]


def _dedupe(ids: np.ndarray) -> np.ndarray | None:
    """Rows keeping the last occurrence of each id, or None when the ids are unique."""
    if len(np.unique(ids)) == len(ids):
        return None
    _, first_from_end = np.unique(ids[::-1], return_index=True)
    return np.sort(len(ids) - 1 - first_from_end)


class Engine:
    """Ranks gigs for a worker and workers for a gig over numpy columns (see the module doc).

    Not thread-safe: one writer at a time, and no queries during writes.
    """

    COMPACT_MIN = 256  # stale entries a worker group list tolerates before a quarter counts
    SPILL_COMPACT_MIN = 4096  # garbage busy intervals tolerated before half the pool counts
    PRUNE_MIN = 20_000  # candidates from which a gig's query first bounds them by distance
    PRUNE_FIRST = 2048  # how many of the nearest candidates are scored first to get a bound
    GRID_CELLS = 200  # the grid has at most this many cells a side

    def __init__(self, trade_groups: Mapping[str, str], weights: Weights | None = None):
        self.trade_groups = dict(trade_groups)
        self.weights = weights or DEFAULT_WEIGHTS
        w = self.weights
        # Trade + skill components by stored level (0: related trade only, else level + 1).
        held = np.arange(256)
        skill = np.where(held >= 2, (7 - held) / 5, 0.0)
        self._trade_skill = w.trade * np.where(held > 0, 1.0, w.related_trade) + w.skill * skill
        self._reset()

    @classmethod
    def from_columns(
        cls,
        trade_groups: Mapping[str, str],
        workers: WorkerColumns,
        gigs: GigColumns,
        weights: Weights | None = None,
    ) -> Engine:
        """An engine loaded in bulk from columns (the fast path: seconds for a million)."""
        engine = cls(trade_groups, weights)
        engine.load_columns(workers, gigs)
        return engine

    # ---- state ---------------------------------------------------------------------------------
    def _reset(self, worker_capacity: int = 16, gig_capacity: int = 16) -> None:
        # Vocabularies: trades (with their groups) and certificates.
        self._trades: list[str] = []
        self._trade_index: dict[str, int] = {}
        self._trade_group: list[int] = []
        self._group_keys: dict[tuple[str, str], int] = {}
        self._certs: list[str] = []
        self._cert_index: dict[str, int] = {}
        self._gbits = np.zeros((0, 1), dtype=np.uint64)  # group -> bitset of its trades
        # Rows.
        self._w = _Table(worker_capacity, _WORKER_COLUMNS, _WORKER_BITSETS)
        self._g = _Table(gig_capacity, _GIG_COLUMNS, _GIG_BITSETS)
        self._worker_rows: dict[int, int] = {}
        self._gig_rows: dict[int, int] = {}
        self._spill = _Spill()  # busy intervals beyond two
        self._grid: tuple[float, float, float, int, int] | None = None  # lat0, lon0, size, ny, nx
        self._mark = np.zeros(0, dtype=bool)  # scratch: walk-ins of one market
        # Inverted indexes.
        self._wpost: list[_RowList] = []  # group -> worker rows (lazy)
        self._wstale: list[int] = []
        self._gpost: list[_RowList] = []  # group -> gig rows (exact)
        self._mpost: dict[int, _RowList] = {}  # market -> rows of workers checked in there

    def _trade(self, code: str) -> int:
        """The vocabulary index of a trade, added (with its group) when new."""
        index = self._trade_index.get(code)
        if index is not None:
            return index
        index = len(self._trades)
        self._trades.append(code)
        self._trade_index[code] = index
        words = self._w.tbits.shape[0]
        if index >= 64 * words:
            self._w.widen("tbits", words + 1)
            self._gbits = np.hstack([self._gbits, np.zeros((len(self._gbits), 1), np.uint64)])
        if index >= self._w.lvl.shape[0]:
            self._w.widen("lvl", self._w.lvl.shape[0] + _LEVEL_WORDS)
        name = self.trade_groups.get(code)
        key = ("trade", code) if name is None else ("group", name)
        group = self._group_keys.get(key)
        if group is None:
            group = len(self._group_keys)
            self._group_keys[key] = group
            self._gbits = np.vstack([self._gbits, np.zeros((1, self._gbits.shape[1]), np.uint64)])
            self._wpost.append(_RowList())
            self._wstale.append(0)
            self._gpost.append(_RowList())
            if group >= 64 * self._w.member.shape[0]:
                self._w.widen("member", self._w.member.shape[0] + 1)
        self._trade_group.append(group)
        word, mask = _bit(index)
        self._gbits[group, word] |= mask
        return index

    def _cert(self, name: str) -> int:
        """The vocabulary index of a certificate, added when new."""
        index = self._cert_index.get(name)
        if index is None:
            index = len(self._certs)
            self._certs.append(name)
            self._cert_index[name] = index
            words = self._w.cbits.shape[0]
            if index >= 64 * words:
                self._w.widen("cbits", words + 1)
                self._g.widen("cbits", words + 1)
        return index

    @staticmethod
    def _bitset(indexes: Iterable[int], words: int) -> np.ndarray:
        out = np.zeros(words, dtype=np.uint64)
        for index in indexes:
            word, mask = _bit(index)
            out[word] |= mask
        return out

    # ---- bulk ----------------------------------------------------------------------------------
    def build(self, workers: Iterable[WorkerRecord], gigs: Iterable[GigRecord]) -> None:
        """Replace everything with these records (a later record with the same id wins)."""
        self.load_columns(WorkerColumns.from_records(workers), GigColumns.from_records(gigs))

    def load_columns(self, workers: WorkerColumns, gigs: GigColumns) -> None:
        """Replace everything with these columns (the bulk path under build())."""
        workers.check()
        gigs.check()
        if (keep := _dedupe(workers.ids)) is not None:
            workers = workers.take(keep)
        if (keep := _dedupe(gigs.ids)) is not None:
            gigs = gigs.take(keep)
        n, m = len(workers), len(gigs)
        self._reset(worker_capacity=max(16, n + n // 16), gig_capacity=max(16, m + m // 8))
        # Vocabularies first, while the arrays are small (widening them later copies).
        wtrades = [self._trade(code) for code in workers.trade_codes]
        gtrades = np.array([self._trade(code) for code in gigs.trade_codes], dtype=np.int64)
        wcerts = [self._cert(name) for name in workers.cert_names]
        gcerts = [self._cert(name) for name in gigs.cert_names]
        if len(set(wtrades)) != len(wtrades) or len(set(wcerts)) != len(wcerts):
            raise ValueError("trade codes and certificate names must not repeat")
        if len(set(gcerts)) != len(gcerts):
            raise ValueError("certificate names must not repeat")
        self._load_workers(workers, wtrades, wcerts)
        self._load_gigs(gigs, gtrades, gcerts)

    def _load_workers(self, c: WorkerColumns, trades: list[int], certs: list[int]) -> None:
        n, w = len(c), self._w
        if c.levels.size and (c.levels.max() > 5 or c.levels.min() < -1):
            raise ValueError("skill levels must be -1 (not held) or 0..5")
        _check_range("available_weekdays", c.available_weekdays, 0, 127)
        _check_range("birth_day", c.birth_day, *_INT32)
        w.id[:n] = c.ids
        for j, t in enumerate(trades):
            column = c.levels[:, j]
            held = column >= 0
            w.lvl[t, :n] = np.where(held, column + 1, 0)
            word, mask = _bit(t)
            w.tbits[word, :n] |= np.where(held, mask, np.uint64(0))
        for j, index in enumerate(certs):
            word, mask = _bit(index)
            w.cbits[word, :n] |= np.where(c.certs[:, j], mask, np.uint64(0))
        w.days[:n] = c.available_weekdays
        w.birth[:n] = c.birth_day
        w.today[:n] = np.clip(c.gigs_today, 0, _INT32[1])
        w.market[:n] = c.checked_in_market
        w.at[:n] = c.checked_in_at
        flags = np.where(c.sanctioned, _ALIVE | _SANCTIONED, _ALIVE).astype(np.uint8)
        # Busy intervals: drop empty ones; the first two inline, the rest in a dict.
        owner = np.repeat(np.arange(n), np.diff(c.busy_offsets))
        valid = c.busy_ends > c.busy_starts
        owner, starts, ends = owner[valid], c.busy_starts[valid], c.busy_ends[valid]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
        flags[owner] |= _BUSY
        flags[owner[rank == 1]] |= _BUSY2
        for slot, (cs, ce) in enumerate(((w.bs0, w.be0), (w.bs1, w.be1))):
            pick = rank == slot
            cs[owner[pick]] = starts[pick]
            ce[owner[pick]] = ends[pick]
        more = rank >= 2
        self._spill = _Spill(starts[more], ends[more])
        spilled = owner[more]  # sorted: the layout is row by row
        rows, firsts, counts = np.unique(spilled, return_index=True, return_counts=True)
        w.moff[rows] = firsts
        w.mcnt[rows] = counts
        flags[rows] |= _MORE_BUSY
        w.flags[:n] = flags

        w.wish[:n] = np.where(c.desired_pay > 0, c.desired_pay, np.nan)
        unknown = np.isnan(c.lat) | np.isnan(c.lon)
        w.lat[:n] = np.where(unknown, np.nan, c.lat)
        w.lon[:n] = np.where(unknown, np.nan, c.lon)
        w.x[:n], w.y[:n], w.z[:n] = _unit_vector(w.lat[:n], w.lon[:n])
        w.rel[:n] = np.clip(c.reliability, 0.0, 1.0)
        self._set_grid(w.lat[:n], w.lon[:n])
        w.cell[:n] = self._cells(w.lat[:n], w.lon[:n])

        self._worker_rows = dict(zip(c.ids.tolist(), range(n), strict=True))
        w.top = n
        self._mark = np.zeros(w.capacity, dtype=bool)
        # Inverted indexes: group -> rows, market -> rows.
        for group in range(len(self._wpost)):
            rows = np.flatnonzero(self._holds_group(slice(0, n), group))
            self._wpost[group] = _RowList(rows)
            word, mask = _bit(group)
            w.member[word, rows] |= mask
        rows = np.flatnonzero(c.checked_in_market != NONE)
        rows = rows[np.argsort(c.checked_in_market[rows], kind="stable")]
        for key, chunk in _runs(c.checked_in_market[rows], rows):
            self._mpost[key] = _RowList(chunk)
            w.mpos[chunk] = np.arange(len(chunk))

    def _load_gigs(self, c: GigColumns, trades: np.ndarray, certs: list[int]) -> None:
        m, g = len(c), self._g
        _check_range("start_weekday", c.start_weekday, 0, 6)
        g.id[:m] = c.ids
        for j, index in enumerate(certs):
            word, mask = _bit(index)
            g.cbits[word, :m] |= np.where(c.certs[:, j], mask, np.uint64(0))
        g.market[:m] = c.market_id
        g.trade[:m] = trades[c.trade] if m else 0
        g.start[:m] = c.starts
        g.end[:m] = c.ends
        g.day[:m] = c.start_weekday
        g.slots[:m] = c.open_slots
        g.level[:m] = c.level_required
        bounds: dict[tuple[int, int, int], tuple[int, int]] = {}
        lows, highs = [], []
        for starts, lo_age, hi_age in zip(
            c.starts.tolist(), c.min_age.tolist(), c.max_age.tolist(), strict=True
        ):
            key = (scoring.day_of(starts), lo_age, hi_age)
            if key not in bounds:
                bounds[key] = scoring.birth_day_bounds(
                    starts, lo_age, None if hi_age == NONE else hi_age
                )
            lo, hi = bounds[key]
            lows.append(lo)
            highs.append(hi)
        g.bmin[:m] = lows
        g.bmax[:m] = highs
        g.pay[:m] = c.pay_per_day
        unknown = np.isnan(c.lat) | np.isnan(c.lon)
        g.lat[:m] = np.where(unknown, np.nan, c.lat)
        g.lon[:m] = np.where(unknown, np.nan, c.lon)
        g.x[:m], g.y[:m], g.z[:m] = _unit_vector(g.lat[:m], g.lon[:m])
        g.stand[:m] = np.clip(c.employer_standing, 0.0, 1.0)
        self._gig_rows = dict(zip(c.ids.tolist(), range(m), strict=True))
        g.top = m
        group_of = np.array(self._trade_group, dtype=np.int64)[g.trade[:m]]
        order = np.argsort(group_of, kind="stable")
        for key, chunk in _runs(group_of[order], order):
            self._gpost[key] = _RowList(chunk)
            g.pos[chunk] = np.arange(len(chunk))

    def _set_grid(self, lat: np.ndarray, lon: np.ndarray) -> None:
        """A grid of square cells (degrees) over the workers' points, half a degree around.

        Cells serve only as bounds for pruning; points outside (later upserts) get a cell
        bounded by 1, unknown points one bounded by 0.5, so answers never depend on the grid.
        """
        known = ~np.isnan(lat)
        if not known.any():
            self._grid = None
            return
        lat0, lon0 = float(lat[known].min()) - 0.5, float(lon[known].min()) - 0.5
        extent = max(float(lat[known].max()) + 0.5 - lat0, float(lon[known].max()) + 0.5 - lon0)
        size = max(0.02, extent / self.GRID_CELLS)
        ny = int((float(lat[known].max()) + 0.5 - lat0) / size) + 1
        nx = int((float(lon[known].max()) + 0.5 - lon0) / size) + 1
        self._grid = (lat0, lon0, size, ny, nx)

    def _cells(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Grid cells of points: i * nx + j inside, ny * nx unknown, ny * nx + 1 outside."""
        if self._grid is None:
            return np.zeros(len(lat), dtype=np.uint16)
        lat0, lon0, size, ny, nx = self._grid
        with np.errstate(invalid="ignore"):
            i = np.floor((lat - lat0) / size)
            j = np.floor((lon - lon0) / size)
        inside = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
        cells = np.where(inside, np.where(inside, i, 0) * nx + np.where(inside, j, 0), ny * nx + 1)
        return np.where(np.isnan(lat), ny * nx, cells).astype(np.uint16)

    def _cell(self, lat: float, lon: float) -> int:
        """The grid cell of one point (as _cells)."""
        if self._grid is None:
            return 0
        lat0, lon0, size, ny, nx = self._grid
        if math.isnan(lat):
            return ny * nx
        i, j = math.floor((lat - lat0) / size), math.floor((lon - lon0) / size)
        return i * nx + j if 0 <= i < ny and 0 <= j < nx else ny * nx + 1

    # ---- workers -------------------------------------------------------------------------------
    def _holds_group(self, rows, group: int) -> np.ndarray:
        """Whether each row holds a trade of the group (removed rows hold none)."""
        bits, tbits = self._gbits[group], self._w.tbits
        held = (tbits[0][rows] & bits[0]) != 0
        for word in range(1, len(bits)):
            if bits[word]:
                held |= (tbits[word][rows] & bits[word]) != 0
        return held

    def _row_groups(self, row: int) -> set[int]:
        held = np.flatnonzero(self._w.lvl[: len(self._trades), row])
        return {self._trade_group[t] for t in held.tolist()}

    def _stale(self, group: int) -> None:
        """Count a stale entry in a worker group list; compact the list when many are."""
        self._wstale[group] += 1
        entries = self._wpost[group]
        if self._wstale[group] > max(self.COMPACT_MIN, entries.n // 4):
            rows = entries.view()
            keep = self._holds_group(rows, group)
            word, mask = _bit(group)
            self._w.member[word, rows[~keep]] &= ~mask
            self._wpost[group] = _RowList(rows[keep])
            self._wstale[group] = 0

    def _compact_spill(self) -> None:
        """Rebuild the spill pool without garbage once garbage outweighs the live entries."""
        spill, w = self._spill, self._w
        if spill.garbage <= max(self.SPILL_COMPACT_MIN, spill.n // 2):
            return
        rows = np.flatnonzero(w.mcnt[: w.top])
        counts = w.mcnt[rows].astype(np.int64)
        at = spill.positions(w.moff[rows], counts)
        self._spill = _Spill(spill.starts[at], spill.ends[at])
        w.moff[rows] = np.cumsum(counts) - counts

    def _unpost_market(self, row: int) -> None:
        w = self._w
        pos = int(w.mpos[row])
        if pos < 0:
            return
        market = int(w.market[row])
        entries = self._mpost[market]
        moved = entries.pop_at(pos)
        if moved >= 0:
            w.mpos[moved] = pos
        if entries.n == 0:
            del self._mpost[market]
        w.mpos[row] = -1

    def upsert_worker(self, record: WorkerRecord) -> None:
        """Add or replace a worker (amortised O(1): a few array writes and list appends)."""
        if not 0 <= record.available_weekdays <= 127:
            raise ValueError(f"worker {record.id}: available_weekdays must be a 7-bit mask")
        if not _INT32[0] <= record.birth_day <= _INT32[1]:
            raise ValueError(f"worker {record.id}: birth_day out of range")
        trades = [(self._trade(code), level) for code, level in record.trades.items()]
        for _, level in trades:
            if not 0 <= level <= 5:
                raise ValueError(f"worker {record.id}: skill level {level} out of range")
        certs = [self._cert(name) for name in record.certificates]
        w = self._w
        row = self._worker_rows.get(record.id)
        if row is None:
            row = w.alloc()
            if len(self._mark) < w.capacity:
                self._mark = np.zeros(w.capacity, dtype=bool)
            self._worker_rows[record.id] = row
            old_groups: set[int] = set()
        else:
            old_groups = self._row_groups(row)
        market = NONE if record.checked_in_market is None else record.checked_in_market
        if w.mpos[row] >= 0 and w.market[row] != market:
            self._unpost_market(row)

        w.id[row] = record.id
        w.lvl[:, row] = 0
        for t, level in trades:
            w.lvl[t, row] = level + 1
        w.tbits[:, row] = self._bitset((t for t, _ in trades), w.tbits.shape[0])
        w.cbits[:, row] = self._bitset(certs, w.cbits.shape[0])
        busy = [(s, e) for s, e in record.busy if e > s]
        flags = _ALIVE | (_SANCTIONED if record.sanctioned else 0)
        flags |= (_BUSY if busy else 0) | (_BUSY2 if len(busy) > 1 else 0)
        self._spill.garbage += int(w.mcnt[row])
        w.mcnt[row] = max(len(busy) - 2, 0)
        if len(busy) > 2:
            w.moff[row] = self._spill.add(busy[2:])
            flags |= _MORE_BUSY
        self._compact_spill()
        slots = [*busy[:2], *[(_FREE_START, _FREE_END)] * (2 - len(busy[:2]))]
        w.bs0[row], w.be0[row] = slots[0]
        w.bs1[row], w.be1[row] = slots[1]
        w.flags[row] = flags
        w.days[row] = record.available_weekdays
        w.birth[row] = record.birth_day
        w.today[row] = min(max(record.gigs_today, 0), _INT32[1])
        w.market[row] = market
        w.at[row] = NONE if record.checked_in_at is None else record.checked_in_at
        wish = record.desired_pay_per_day
        w.wish[row] = wish if scoring.valid_wish(wish) else math.nan
        w.lat[row], w.lon[row], w.x[row], w.y[row], w.z[row] = _point(record.lat, record.lon)
        w.rel[row] = scoring.clip01(record.reliability)
        w.cell[row] = self._cell(float(w.lat[row]), float(w.lon[row]))

        new_groups = {self._trade_group[t] for t, _ in trades}
        for group in new_groups:
            word, mask = _bit(group)
            if not w.member[word, row] & mask:
                self._wpost[group].append(row)
                w.member[word, row] |= mask
        for group in old_groups - new_groups:
            self._stale(group)
        if market != NONE and w.mpos[row] < 0:
            entries = self._mpost.get(market)
            if entries is None:
                entries = self._mpost[market] = _RowList()
            w.mpos[row] = entries.append(row)

    def remove_worker(self, worker_id: int) -> None:
        """Forget a worker (unknown id: nothing happens); the row is reused later."""
        row = self._worker_rows.pop(worker_id, None)
        if row is None:
            return
        groups = self._row_groups(row)
        self._unpost_market(row)
        member = self._w.member[:, row].copy()  # the row stays in those lists until compaction
        self._spill.garbage += int(self._w.mcnt[row])
        self._w.reset_row(row)
        self._w.member[:, row] = member
        self._w.free.append(row)
        for group in groups:
            self._stale(group)

    def has_worker(self, worker_id: int) -> bool:
        return worker_id in self._worker_rows

    @property
    def worker_count(self) -> int:
        return len(self._worker_rows)

    # ---- gigs ----------------------------------------------------------------------------------
    def upsert_gig(self, record: GigRecord) -> None:
        """Add or replace a gig (O(1))."""
        if not 0 <= record.start_weekday <= 6:
            raise ValueError(f"gig {record.id}: start_weekday must be 0..6")
        t = self._trade(record.trade)
        certs = [self._cert(name) for name in record.certificates]
        group = self._trade_group[t]
        g = self._g
        row = self._gig_rows.get(record.id)
        if row is None:
            row = g.alloc()
            self._gig_rows[record.id] = row
            g.pos[row] = self._gpost[group].append(row)
        elif self._trade_group[int(g.trade[row])] != group:
            self._unpost_gig(row)
            g.pos[row] = self._gpost[group].append(row)
        g.bmin[row], g.bmax[row] = scoring.birth_day_bounds(
            record.starts, record.min_age, record.max_age
        )
        g.id[row] = record.id
        g.market[row] = record.market_id
        g.trade[row] = t
        g.start[row] = record.starts
        g.end[row] = record.ends
        g.day[row] = record.start_weekday
        g.slots[row] = record.open_slots
        g.level[row] = record.level_required
        g.pay[row] = record.pay_per_day
        g.lat[row], g.lon[row], g.x[row], g.y[row], g.z[row] = _point(record.lat, record.lon)
        g.stand[row] = scoring.clip01(record.employer_standing)
        g.cbits[:, row] = self._bitset(certs, g.cbits.shape[0])

    def _unpost_gig(self, row: int) -> None:
        g = self._g
        pos = int(g.pos[row])
        moved = self._gpost[self._trade_group[int(g.trade[row])]].pop_at(pos)
        if moved >= 0:
            g.pos[moved] = pos
        g.pos[row] = -1

    def remove_gig(self, gig_id: int) -> None:
        """Forget a gig (unknown id: nothing happens)."""
        row = self._gig_rows.pop(gig_id, None)
        if row is None:
            return
        self._unpost_gig(row)
        self._g.reset_row(row)
        self._g.free.append(row)

    def has_gig(self, gig_id: int) -> bool:
        return gig_id in self._gig_rows

    @property
    def gig_count(self) -> int:
        return len(self._gig_rows)

    # ---- queries -------------------------------------------------------------------------------
    def _worker_busy(self, row: int) -> list[tuple[int, int]]:
        w = self._w
        spans = [(int(w.bs0[row]), int(w.be0[row])), (int(w.bs1[row]), int(w.be1[row]))]
        spans = [span for span in spans if span[0] != _FREE_START]
        count = int(w.mcnt[row])
        if count:
            lo = int(w.moff[row])
            starts = self._spill.starts[lo : lo + count].tolist()
            spans += zip(starts, self._spill.ends[lo : lo + count].tolist(), strict=True)
        return spans

    def top_gigs(
        self,
        worker_id: int,
        *,
        now: int,
        day_start: int,
        k: int = 20,
        markets: Collection[int] | None = None,
        exclude: Collection[int] = (),
    ) -> list[Match]:
        """The best open gigs for one worker (Match.id is the gig's id).

        markets: only gigs of these markets; exclude: gig ids to leave out. [] for an unknown
        or sanctioned worker. Candidates: the gigs of the groups the worker holds a trade of.
        """
        row = self._worker_rows.get(worker_id)
        if row is None or k <= 0:
            return []
        w, g, wt = self._w, self._g, self.weights
        if int(w.flags[row]) & (_ALIVE | _SANCTIONED) != _ALIVE:
            return []
        parts = [self._gpost[group].view() for group in sorted(self._row_groups(row))]
        rows = np.concatenate(parts) if parts else _EMPTY_ROWS
        if markets is not None:
            rows = rows[np.isin(g.market[rows], np.fromiter(markets, dtype=np.int64))]
        if len(rows) == 0:
            return []
        # Hard filters (the trade filter holds by construction).
        end = g.end[rows]
        ok = (g.slots[rows] > 0) & (end > now)
        held = w.lvl[: len(self._trades), row].astype(np.int64)[g.trade[rows]]
        need = g.level[rows]
        ok &= (need <= 0) | ((held >= 2) & (held <= need + 1))
        for word in range(g.cbits.shape[0]):
            ok &= (g.cbits[word][rows] & ~w.cbits[word, row]) == 0
        ok &= (np.right_shift(w.days[row], g.day[rows]) & 1) != 0
        birth = int(w.birth[row])
        ok &= (g.bmin[rows] <= birth) & (birth <= g.bmax[rows])
        busy = self._worker_busy(row)
        if busy:
            start = g.start[rows]
            for s, e in busy:
                ok &= (start >= e) | (end <= s)
        if exclude:
            ok &= ~np.isin(g.id[rows], np.fromiter(exclude, dtype=np.int64))
        keep = np.flatnonzero(ok)
        if len(keep) == 0:
            return []
        rows, held = rows[keep], held[keep]
        # Scores.
        score = self._trade_skill[held]
        wish = float(w.wish[row])
        if math.isnan(wish):
            score = score + wt.pay * 0.5
        else:
            pay = (g.pay[rows] / wish - wt.pay_low_ratio) / (wt.pay_high_ratio - wt.pay_low_ratio)
            score = score + wt.pay * np.clip(pay, 0.0, 1.0)
        if math.isnan(w.x[row]):
            score = score + wt.distance * 0.5
        else:
            km = _arc_km(g.x[rows] - w.x[row], g.y[rows] - w.y[row], g.z[rows] - w.z[row])
            near = 1.0 / (1.0 + km / wt.distance_scale_km)
            score = score + wt.distance * np.where(np.isnan(near), 0.5, near)
        hours = (g.start[rows] - now) / 60
        start = 1.0 / (1.0 + np.maximum(hours - wt.start_full_hours, 0.0) / wt.start_decay_hours)
        score = score + wt.start * start
        score = score + wt.reliability * float(w.rel[row])
        score = score + wt.employer * g.stand[rows]
        at = int(w.at[row])
        if at != NONE and at >= day_start:
            here = np.flatnonzero(g.market[rows] == w.market[row])
            fair = self._fairness(max(now - at, 0), int(w.today[row]))
            score[here] += wt.fairness * fair
        top = _top_k(score, rows, g.id, k)
        grows = rows[top]
        reasons = self._explain(np.full(len(top), row), grows, now, day_start)
        return [
            Match(id_, value, why)
            for id_, value, why in zip(
                g.id[grows].tolist(), score[top].tolist(), reasons, strict=True
            )
        ]

    def top_workers(
        self,
        gig_id: int,
        *,
        now: int,
        day_start: int,
        k: int = 50,
        on_site: bool = False,
        exclude: Collection[int] = (),
    ) -> list[Match]:
        """The best workers for one gig (Match.id is the worker's id).

        on_site: only walk-ins checked in at the gig's market since day_start. exclude: worker
        ids to leave out. [] for an unknown, filled or finished gig. Candidates: the workers
        of the gig's trade group (or the market's walk-ins); a large group is first narrowed
        by distance bounds (see _prune).
        """
        grow = self._gig_rows.get(gig_id)
        if grow is None or k <= 0:
            return []
        w, g = self._w, self._g
        if g.slots[grow] <= 0 or g.end[grow] <= now:
            return []
        entries = self._mpost.get(int(g.market[grow]))
        walk_ins = _EMPTY_ROWS
        if entries is not None:
            walk_ins = entries.view()
            walk_ins = walk_ins[w.at[walk_ins] >= day_start]
        group = self._trade_group[int(g.trade[grow])]
        rows = walk_ins if on_site else self._wpost[group].view()
        if len(rows) == 0:
            return []
        skip = _EMPTY_ROWS
        if exclude:
            skip = np.array([self._worker_rows[i] for i in exclude if i in self._worker_rows])
        mark = self._mark
        mark[walk_ins] = True  # fairness applies to these rows
        try:
            if not on_site and len(rows) > self.PRUNE_MIN:
                rows = self._prune(rows, grow, k, now, skip)
            rows, score = self._score_workers(rows, grow, now, skip)
        finally:
            mark[walk_ins] = False
        if len(rows) == 0:
            return []
        top = _top_k(score, rows, w.id, k)
        wrows = rows[top]
        reasons = self._explain(wrows, np.full(len(top), grow), now, day_start)
        return [
            Match(id_, value, why)
            for id_, value, why in zip(
                w.id[wrows].tolist(), score[top].tolist(), reasons, strict=True
            )
        ]

    def _score_workers(
        self, rows: np.ndarray, grow: int, now: int, skip: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows passing every hard filter for the gig, and their scores.

        Walk-ins on site (fairness) are the rows set in self._mark; skip: rows to leave out.
        """
        w, g, wt = self._w, self._g, self.weights
        g_end, g_start, t = int(g.end[grow]), int(g.start[grow]), int(g.trade[grow])
        # Hard filters (no_open_slots and started are checked by the caller).
        flags = w.flags[rows]
        ok = (flags & (_ALIVE | _SANCTIONED)) == _ALIVE
        ok &= self._holds_group(rows, self._trade_group[t])
        need = int(g.level[grow])
        if need > 0:
            held = w.lvl[t][rows]
            ok &= (held >= 2) & (held <= min(need, 254) + 1)
        for word in range(g.cbits.shape[0]):
            required = g.cbits[word, grow]
            if required:
                ok &= (w.cbits[word][rows] & required) == required
        ok &= (np.right_shift(w.days[rows], g.day[grow]) & 1) != 0
        birth = w.birth[rows]
        ok &= (birth >= g.bmin[grow]) & (birth <= g.bmax[grow])
        if len(skip):
            ok &= ~np.isin(rows, skip)
        keep = np.flatnonzero(ok)
        rows, flags = rows[keep], flags[keep]
        busy = np.flatnonzero(flags & _BUSY)
        if len(busy):
            b, busy_flags = rows[busy], flags[busy]
            clash = (w.bs0[b] < g_end) & (w.be0[b] > g_start)
            two = np.flatnonzero((busy_flags & _BUSY2) != 0)  # a minority: gather slot 1 only there
            clash[two] |= (w.bs1[b[two]] < g_end) & (w.be1[b[two]] > g_start)
            more = np.flatnonzero(~clash & ((busy_flags & _MORE_BUSY) != 0))
            if len(more):
                counts = w.mcnt[b[more]].astype(np.int64)
                at = self._spill.positions(w.moff[b[more]], counts)
                hit = (self._spill.starts[at] < g_end) & (self._spill.ends[at] > g_start)
                clash[more[np.repeat(np.arange(len(more)), counts)[hit]]] = True
            if clash.any():
                rows = np.delete(rows, busy[clash])
        # Scores, in the order of scoring.total.
        score = self._trade_skill[w.lvl[t][rows]]
        wish = w.wish[rows]
        pay = (float(g.pay[grow]) / wish - wt.pay_low_ratio) / (
            wt.pay_high_ratio - wt.pay_low_ratio
        )
        score += wt.pay * np.where(np.isnan(wish), 0.5, np.clip(pay, 0.0, 1.0))
        if math.isnan(g.x[grow]):
            score += wt.distance * 0.5
        else:
            km = _arc_km(w.x[rows] - g.x[grow], w.y[rows] - g.y[grow], w.z[rows] - g.z[grow])
            near = 1.0 / (1.0 + km / wt.distance_scale_km)
            score += wt.distance * np.where(np.isnan(near), 0.5, near)
        score += wt.start * scoring.start_component(g_start, now, wt)
        score += wt.reliability * w.rel[rows]
        score += wt.employer * float(g.stand[grow])
        here = np.flatnonzero(self._mark[rows])
        if len(here):
            waited = np.maximum(now - w.at[rows[here]], 0)
            score[here] += wt.fairness * self._fairness(waited, w.today[rows[here]])
        return rows, score

    def _prune(self, rows: np.ndarray, grow: int, k: int, now: int, skip: np.ndarray):
        """Drop candidates that cannot reach the top k, by an upper bound on their score.

        The bound takes the worker's pay and reliability components as they are, the trade
        and skill components at their maximum and the distance component at the nearest point
        of the worker's grid cell (cells are set at build time over the workers' bounding
        box); walk-ins (fairness) are always kept. The rows with the highest bounds are scored
        first; the k-th of their scores, T, rules out every row whose bound is below T. Exact:
        a row left out scores strictly below k scored ones.
        """
        g, w, wt = self._g, self._w, self.weights
        weights = (wt.trade, wt.skill, wt.pay, wt.distance, wt.start, wt.reliability, wt.employer)
        if self._grid is None or math.isnan(g.lat[grow]) or min(weights) < 0:
            return rows
        wish = w.wish[rows]
        pay = (float(g.pay[grow]) / wish - wt.pay_low_ratio) / (
            wt.pay_high_ratio - wt.pay_low_ratio
        )
        bound = wt.pay * np.where(np.isnan(wish), 0.5, np.clip(pay, 0.0, 1.0))
        bound += wt.reliability * w.rel[rows]
        bound += wt.distance * self._cell_bounds(grow)[w.cell[rows]]
        bound += wt.trade * max(1.0, wt.related_trade) + wt.skill
        bound += wt.start * scoring.start_component(int(g.start[grow]), now, wt)
        bound += wt.employer * float(g.stand[grow])
        first = max(4 * k, self.PRUNE_FIRST)
        while True:  # the most promising rows, more of them until k pass the hard filters
            if first >= len(rows):
                return rows
            best = rows[np.argpartition(-bound, first - 1)[:first]]
            _, scores = self._score_workers(best, grow, now, skip)
            if len(scores) >= k:
                break
            first *= 8
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = bound >= kth - 1e-9
        keep |= self._mark[rows]  # walk-ins may add fairness
        return rows[keep]

    def _cell_bounds(self, grow: int) -> np.ndarray:
        """Upper bounds of the distance component per grid cell for a gig (unknown: 0.5)."""
        grid, g = self._grid, self._g
        lat, lon = float(g.lat[grow]), float(g.lon[grow])
        lat0, lon0, size, ny, nx = grid
        rad = math.pi / 180
        # Latitude bands and longitude columns of the cells (bands clamped to the poles).
        lo = np.clip(lat0 + size * np.arange(ny), -90.0, 90.0)
        hi = np.clip(lat0 + size * np.arange(1, ny + 1), -90.0, 90.0)
        gap_lat = np.maximum(0.0, np.maximum(lo - lat, lat - hi))
        cos_min = np.maximum(np.minimum(np.cos(lo * rad), np.cos(hi * rad)), 0.0)
        d = np.mod(lon - (lon0 + size * np.arange(nx)), 360.0)
        gap_lon = np.where(d <= size, 0.0, np.minimum(d - size, 360.0 - d))
        a = (
            np.sin(gap_lat * rad / 2)[:, None] ** 2
            + (math.cos(lat * rad) * cos_min)[:, None] * np.sin(gap_lon * rad / 2)[None, :] ** 2
        )
        km = 2 * scoring.EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        near = 1.0 / (1.0 + km.ravel() / self.weights.distance_scale_km)
        return np.concatenate([near * (1 + 1e-12), [0.5, 1.0]])  # + unknown, outside

    def why_not(self, worker_id: int, gig_id: int, *, now: int) -> list[str]:
        """Codes of the hard filters the pair fails, [] when eligible (KeyError: unknown id)."""
        row, grow = self._worker_rows[worker_id], self._gig_rows[gig_id]
        w, g = self._w, self._g
        t, g_start, g_end = int(g.trade[grow]), int(g.start[grow]), int(g.end[grow])
        held, need = int(w.lvl[t, row]), int(g.level[grow])
        failing = {
            "no_open_slots": g.slots[grow] <= 0,
            "trade": not self._holds_group(np.array([row]), self._trade_group[t])[0],
            "level": need > 0 and not (held >= 2 and held <= need + 1),
            "certificates": bool((g.cbits[:, grow] & ~w.cbits[:, row]).any()),
            "overlap": any(s < g_end and e > g_start for s, e in self._worker_busy(row)),
            "weekday": not (int(w.days[row]) >> int(g.day[grow])) & 1,
            "sanctioned": bool(w.flags[row] & _SANCTIONED),
            "age": not g.bmin[grow] <= w.birth[row] <= g.bmax[grow],
            "started": g_end <= now,
        }
        return [code for code in scoring.FILTER_CODES if failing[code]]

    # ---- scoring -------------------------------------------------------------------------------
    def _fairness(self, waited, gigs_today):
        """The fairness component of walk-ins (scalars or arrays)."""
        w = self.weights
        waited = np.minimum(waited, w.wait_cap_minutes) / w.wait_cap_minutes
        return (w.fairness_base + (1.0 - w.fairness_base) * waited) / (1 + gigs_today)

    def _explain(self, wrows: np.ndarray, grows: np.ndarray, now: int, day_start: int):
        """Reasons for (worker row, gig row) pairs, from the same figures as the reference."""
        w, g = self._w, self._g
        trades = g.trade[grows]
        held = w.lvl[trades, wrows].tolist()
        columns = zip(
            wrows.tolist(),
            grows.tolist(),
            trades.tolist(),
            held,
            w.lat[wrows].tolist(),
            w.lon[wrows].tolist(),
            g.lat[grows].tolist(),
            g.lon[grows].tolist(),
            w.market[wrows].tolist(),
            g.market[grows].tolist(),
            w.at[wrows].tolist(),
            w.wish[wrows].tolist(),
            g.pay[grows].tolist(),
            g.start[grows].tolist(),
            w.rel[wrows].tolist(),
            g.stand[grows].tolist(),
            w.today[wrows].tolist(),
            strict=True,
        )
        certificates: dict[int, list[str]] = {}
        out = []
        for row, grow, t, level, w_lat, w_lon, g_lat, g_lon, *rest in columns:
            w_market, g_market, at, wish, pay, starts, reliability, standing, today = rest
            exact = level > 0
            if exact:
                worker_trade = self._trades[t]
            else:
                group = self._trade_group[t]
                mine = np.flatnonzero(w.lvl[: len(self._trades), row]).tolist()
                worker_trade = min(self._trades[i] for i in mine if self._trade_group[i] == group)
            if grow not in certificates:
                bits = [int(word) for word in g.cbits[:, grow]]
                certificates[grow] = [
                    name for i, name in enumerate(self._certs) if bits[i // 64] >> (i % 64) & 1
                ]
            known = not (math.isnan(w_lat) or math.isnan(g_lat))
            on_site = w_market == g_market and at != NONE and at >= day_start
            reasons = scoring.explain(
                w=self.weights,
                exact=exact,
                worker_trade=worker_trade,
                gig_trade=self._trades[t],
                level=level - 1 if exact else 0,
                certificates=certificates[grow],
                pay=pay,
                wish=None if math.isnan(wish) else wish,
                km=scoring.haversine_km(w_lat, w_lon, g_lat, g_lon) if known else None,
                starts=starts,
                now=now,
                reliability=reliability,
                standing=standing,
                on_site=on_site,
                minutes=max(0, now - at) if on_site else 0,
                gigs_today=today,
            )
            out.append(reasons)
        return out

    # ---- introspection ---------------------------------------------------------------------------
    def memory_bytes(self) -> int:
        """Bytes held in numpy arrays and index lists (the id dicts not included)."""
        lists = [*self._wpost, *self._gpost, *self._mpost.values()]
        arrays = self._w.nbytes + self._g.nbytes + self._mark.nbytes + self._gbits.nbytes
        arrays += self._spill.nbytes
        return arrays + sum(entries.nbytes for entries in lists)

    @property
    def trade_codes(self) -> list[str]:
        """The trade vocabulary, in bit order."""
        return list(self._trades)


def _point(lat: float | None, lon: float | None) -> tuple[float, float, float, float, float]:
    """lat, lon and the unit vector of a point; all NaN when either coordinate is unknown."""
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return (math.nan,) * 5
    p, q = math.radians(lat), math.radians(lon)
    return lat, lon, math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)


def _check_range(name: str, values: np.ndarray, lo: int, hi: int) -> None:
    if len(values) and (values.min() < lo or values.max() > hi):
        raise ValueError(f"{name} outside {lo}..{hi}")
