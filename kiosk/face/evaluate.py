"""Calibration and benchmarks for face verification, behind `face evaluate` and `bench face`.

`evaluate_dir` encodes every image of a folder once (as the product does: downscaled, HOG with
fallback, the known box) and decides every unordered pair, so a station can check its thresholds
on its own labelled images. `bench_dir` times the product's pipeline against face_recognition's
plain defaults, on the photos as they are and on 640x480 letterboxed frames made from them.

Images are read into memory only; nothing is written anywhere.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from kiosk.face.engine import (
    DECISIONS,
    DEFAULT_MAX_SIDE,
    DEFAULT_THRESHOLDS,
    REVIEW,
    TINY_SIDE,
    FaceInputError,
    FaceSample,
    FaceThresholds,
    _fr,
    _sample_from_boxes,
    detect_faces,
    encode_single_face,
    face_distance,
    load_image,
)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
_NAME = re.compile(r"^(?P<person>.+)_(?P<n>\d+)$")

FRAME_SIZE = (640, 480)
P95_LIMIT_MS = 300.0  # acceptance: p95 per verification on 640x480 frames
MIN_SPEEDUP = 2.0  # acceptance: at least this much faster than the plain defaults on photos


def person_of(path: Path) -> str | None:
    """The person an image shows by its name `<person>_<n>.<ext>`, or None if it does not fit."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    match = _NAME.match(path.stem)
    return match.group("person") if match else None


def scan_dir(directory: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """Labelled images of a folder (sorted) and the names of files skipped for their name."""
    labelled: list[tuple[Path, str]] = []
    skipped: list[str] = []
    for path in sorted(Path(directory).iterdir()):
        if not path.is_file():
            continue
        person = person_of(path)
        if person is None:
            skipped.append(path.name)
        else:
            labelled.append((path, person))
    return labelled, skipped


def encode_file(path: Path, *, max_side: int = DEFAULT_MAX_SIDE) -> FaceSample:
    """Encode the one face of an image file as the product does (tiny images as card photos)."""
    image = load_image(path, max_side=max_side)
    small = max(image.shape[:2]) <= TINY_SIDE
    return encode_single_face(image, small=small)


@dataclass(frozen=True)
class PairResult:
    """One unordered pair of images: same person or not, distance and decision."""

    a: str
    b: str
    genuine: bool
    distance: float | None
    decision: str
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        """The pair as JSON-friendly values."""
        return {
            "a": self.a,
            "b": self.b,
            "genuine": self.genuine,
            "distance": self.distance,
            "decision": self.decision,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Evaluation:
    """Every pair's outcome for a folder, with the images that failed and the files skipped."""

    thresholds: FaceThresholds
    images: tuple[str, ...]
    pairs: tuple[PairResult, ...]
    failed_images: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...]

    def summary(self) -> dict[str, Any]:
        """Decision counts for genuine and impostor pairs, and what could not be used."""
        counts = {kind: dict.fromkeys(DECISIONS, 0) for kind in ("genuine", "impostor")}
        for pair in self.pairs:
            counts["genuine" if pair.genuine else "impostor"][pair.decision] += 1
        return {
            **counts,
            "images": len(self.images),
            "pairs": len(self.pairs),
            "failed_images": [{"image": name, "reason": code} for name, code in self.failed_images],
            "skipped": list(self.skipped),
        }

    def as_dict(self) -> dict[str, Any]:
        """The whole evaluation as one JSON document."""
        return {
            "thresholds": self.thresholds.as_dict(),
            "pairs": [pair.as_dict() for pair in self.pairs],
            "summary": self.summary(),
        }


def evaluate_dir(directory: Path, thresholds: FaceThresholds = DEFAULT_THRESHOLDS) -> Evaluation:
    """Encode each labelled image once and decide every unordered pair."""
    labelled, skipped = scan_dir(directory)
    samples: dict[str, FaceSample | None] = {}
    failures: dict[str, str] = {}
    for path, _person in labelled:
        try:
            samples[path.name] = encode_file(path)
        except FaceInputError as exc:
            samples[path.name] = None
            failures[path.name] = exc.code
    pairs = []
    for (path_a, person_a), (path_b, person_b) in combinations(labelled, 2):
        a, b = samples[path_a.name], samples[path_b.name]
        if a is None or b is None:
            # Not seeing a face is no evidence of an impostor: review, never reject.
            reason = failures.get(path_a.name) or failures.get(path_b.name)
            pairs.append(
                PairResult(path_a.name, path_b.name, person_a == person_b, None, REVIEW, reason)
            )
            continue
        distance = round(face_distance(a.encoding, b.encoding), 4)  # decide on what is shown
        pairs.append(
            PairResult(
                path_a.name,
                path_b.name,
                person_a == person_b,
                distance,
                thresholds.decide(distance),
                None,
            )
        )
    return Evaluation(
        thresholds=thresholds,
        images=tuple(path.name for path, _ in labelled),
        pairs=tuple(pairs),
        failed_images=tuple(sorted(failures.items())),
        skipped=tuple(skipped),
    )


def format_evaluation(evaluation: Evaluation) -> str:
    """A readable table of pairs followed by the summary."""
    lines = [
        f"Thresholds: match <= {evaluation.thresholds.match:.2f}, "
        f"reject > {evaluation.thresholds.reject:.2f}",
        "",
    ]
    width = max([len(p.a) for p in evaluation.pairs] + [len(p.b) for p in evaluation.pairs] + [5])
    lines.append(f"{'a':<{width}}  {'b':<{width}}  genuine  distance  decision  reason")
    for p in evaluation.pairs:
        distance = "-" if p.distance is None else f"{p.distance:.4f}"
        lines.append(
            f"{p.a:<{width}}  {p.b:<{width}}  {'yes' if p.genuine else 'no':<7}  "
            f"{distance:>8}  {p.decision:<8}  {p.reason or ''}".rstrip()
        )
    summary = evaluation.summary()
    lines += [
        "",
        f"Images: {summary['images']}, pairs: {summary['pairs']}",
        "Genuine pairs:  " + ", ".join(f"{k} {v}" for k, v in summary["genuine"].items()),
        "Impostor pairs: " + ", ".join(f"{k} {v}" for k, v in summary["impostor"].items()),
    ]
    for failed in summary["failed_images"]:
        lines.append(f"Failed: {failed['image']} ({failed['reason']})")
    for name in summary["skipped"]:
        lines.append(f"Skipped (name is not <person>_<n>.<ext>): {name}")
    if summary["impostor"]["match"]:
        lines.append("WARNING: impostor pairs were decided 'match': lower the match threshold.")
    if summary["genuine"]["reject"]:
        lines.append("WARNING: genuine pairs were decided 'reject': raise the reject threshold.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- benchmark


def letterbox_jpeg(path: Path, size: tuple[int, int] = FRAME_SIZE) -> bytes:
    """A camera-like frame made in memory: the photo fitted into size on black, as JPEG bytes."""
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im).convert("RGB")
    fitted = ImageOps.contain(upright, size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _ours(source: bytes | Path) -> tuple[np.ndarray | None, int, str]:
    """The product's pipeline: downscaled load, HOG with fallback, encode with the known box."""
    try:
        image = load_image(source, max_side=DEFAULT_MAX_SIDE)
    except FaceInputError as exc:
        return None, 0, exc.code
    boxes = detect_faces(image, small=max(image.shape[:2]) <= TINY_SIDE)
    try:
        sample = _sample_from_boxes(image, boxes, small=max(image.shape[:2]) <= TINY_SIDE)
    except FaceInputError as exc:
        return None, len(boxes), exc.code
    return sample.encoding, len(boxes), "ok"


def _plain(source: bytes | Path) -> tuple[np.ndarray | None, int, str]:
    """face_recognition's documented defaults on the full-size image."""
    fr = _fr()
    image = fr.load_image_file(io.BytesIO(source) if isinstance(source, bytes) else source)
    boxes = fr.face_locations(image)
    encodings = fr.face_encodings(image)  # detects again, as the plain example code does
    if len(encodings) == 1:
        return np.asarray(encodings[0]), len(boxes), "ok"
    return None, len(boxes), "no_face" if not encodings else "several_faces"


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50 and p95 (linear interpolation) of latencies in milliseconds."""
    arr = np.asarray(samples_ms, dtype=np.float64)
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 1),
        "p95_ms": round(float(np.percentile(arr, 95)), 1),
        "n": len(samples_ms),
    }


def _pair_decisions(
    names: list[str],
    ours: dict[str, np.ndarray | None],
    plain: dict[str, np.ndarray | None],
    thresholds: FaceThresholds,
) -> list[dict[str, Any]]:
    """Every pair's distance and decision under both pipelines."""
    rows = []
    for a, b in combinations(names, 2):
        row: dict[str, Any] = {"a": a, "b": b}
        for label, encodings in (("ours", ours), ("plain", plain)):
            ea, eb = encodings[a], encodings[b]
            if ea is None or eb is None:
                row[f"{label}_distance"], row[f"{label}_decision"] = None, REVIEW
            else:
                distance = round(face_distance(ea, eb), 4)
                row[f"{label}_distance"] = distance
                row[f"{label}_decision"] = thresholds.decide(distance)
        row["unchanged"] = row["ours_decision"] == row["plain_decision"]
        rows.append(row)
    return rows


def _bench_variant(
    names: list[str],
    sources: dict[str, bytes | Path],
    repeat: int,
    thresholds: FaceThresholds,
    clock: Callable[[], float],
) -> dict[str, Any]:
    """Time both pipelines over the inputs (interleaved), then compare their decisions."""
    times: dict[str, list[float]] = {"ours": [], "plain": []}
    results: dict[str, dict[str, tuple[np.ndarray | None, int, str]]] = {"ours": {}, "plain": {}}
    reference = np.zeros(128)
    for _ in range(repeat):
        for name in names:
            for label, pipeline in (("ours", _ours), ("plain", _plain)):
                start = clock()
                outcome = pipeline(sources[name])
                if outcome[0] is not None:
                    face_distance(reference, outcome[0])  # the comparison step of a verification
                times[label].append((clock() - start) * 1000)
                results[label][name] = outcome
    ours = _percentiles(times["ours"])
    plain = _percentiles(times["plain"])
    pairs = _pair_decisions(
        names,
        {n: r[0] for n, r in results["ours"].items()},
        {n: r[0] for n, r in results["plain"].items()},
        thresholds,
    )
    images = []
    for name in names:
        ours_result, plain_result = results["ours"][name], results["plain"][name]
        images.append(
            {
                "image": name,
                "ours": {"faces": ours_result[1], "status": ours_result[2]},
                "plain": {"faces": plain_result[1], "status": plain_result[2]},
                "same_faces_found": ours_result[1] == plain_result[1],
            }
        )
    return {
        "ours": ours,
        "plain": plain,
        "speedup_p50": round(plain["p50_ms"] / ours["p50_ms"], 2) if ours["p50_ms"] else None,
        "speedup_p95": round(plain["p95_ms"] / ours["p95_ms"], 2) if ours["p95_ms"] else None,
        "decisions_unchanged": all(p["unchanged"] for p in pairs),
        "images": images,
        "pairs": pairs,
    }


def bench_dir(
    directory: Path,
    *,
    repeat: int = 3,
    thresholds: FaceThresholds = DEFAULT_THRESHOLDS,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Latency p50/p95 of the product's pipeline against the plain defaults, and decision changes.

    One verification here is one probe image loaded, detected, encoded and compared with an
    already encoded reference (the card photo is encoded once per check-in).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    paths = [
        p
        for p in sorted(Path(directory).iterdir())
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not paths:
        raise FileNotFoundError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {directory}")
    names = [p.name for p in paths]
    fr = _fr()
    fr.face_locations(np.zeros((64, 64, 3), dtype=np.uint8))  # warm up outside the timings
    photo_sizes = {}
    for path in paths:
        with Image.open(path) as im:
            photo_sizes[path.name] = list(ImageOps.exif_transpose(im).size)
    large = _bench_variant(names, {p.name: p for p in paths}, repeat, thresholds, clock)
    frames = {p.name: letterbox_jpeg(p) for p in paths}
    small = _bench_variant(names, frames, repeat, thresholds, clock)
    for entry in large["images"]:
        entry["size"] = photo_sizes[entry["image"]]
    return {
        "thresholds": thresholds.as_dict(),
        "repeat": repeat,
        "definition": "one verification = one image loaded, detected, encoded and compared with "
        "an already encoded reference",
        "ours_pipeline": "load downscaled to 640 px (JPEG draft decoding), HOG upsample 0 then 1 "
        "(2 for tiny images), 5-point landmarks, encode with the known box, 1 jitter",
        "plain_pipeline": "face_recognition.load_image_file, face_locations(img), "
        "face_encodings(img) with their defaults, on the full-size image",
        "large_photos": large,
        "frames_640x480": small,
        "acceptance": {
            "p95_640x480_ms": small["ours"]["p95_ms"],
            "p95_limit_ms": P95_LIMIT_MS,
            "p95_ok": small["ours"]["p95_ms"] <= P95_LIMIT_MS,
            "speedup_large_p50": large["speedup_p50"],
            "speedup_min": MIN_SPEEDUP,
            "speedup_ok": (large["speedup_p50"] or 0) >= MIN_SPEEDUP,
            "decisions_unchanged": large["decisions_unchanged"] and small["decisions_unchanged"],
        },
    }


def _variant_lines(title: str, variant: dict[str, Any]) -> Iterable[str]:
    """Readable lines for one benchmark variant."""
    yield title
    for label in ("ours", "plain"):
        v = variant[label]
        yield f"  {label:<5}  p50 {v['p50_ms']:8.1f} ms   p95 {v['p95_ms']:8.1f} ms   (n={v['n']})"
    yield f"  speedup p50 x{variant['speedup_p50']}, p95 x{variant['speedup_p95']}"
    yield f"  decisions unchanged: {'yes' if variant['decisions_unchanged'] else 'NO'}"
    for image in variant["images"]:
        if not image["same_faces_found"] or image["ours"]["status"] != image["plain"]["status"]:
            yield (
                f"  {image['image']}: ours found {image['ours']['faces']} "
                f"({image['ours']['status']}), plain found {image['plain']['faces']} "
                f"({image['plain']['status']})"
            )
    for pair in variant["pairs"]:
        if not pair["unchanged"]:
            yield (
                f"  changed: {pair['a']} / {pair['b']}: ours {pair['ours_decision']} "
                f"({pair['ours_distance']}), plain {pair['plain_decision']} "
                f"({pair['plain_distance']})"
            )


def format_bench(report: dict[str, Any]) -> str:
    """The benchmark report as readable text."""
    acceptance = report["acceptance"]
    lines = [
        f"Thresholds: match <= {report['thresholds']['match']:.2f}, "
        f"reject > {report['thresholds']['reject']:.2f}; repeat {report['repeat']}",
        f"({report['definition']})",
        *_variant_lines("Large photos:", report["large_photos"]),
        *_variant_lines("640x480 frames:", report["frames_640x480"]),
        f"Acceptance: p95 on 640x480 {acceptance['p95_640x480_ms']} ms "
        f"(limit {acceptance['p95_limit_ms']:.0f}): {'ok' if acceptance['p95_ok'] else 'FAIL'}; "
        f"speedup on photos x{acceptance['speedup_large_p50']} "
        f"(min x{acceptance['speedup_min']:.0f}): {'ok' if acceptance['speedup_ok'] else 'FAIL'}; "
        f"decisions unchanged: {'ok' if acceptance['decisions_unchanged'] else 'FAIL'}",
    ]
    return "\n".join(lines)
