"""Benchmarks that print their figures (never timed tests): identity protection costs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from webapp.identity import (
    BlindIndex,
    FieldCipher,
    Keyring,
    mask_text,
    parse_resident_id,
    synthesize_resident_id,
)


def _timings(func: Callable[[int], object], n: int) -> dict[str, float]:
    """Per-call latency figures in microseconds for n calls of func(i)."""
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        func(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 2),
        "p95_us": round(samples[int(0.95 * (n - 1))], 2),
        "per_second": round(1e6 / statistics.fmean(samples)),
    }


def bench_identity(n: int = 5000) -> dict:
    """Time validation, row-bound encryption, decryption, blind indexing and log masking."""
    ring = Keyring.parse(Keyring.generate_spec(kid="b1"))
    cipher, index = FieldCipher(ring), BlindIndex(ring)
    numbers = [
        synthesize_resident_id(
            "410105", date(1960 + i % 40, 1 + i % 12, 1 + i % 28), i % 100, "MF"[i % 2]
        )
        for i in range(n)
    ]
    tokens = [
        cipher.encrypt(x, table="worker", column="id_number", row_id=i)
        for i, x in enumerate(numbers)
    ]
    line = "worker {} phone +8613812345678 checked in at kiosk 3"
    return {
        "n": n,
        "parse_resident_id": _timings(lambda i: parse_resident_id(numbers[i]), n),
        "encrypt": _timings(
            lambda i: cipher.encrypt(numbers[i], table="worker", column="id_number", row_id=i), n
        ),
        "decrypt": _timings(
            lambda i: cipher.decrypt(tokens[i], table="worker", column="id_number", row_id=i), n
        ),
        "blind_index": _timings(lambda i: index.compute(numbers[i], kind="resident_id"), n),
        "mask_log_line": _timings(lambda i: mask_text(line.format(numbers[i])), n),
    }
