"""The synthetic province, the column format and a tiny benchmark run."""

from __future__ import annotations

import dataclasses

import numpy as np

from matching import bench, synth
from matching.columns import GigColumns, WorkerColumns
from matching.engine import Engine
from matching.reference import ReferenceEngine

from .util import DAY_START, GROUPS, NOW, assert_same, gig, worker


def test_tiny_bench_run_reports_figures_and_no_mismatches():
    result = bench.run(workers=3000, gigs=300, queries=20, reference_queries=5, updates=20, seed=7)
    assert result["workers"] == 3000
    assert result["gigs"] == 300
    for key in ("synth_seconds", "build_seconds", "build_from_records_seconds"):
        assert result[key] >= 0
    assert set(result["memory_mb"]) == {
        "rss_before_index",
        "rss_after_index",
        "index_rss_delta",
        "index_arrays",
    }
    kinds = {"top_gigs_20", "top_workers_50_on_site", "top_workers_50_all"}
    assert set(result["engine_queries"]) == kinds
    for figures in result["engine_queries"].values():
        assert {"p50_ms", "p95_ms", "mean_ms", "max_ms", "mean_results"} <= set(figures)
    assert result["engine_queries"]["top_workers_50_all"]["mean_results"] > 0
    reference = result["reference"]
    assert reference["mismatches"] == 0, reference.get("mismatch_examples")
    assert set(reference["speedup"]) == kinds
    assert kinds <= set(reference)
    assert set(result["updates"]) == {
        "upsert_worker_existing",
        "upsert_worker_new",
        "remove_worker",
        "upsert_gig_existing",
        "upsert_gig_new",
        "remove_gig",
    }
    assert set(result["targets"]) >= {"answers_equal_reference", "index_under_1gb"}
    assert result["targets"]["answers_equal_reference"]


def test_synthetic_province_shape():
    p = synth.province(20_000, 2_000, seed=3)
    w, g = p.workers, p.gigs
    w.check()
    g.check()
    assert len(w) == 20_000
    assert len(g) == 2_000
    assert len(set(p.trade_groups)) == 40
    assert len(set(p.trade_groups.values())) == 8
    held = (w.levels >= 0).sum(axis=1)
    assert held.min() >= 1
    assert held.max() <= 3
    assert 0.07 < w.certs.any(axis=1).mean() < 0.13
    on_site = (w.checked_in_at >= p.day_start).mean()
    assert 0.04 < on_site < 0.06
    assert (g.ends > p.now).all()
    assert (g.starts < p.now + 15 * 1440).all()
    assert g.open_slots.min() >= 1
    assert g.open_slots.max() <= 10
    assert abs(np.nanmean(w.lat) - synth.CENTER_LAT) < 0.5
    again = synth.province(20_000, 2_000, seed=3)
    assert np.array_equal(again.workers.birth_day, w.birth_day)  # seeded


def test_columns_round_trip_and_bulk_equals_upserts():
    p = synth.province(3_000, 300, seed=11)
    workers, gigs = list(p.workers.records()), list(p.gigs.records())
    assert WorkerColumns.from_records(workers).take(np.arange(3_000)).record(17) == workers[17]
    assert list(GigColumns.from_records(gigs).records()) == gigs
    bulk = Engine.from_columns(p.trade_groups, p.workers, p.gigs)
    one_by_one = Engine(p.trade_groups)
    for r in workers:
        one_by_one.upsert_worker(r)
    for r in gigs:
        one_by_one.upsert_gig(r)
    reference = ReferenceEngine(p.trade_groups)
    reference.build(workers, gigs)
    q = {"now": p.now, "day_start": p.day_start}
    for gig_id in gigs[:40:3]:
        expected = reference.top_workers(gig_id.id, **q)
        assert_same(bulk.top_workers(gig_id.id, **q), expected)
        assert_same(one_by_one.top_workers(gig_id.id, **q), expected)
    for r in workers[:60:7]:
        assert_same(bulk.top_gigs(r.id, **q), reference.top_gigs(r.id, **q))


def test_build_from_records_equals_from_columns():
    records = [
        worker(1, busy=((NOW, NOW + 60), (NOW + 90, NOW + 120), (NOW + 200, NOW + 300))),
        dataclasses.replace(worker(2), desired_pay_per_day=0.0, lat=None),
        worker(3, checked_in_market=7, checked_in_at=NOW - 5, gigs_today=2),
    ]
    engine = Engine(GROUPS)
    engine.build(records, [gig(100)])
    columns = Engine.from_columns(
        GROUPS, WorkerColumns.from_records(records), GigColumns.from_records([gig(100)])
    )
    q = {"now": NOW, "day_start": DAY_START}
    assert engine.top_workers(100, **q) == columns.top_workers(100, **q)
    assert engine.memory_bytes() > 0


def test_cli_bench_match_prints_json():
    import json

    from click.testing import CliRunner

    from webapp.cli import bench_cli

    args = ["match", "--workers", "2000", "--gigs", "200", "--queries", "5"]
    result = CliRunner().invoke(bench_cli, [*args, "--reference-queries", "2", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["workers"] == 2000
    assert figures["reference"]["mismatches"] == 0
    table = CliRunner().invoke(bench_cli, [*args, "--reference-queries", "2"])
    assert table.exit_code == 0, table.output
    assert "mismatches against the reference: 0" in table.stdout


def test_matching_needs_no_web_stack():
    """matching/ imports neither Flask nor SQLAlchemy nor webapp."""
    import subprocess
    import sys

    code = (
        "import sys, matching, matching.bench, matching.synth, matching.reference\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'webapp')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
