"""The matching benchmark (匹配引擎基准): a synthetic province, timed queries, the reference check.

``run()`` returns a dict of figures (``gigmarket bench match`` prints it):

1. generate a seeded synthetic province as columns (:mod:`matching.synth`);
2. build the engine from the columns; resident memory (VmRSS) before and after;
3. time the three query kinds: a worker's top 20 gigs, a gig's top 50 walk-ins on site, a
   gig's top 50 of all registered workers;
4. build the reference engine from records on the same data, run the first
   ``reference_queries`` queries of each kind through it, compare the answers
   (:func:`matching.reference.compare_matches`) and report speed ratios (reference mean /
   engine mean on the same queries);
5. time ``Engine.build`` from the same records, and single updates (upserts and removals).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np

from matching import synth
from matching.engine import Engine
from matching.reference import ReferenceEngine, compare_matches

TARGETS = {
    "top_gigs_p95_ms": 10.0,
    "top_workers_on_site_p95_ms": 50.0,
    "top_workers_all_p95_ms": 50.0,
    "speedup_min": 20.0,
    "index_rss_mb": 1024.0,
}


def rss_mb() -> float:
    """This process's resident memory in MiB (VmRSS; the peak where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _figures(samples_s: list[float], unit: str = "ms") -> dict[str, float]:
    scale = 1000 if unit == "ms" else 1_000_000
    values = sorted(s * scale for s in samples_s)
    if not values:
        return {}
    return {
        f"p50_{unit}": round(statistics.median(values), 3),
        f"p95_{unit}": round(values[int(0.95 * (len(values) - 1))], 3),
        f"mean_{unit}": round(statistics.fmean(values), 3),
        f"max_{unit}": round(values[-1], 3),
    }


def _timed(func: Callable, args: list, cpu: list | None = None) -> tuple[list[float], list]:
    """Wall-clock seconds per call (and this thread's CPU seconds into `cpu`), and the results."""
    samples, results = [], []
    for arg in args:
        start, start_cpu = time.perf_counter(), time.thread_time()
        results.append(func(arg))
        samples.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.thread_time() - start_cpu)
    return samples, results


def run(
    *,
    workers: int = 1_000_000,
    gigs: int = 100_000,
    queries: int = 500,
    reference_queries: int = 20,
    updates: int = 1000,
    seed: int = 20241,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Run the benchmark; a dict of figures (times in ms or µs, memory in MiB)."""
    say = progress or (lambda message: None)
    out: dict = {"workers": workers, "gigs": gigs, "queries": queries, "seed": seed}
    out["cpus"] = os.cpu_count()
    out["load_average_at_start"] = round(os.getloadavg()[0], 2)

    say(f"generating {workers:,} workers and {gigs:,} gigs ...")
    start = time.perf_counter()
    province = synth.province(workers, gigs, seed=seed)
    out["synth_seconds"] = round(time.perf_counter() - start, 2)
    now, day_start = province.now, province.day_start

    gc.collect()
    before = rss_mb()
    say("building the engine from columns ...")
    start = time.perf_counter()
    engine = Engine.from_columns(province.trade_groups, province.workers, province.gigs)
    out["build_seconds"] = round(time.perf_counter() - start, 2)
    gc.collect()
    after = rss_mb()
    out["memory_mb"] = {
        "rss_before_index": round(before, 1),
        "rss_after_index": round(after, 1),
        "index_rss_delta": round(after - before, 1),
        "index_arrays": round(engine.memory_bytes() / 2**20, 1),
    }

    rng = np.random.default_rng(seed + 1)
    worker_ids = rng.choice(province.workers.ids, size=queries).tolist()
    gig_ids = rng.choice(province.gigs.ids, size=queries).tolist()
    kinds: dict[str, tuple[Callable, list[int]]] = {
        "top_gigs_20": (
            lambda e, i: e.top_gigs(i, now=now, day_start=day_start, k=20),
            worker_ids,
        ),
        "top_workers_50_on_site": (
            lambda e, i: e.top_workers(i, now=now, day_start=day_start, k=50, on_site=True),
            gig_ids,
        ),
        "top_workers_50_all": (
            lambda e, i: e.top_workers(i, now=now, day_start=day_start, k=50),
            gig_ids,
        ),
    }
    say(f"timing {queries} queries of each kind ...")
    out["engine_queries"] = {}
    engine_samples, engine_answers = {}, {}
    for kind, (query, ids) in kinds.items():
        query(engine, ids[0])  # warm up
        cpu: list[float] = []
        samples, answers = _timed(lambda i, q=query: q(engine, i), ids, cpu)
        engine_samples[kind], engine_answers[kind] = samples, answers
        cpu_figures = _figures(cpu)
        out["engine_queries"][kind] = {
            **_figures(samples),
            "cpu_p50_ms": cpu_figures["p50_ms"],  # this thread's CPU time: the work itself,
            "cpu_p95_ms": cpu_figures["p95_ms"],  # without waits for a busy machine's cores
            "mean_results": round(statistics.fmean(len(a) for a in answers), 1),
        }

    say("building the reference engine from records ...")
    start = time.perf_counter()
    worker_records = list(province.workers.records())
    gig_records = list(province.gigs.records())
    records_seconds = time.perf_counter() - start
    start = time.perf_counter()
    reference = ReferenceEngine(province.trade_groups)
    reference.build(worker_records, gig_records)
    reference_build = time.perf_counter() - start
    count = min(reference_queries, queries)
    say(f"running {count} queries of each kind through the reference engine ...")
    mismatches, examples = 0, []
    ref_out: dict = {
        "queries": count,
        "records_seconds": round(records_seconds, 2),
        "build_seconds": round(reference_build, 2),
    }
    speedup = {}
    for kind, (query, ids) in kinds.items():
        samples, answers = _timed(lambda i, q=query, r=reference: q(r, i), ids[:count])
        for i, (got, expected) in enumerate(zip(engine_answers[kind], answers, strict=False)):
            problems = compare_matches(got, expected)
            if problems:
                mismatches += 1
                examples.append(f"{kind} id {ids[i]}: {problems[0]}")
        engine_mean = statistics.fmean(engine_samples[kind][:count]) if count else 0.0
        ref_out[kind] = _figures(samples)
        speedup[kind] = round(statistics.fmean(samples) / engine_mean, 1) if count else None
    ref_out["speedup"] = speedup
    ref_out["mismatches"] = mismatches
    if examples:
        ref_out["mismatch_examples"] = examples[:5]
    out["reference"] = ref_out
    del reference

    say("building a second engine from the same records ...")
    gc.collect()
    start = time.perf_counter()
    Engine(province.trade_groups).build(worker_records, gig_records)
    out["build_from_records_seconds"] = round(time.perf_counter() - start, 2)
    del worker_records, gig_records
    gc.collect()

    say(f"timing {updates} updates of each kind ...")
    out["updates"] = _time_updates(engine, province, updates, seed)
    out["targets"] = _targets(out)
    out["load_average_at_end"] = round(os.getloadavg()[0], 2)
    return out


def _time_updates(engine: Engine, province: synth.Province, n: int, seed: int) -> dict:
    """Latency of single upserts and removals (µs)."""
    rng = np.random.default_rng(seed + 2)
    now = province.now
    rows = rng.choice(len(province.workers), size=min(n, len(province.workers)), replace=False)
    changed = [
        dataclasses.replace(
            record,
            busy=(*record.busy, (now + 60, now + 600)),  # accepted a gig
            checked_in_market=int(province.market_ids[0]),
            checked_in_at=now,
        )
        for record in province.workers.take(rows).records()
    ]
    first_worker = int(province.workers.ids.max()) + 1
    new_workers = list(
        synth.more_workers(province, n, seed=seed + 3, first_id=first_worker).records()
    )
    rows = rng.choice(len(province.gigs), size=min(n, len(province.gigs)), replace=False)
    filled = [
        dataclasses.replace(record, open_slots=record.open_slots - 1)
        for record in province.gigs.take(rows).records()
    ]
    first_gig = int(province.gigs.ids.max()) + 1
    new_gigs = list(synth.more_gigs(province, n, seed=seed + 4, first_id=first_gig).records())
    result = {}
    for name, func, args in (
        ("upsert_worker_existing", engine.upsert_worker, changed),
        ("upsert_worker_new", engine.upsert_worker, new_workers),
        ("remove_worker", engine.remove_worker, [r.id for r in new_workers]),
        ("upsert_gig_existing", engine.upsert_gig, filled),
        ("upsert_gig_new", engine.upsert_gig, new_gigs),
        ("remove_gig", engine.remove_gig, [r.id for r in new_gigs]),
    ):
        cpu: list[float] = []
        samples, _ = _timed(func, args, cpu)
        cpu_figures = _figures(cpu, "us")
        result[name] = {
            **_figures(samples, "us"),
            "cpu_p50_us": cpu_figures["p50_us"],
            "cpu_p95_us": cpu_figures["p95_us"],
        }
    return result


def _targets(out: dict) -> dict[str, bool]:
    """Whether each performance target was met."""
    q, ref = out["engine_queries"], out["reference"]
    speedups = [s for s in ref["speedup"].values() if s is not None]
    return {
        "top_gigs_p95_le_10ms": q["top_gigs_20"]["p95_ms"] <= TARGETS["top_gigs_p95_ms"],
        "top_workers_on_site_p95_le_50ms": q["top_workers_50_on_site"]["p95_ms"]
        <= TARGETS["top_workers_on_site_p95_ms"],
        "top_workers_all_p95_le_50ms": q["top_workers_50_all"]["p95_ms"]
        <= TARGETS["top_workers_all_p95_ms"],
        "speedup_ge_20x": bool(speedups) and min(speedups) >= TARGETS["speedup_min"],
        "index_under_1gb": out["memory_mb"]["index_rss_delta"] < TARGETS["index_rss_mb"],
        "answers_equal_reference": ref["mismatches"] == 0,
    }


if __name__ == "__main__":  # python -m matching.bench (without the web app)
    import json
    import sys

    print(json.dumps(run(progress=lambda m: print(m, file=sys.stderr)), indent=2))
