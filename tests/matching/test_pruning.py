"""Distance pruning of a gig's query: the grid bounds hold, and answers do not change."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from matching import synth
from matching.columns import GigColumns, WorkerColumns
from matching.engine import Engine
from matching.records import GigRecord
from matching.scoring import distance_component, haversine_km
from matching.weights import DEFAULT_WEIGHTS

from .util import GROUPS, NOW, worker


def test_distance_pruning_changes_nothing():
    """A gig's query over a large group first bounds candidates by grid cell; the answers are
    exactly those of scoring every candidate."""

    class Pruning(Engine):
        PRUNE_MIN = 0
        PRUNE_FIRST = 64

    class Exhaustive(Engine):
        PRUNE_MIN = 10**9

    p = synth.province(20_000, 400, seed=5)
    pruning = Pruning.from_columns(p.trade_groups, p.workers, p.gigs)
    exhaustive = Exhaustive.from_columns(p.trade_groups, p.workers, p.gigs)
    q = {"now": p.now, "day_start": p.day_start}
    later = [
        dataclasses.replace(r, lat=r.lat and r.lat + 2.0)  # some move out of the grid
        for r in p.workers.take(np.arange(0, 20_000, 97)).records()
    ]
    for engine in (pruning, exhaustive):
        for r in later:
            engine.upsert_worker(r)
    for gig_id in p.gigs.ids[:120].tolist():
        for k in (1, 10, 50):
            expected = exhaustive.top_workers(gig_id, **q, k=k)
            assert pruning.top_workers(gig_id, **q, k=k) == expected
            assert pruning.top_workers(gig_id, **q, k=k, exclude=[m.id for m in expected[:3]]) == (
                exhaustive.top_workers(gig_id, **q, k=k, exclude=[m.id for m in expected[:3]])
            )


@pytest.mark.parametrize(
    ("lat_range", "lon_range"),
    [
        ((34.0, 35.5), (112.5, 114.8)),  # a province
        ((-60.0, 80.0), (-180.0, 180.0)),  # the world, across the antimeridian
        ((60.0, 89.0), (170.0, 190.0)),  # high latitudes, wrapping longitudes
    ],
)
def test_cell_bounds_hold(lat_range, lon_range):
    """For every worker point, its cell's bound is at least its distance component."""
    rng = np.random.default_rng(1)
    n = 4000
    lat = rng.uniform(*lat_range, n)
    lon = (rng.uniform(*lon_range, n) + 180) % 360 - 180
    records = [
        worker(i, lat=float(a), lon=float(b)) for i, (a, b) in enumerate(zip(lat, lon, strict=True))
    ]
    engine = Engine(GROUPS)
    engine.load_columns(WorkerColumns.from_records(records), GigColumns.from_records([]))
    assert engine._grid is not None
    cells = engine._w.cell[:n]
    for gig_id, (g_lat, g_lon) in enumerate(
        zip(
            rng.uniform(*lat_range, 25),
            (rng.uniform(*lon_range, 25) + 180) % 360 - 180,
            strict=True,
        )
    ):
        gig = GigRecord(gig_id, 1, "CON01", NOW, NOW + 60, 0, 100.0, lat=g_lat, lon=g_lon)
        engine.upsert_gig(gig)
        bounds = engine._cell_bounds(engine._gig_rows[gig_id])
        actual = np.array(
            [
                distance_component(haversine_km(a, b, g_lat, g_lon), DEFAULT_WEIGHTS)
                for a, b in zip(lat.tolist(), lon.tolist(), strict=True)
            ]
        )
        assert (bounds[cells] >= actual - 1e-12).all()
        assert np.mean(bounds[cells] - actual) < 0.05  # and tight enough to prune
    unknown = engine._cells(np.array([math.nan]), np.array([math.nan]))[0]
    outside = engine._cells(np.array([lat_range[1] + 5.0]), np.array([0.0]))[0]
    assert bounds[unknown] == 0.5
    assert bounds[outside] == 1.0
    assert not np.isnan(bounds).any()
