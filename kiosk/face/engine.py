"""Face verification engine: load, detect, encode, compare and decide (match / review / reject).

Built on face_recognition (dlib's HOG detector, 5-point landmarks and ResNet encoder). Nothing here
imports face_recognition at module import time: `_fr()` loads it on first use and turns any
failure (including the `quit()` face_recognition calls when face_recognition_models cannot import
pkg_resources) into `FaceEngineUnavailable`, so a broken install gives a clear error instead of a
dead worker.

Privacy (reference/security.md, PIPL): images are only ever held in memory for the duration of a
call and are never written to disk; what leaves this module is encodings (templates), boxes,
landmarks, distances and decisions.

Only the 5-point landmark model is used (encodings and liveness); the 68-point model is restricted
to non-commercial use and is never called here (face_recognition still loads it at import).
"""

from __future__ import annotations

import io
import numbers
import os
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from kiosk.face.liveness import (
    DEFAULT_MIN_TURN,
    FRONTAL_MAX_YAW,
    LivenessResult,
    check_head_turn,
    yaw_ratio,
)

MATCH = "match"
REVIEW = "review"
REJECT = "reject"
DECISIONS = (MATCH, REVIEW, REJECT)

# Calibrated defaults (see `face evaluate`; a station re-calibrates on its own images).
#
# Measured with this pipeline (downscale to 640 px, HOG upsample 0 then 1, 5-point landmarks,
# one jitter) on ../shared/faces; in brackets face_recognition's plain defaults on the full-size
# photos, then both pipelines on 640x480 letterboxed frames. Genuine pairs (same person):
#   person_a_1 vs person_a_2                         0.365 [0.346]; frames 0.332 [0.340]
#   person_a_1 vs person_a in two_people.jpg         0.325 [0.336]
#   person_a_2 vs person_a in two_people.jpg         0.436 [0.425]
#   person_a_1 vs partial_face.jpg (same person)     0.243 [0.235]; frames 0.250 [0.234]
#   person_a_2 vs partial_face.jpg                   0.392 [0.406]; frames 0.414 [0.395]
#   102x126 "ID card" crops of person_a_1 vs a_2     0.383-0.400 (0.514 if the whole card were
#                                                    encoded as the face box: why it is detected)
# Impostor pairs (different people): person_a_1 / person_a_2 vs person_b_1 0.857 / 0.828
# [0.840 / 0.816]; person_b in two_people.jpg vs person_a_1 / person_a_2 0.861 / 0.827.
# Pipelines differ by up to 0.02 on one pair (resolution, box), so a threshold must sit in a gap.
# Literature (reference/faces.md): dlib's 0.6 separates LFW (mostly Western faces) but East-Asian
# faces separate only at 0.40-0.50; impostor pairs of Chinese faces at 0.42 (dlib issue 2816) and
# 0.44 (FaceRecognitionDotNet issue 169) are on record; the best distance over several live
# frames is a minimum, which pulls impostor distances down a little further. Hence:
# - match <= 0.38: in the gap of the measured genuine distances (0.365 .. 0.392; plain 0.346 ..
#   0.395), so neither pipeline flips a decision here, and 0.04 below the lowest East-Asian
#   impostor distance on record; faces.md's real browser frame matched its photo at 0.38. Harder
#   genuine pairs (0.39-0.44 above) go to staff review, never to a match or a reject.
# - reject > 0.70: far above every genuine distance measured here (max 0.44) and above dlib's
#   own 0.6 "same person" bound, leaving room for old ID-card photos (cards are valid 10-20
#   years); impostor pairs between 0.38 and 0.70 go to staff review, which is safe.
DEFAULT_MATCH_THRESHOLD = 0.38
DEFAULT_REJECT_THRESHOLD = 0.70

MAX_PIXELS = 40_000_000  # refuse absurd images before decoding them
MAX_BYTES = 30 * 1024 * 1024
ALLOWED_FORMATS = ("JPEG", "PNG", "BMP", "WEBP")  # JPEG also opens phones' MPO files
DEFAULT_MAX_SIDE = 640
MIN_FACE_SIDE = 60  # px, after downscaling (a camera frame)
MIN_FACE_SIDE_SMALL = 40  # px, for the 102x126 ID-card photo (its face is ~50-75 px)
TINY_SIDE = 320  # images whose longer side is at most this also try upsample 2
MAX_FRAMES = 8

Box = tuple[int, int, int, int]  # (top, right, bottom, left), face_recognition's order


class FaceEngineUnavailable(RuntimeError):
    """face_recognition (or its models) cannot be loaded in this environment."""


class FaceInputError(ValueError):
    """An image that cannot be used: not an image, too large, no face, several faces, ..."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FaceThresholds:
    """Three-way decision thresholds on the Euclidean distance between two face encodings."""

    match: float = DEFAULT_MATCH_THRESHOLD
    reject: float = DEFAULT_REJECT_THRESHOLD

    def __post_init__(self) -> None:
        for name in ("match", "reject"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not 0.0 <= float(value) <= 2.0:
                raise ValueError(f"{name} threshold must be a number between 0 and 2")
        if self.match > self.reject:
            raise ValueError("the match threshold must not exceed the reject threshold")

    def decide(self, distance: float) -> str:
        """The decision for one best distance: match, review or reject."""
        if distance <= self.match:
            return MATCH
        if distance > self.reject:
            return REJECT
        return REVIEW

    def as_dict(self) -> dict[str, float]:
        """The thresholds as plain numbers (for JSON)."""
        return {"match": float(self.match), "reject": float(self.reject)}


DEFAULT_THRESHOLDS = FaceThresholds()


def thresholds_from_config(config: Mapping[str, Any]) -> FaceThresholds:
    """Thresholds from FACE_MATCH_THRESHOLD / FACE_REJECT_THRESHOLD keys, defaults otherwise."""
    return FaceThresholds(
        match=float(config.get("FACE_MATCH_THRESHOLD", DEFAULT_MATCH_THRESHOLD)),
        reject=float(config.get("FACE_REJECT_THRESHOLD", DEFAULT_REJECT_THRESHOLD)),
    )


@dataclass(frozen=True, eq=False)
class FaceSample:
    """One face: its 128-number encoding (None until encoded), box and 5-point landmarks."""

    encoding: np.ndarray | None
    box: Box
    landmarks: dict[str, tuple[tuple[int, int], ...]]

    @property
    def side(self) -> int:
        """The shorter side of the face box, in pixels."""
        top, right, bottom, left = self.box
        return min(bottom - top, right - left)


@dataclass(frozen=True)
class Comparison:
    """Best distance of a reference against probes, the decision, and every distance."""

    best_distance: float | None
    decision: str
    distances: tuple[float, ...]


@dataclass(frozen=True)
class FrameOutcome:
    """What happened to one live frame: "ok" or an error code, its distance and yaw."""

    index: int
    status: str
    distance: float | None = None
    yaw: float | None = None


# Reasons after which the kiosk should simply ask for a new capture rather than queue a review.
RETRYABLE_REASONS = frozenset({"several_faces", "no_face_in_frames", "no_frames"})


@dataclass(frozen=True)
class Verification:
    """The outcome of one kiosk verification (card photo against live frames).

    reason: None for a match; "distance_review" / "distance_reject" for a decision by distance;
    "liveness_failed" (a match by distance whose head-turn challenge failed); "several_faces",
    "no_face_in_frames", "no_frames" (retryable: ask for a new capture); "card_<code>" when the
    card photo is unusable (card_no_face, card_several_faces, card_face_too_small,
    card_not_an_image, card_unreadable_image, card_too_large, card_empty_image).
    """

    decision: str
    best_distance: float | None
    liveness_passed: bool | None
    frames: tuple[FrameOutcome, ...]
    reason: str | None
    thresholds: FaceThresholds = DEFAULT_THRESHOLDS
    liveness: LivenessResult | None = None
    challenge: str | None = None
    distances: tuple[float, ...] = field(default=())

    @property
    def retryable(self) -> bool:
        """True when a new capture (not staff review) is the sensible next step."""
        return self.reason in RETRYABLE_REASONS

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (no images, no encodings)."""
        return {
            "decision": self.decision,
            "best_distance": self.best_distance,
            "reason": self.reason,
            "retryable": self.retryable,
            "challenge": self.challenge,
            "liveness_passed": self.liveness_passed,
            "liveness_reason": self.liveness.reason if self.liveness else None,
            "thresholds": self.thresholds.as_dict(),
            "frames": [
                {"index": f.index, "status": f.status, "distance": f.distance, "yaw": f.yaw}
                for f in self.frames
            ],
        }


# --------------------------------------------------------------------------- engine loading

_FR: Any = None
_FR_ERROR: str | None = None
_FR_LOCK = threading.Lock()


def _fr() -> Any:
    """face_recognition, imported on first use; FaceEngineUnavailable if it cannot load."""
    global _FR, _FR_ERROR
    if _FR is not None:
        return _FR
    with _FR_LOCK:
        if _FR is not None:
            return _FR
        if _FR_ERROR is not None:
            raise FaceEngineUnavailable(_FR_ERROR)
        truncated = ImageFile.LOAD_TRUNCATED_IMAGES
        try:
            with warnings.catch_warnings():
                # face_recognition_models imports pkg_resources, which warns (setuptools >= 81).
                warnings.simplefilter("ignore")
                import face_recognition
        except SystemExit:
            # face_recognition prints a hint and calls quit() when its models cannot be imported.
            _FR_ERROR = (
                "face_recognition could not load face_recognition_models (usually pkg_resources "
                "is missing: pin setuptools<82 in the environment; see reference/faces.md)"
            )
            raise FaceEngineUnavailable(_FR_ERROR) from None
        except Exception as exc:
            _FR_ERROR = (
                f"face_recognition is not usable here ({type(exc).__name__}: {exc}); install "
                "dlib-bin, face_recognition_models and face_recognition --no-deps"
            )
            raise FaceEngineUnavailable(_FR_ERROR) from exc
        finally:
            # face_recognition sets this process-wide on import; keep truncated uploads refused.
            ImageFile.LOAD_TRUNCATED_IMAGES = truncated
        _FR = face_recognition
        return _FR


def ensure_engine() -> None:
    """Load the face engine now (e.g. at worker start); raises FaceEngineUnavailable."""
    _fr()


# --------------------------------------------------------------------------- images


def load_image(data: bytes | Path, *, max_side: int = DEFAULT_MAX_SIDE) -> np.ndarray:
    """Decode an image to an RGB uint8 array: EXIF orientation applied, downscaled to max_side."""
    if max_side < 32:
        raise ValueError("max_side must be at least 32")
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if not raw:
            raise FaceInputError("empty_image", "The image is empty.")
        if len(raw) > MAX_BYTES:
            raise FaceInputError("too_large", "The image file is too large.")
        source: Any = io.BytesIO(raw)
    elif isinstance(data, str | os.PathLike):
        source = Path(data)
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise FaceInputError("unreadable_image", f"Cannot read {source.name}.") from exc
        if size > MAX_BYTES:
            raise FaceInputError("too_large", "The image file is too large.")
    else:
        raise TypeError("load_image takes bytes or a path")
    try:
        with Image.open(source, formats=ALLOWED_FORMATS) as im:
            width, height = im.size
            if width < 1 or height < 1:
                raise FaceInputError("unreadable_image", "The image has no pixels.")
            if width * height > MAX_PIXELS:
                raise FaceInputError("too_large", "The image has too many pixels.")
            longest = max(width, height)
            if im.format in ("JPEG", "MPO") and longest > max_side:
                # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 while decoding (much faster);
                # the result is never smaller than the requested size.
                scale = max_side / longest
                im.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            upright = ImageOps.exif_transpose(im)
            rgb = upright.convert("RGB")
            rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # never upscales
            return np.array(rgb, dtype=np.uint8)
    except FaceInputError:
        raise
    except UnidentifiedImageError as exc:
        raise FaceInputError(
            "not_an_image", "Not a supported image (JPEG, PNG, BMP or WebP)."
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FaceInputError("too_large", "The image has too many pixels.") from exc
    except Exception as exc:  # Pillow raises many types on malformed files
        raise FaceInputError("unreadable_image", "The image is damaged or truncated.") from exc


def _check_array(image: np.ndarray) -> np.ndarray:
    """An RGB uint8 array as dlib wants it, or a clear error."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise TypeError("expected an RGB image array of shape (height, width, 3)")
    if image.dtype != np.uint8 or not image.flags.c_contiguous:
        image = np.ascontiguousarray(image, dtype=np.uint8)
    return image


# --------------------------------------------------------------------------- detection, encoding


def detect_faces(image: np.ndarray, *, small: bool = False) -> list[Box]:
    """HOG face boxes: upsample 0 first, then 1 (and 2 for tiny images) only if nothing is found.

    `small` marks an ID-card photo (102x126, faces of 50-75 px): it always gets upsample 2 if
    needed, as does any tiny image; encode_single_face also accepts smaller faces for it.
    Upsample 2 costs about a second on a 640x480 frame, so camera frames never get it.
    """
    fr = _fr()
    image = _check_array(image)
    levels = [0, 1]
    if small or max(image.shape[:2]) <= TINY_SIDE:
        levels.append(2)
    for upsample in levels:
        boxes = fr.face_locations(image, number_of_times_to_upsample=upsample, model="hog")
        if boxes:
            return [tuple(int(v) for v in box) for box in boxes]
    return []


def _locate_in_boxes(image: np.ndarray, boxes: Sequence[Box], *, small: bool) -> FaceSample:
    """The single face in boxes with its 5-point landmarks, not yet encoded."""
    if not boxes:
        raise FaceInputError("no_face", "No face was found in the image.")
    if len(boxes) > 1:
        raise FaceInputError("several_faces", "More than one face is in the image.")
    box = boxes[0]
    top, right, bottom, left = box
    if min(bottom - top, right - left) < (MIN_FACE_SIDE_SMALL if small else MIN_FACE_SIDE):
        raise FaceInputError("face_too_small", "The face is too small; come closer.")
    landmarks = _fr().face_landmarks(image, [box], model="small")[0]
    return FaceSample(
        encoding=None,
        box=box,
        landmarks={
            name: tuple((int(x), int(y)) for x, y in points) for name, points in landmarks.items()
        },
    )


def encode_sample(image: np.ndarray, sample: FaceSample) -> FaceSample:
    """Add the encoding to a located face (the costly step: about 4x detection on a frame)."""
    encodings = _fr().face_encodings(
        _check_array(image), known_face_locations=[sample.box], num_jitters=1, model="small"
    )
    return replace(sample, encoding=np.asarray(encodings[0], dtype=np.float64))


def _sample_from_boxes(image: np.ndarray, boxes: Sequence[Box], *, small: bool) -> FaceSample:
    """Encode the single face in boxes (no second detection); FaceInputError otherwise."""
    return encode_sample(image, _locate_in_boxes(image, boxes, small=small))


def locate_single_face(image: np.ndarray, *, small: bool = False) -> FaceSample:
    """Detect exactly one face and read its landmarks, without encoding it (cheap: for liveness
    over many frames, encoding only the frames that matter)."""
    image = _check_array(image)
    return _locate_in_boxes(image, detect_faces(image, small=small), small=small)


def encode_single_face(image: np.ndarray, *, small: bool = False) -> FaceSample:
    """Detect exactly one face and encode it with the known box (5-point model, one jitter)."""
    image = _check_array(image)
    return _sample_from_boxes(image, detect_faces(image, small=small), small=small)


# --------------------------------------------------------------------------- comparing


def _as_encoding(value: Any) -> np.ndarray:
    """A finite 128-number encoding, or ValueError."""
    arr = np.asarray(getattr(value, "encoding", value), dtype=np.float64)
    if arr.shape != (128,) or not np.all(np.isfinite(arr)):
        raise ValueError("a face encoding has 128 finite numbers")
    return arr


def face_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two face encodings."""
    return float(np.linalg.norm(_as_encoding(a) - _as_encoding(b)))


def compare(
    reference: np.ndarray,
    probes: Sequence[np.ndarray],
    thresholds: FaceThresholds = DEFAULT_THRESHOLDS,
) -> Comparison:
    """Best (smallest) distance of the reference over several probes, and its decision."""
    ref = _as_encoding(reference)
    distances = tuple(float(np.linalg.norm(_as_encoding(p) - ref)) for p in probes)
    if not distances:
        return Comparison(best_distance=None, decision=REVIEW, distances=())
    best = min(distances)
    return Comparison(best_distance=best, decision=thresholds.decide(best), distances=distances)


def _safe_yaw(sample: FaceSample) -> float | None:
    """The sample's yaw ratio, or None when its landmarks are degenerate."""
    try:
        return round(yaw_ratio(sample.landmarks), 4)
    except ValueError:
        return None


def encode_card_photo(card_photo: bytes, *, max_side: int = DEFAULT_MAX_SIDE) -> FaceSample:
    """Encode the ID-card photo (102x126) once, e.g. while the consent screen is shown."""
    return encode_single_face(load_image(card_photo, max_side=max_side), small=True)


def verify(
    card_photo: bytes | FaceSample,
    frames: Sequence[bytes],
    thresholds: FaceThresholds = DEFAULT_THRESHOLDS,
    *,
    challenge: str | None = None,
    min_turn: float = DEFAULT_MIN_TURN,
    frontal_max: float = FRONTAL_MAX_YAW,
    max_side: int = DEFAULT_MAX_SIDE,
) -> Verification:
    """Verify live frames against an ID-card photo: one face, liveness, best distance, decision.

    `card_photo` is the reader's photo bytes, or its FaceSample from encode_card_photo (saves one
    encoding, about a third of the time, when the card was encoded earlier).
    A card photo without a usable face, no usable frame, or a second person in a frame never
    gives "reject" (failing to see a face is no evidence of an impostor): the decision is
    "review" with a reason. A "match" whose head-turn challenge failed becomes "review".
    """
    if challenge not in (None, "left", "right"):
        raise ValueError("challenge must be None, 'left' or 'right'")
    if len(frames) > MAX_FRAMES:
        raise FaceInputError("too_many_frames", f"At most {MAX_FRAMES} frames per verification.")

    def outcome(
        decision: str,
        reason: str | None,
        *,
        frame_outcomes: Sequence[FrameOutcome] = (),
        best_distance: float | None = None,
        liveness: LivenessResult | None = None,
        distances: tuple[float, ...] = (),
    ) -> Verification:
        return Verification(
            decision=decision,
            best_distance=best_distance,
            liveness_passed=None if liveness is None else liveness.passed,
            frames=tuple(frame_outcomes),
            reason=reason,
            thresholds=thresholds,
            liveness=liveness,
            challenge=challenge,
            distances=distances,
        )

    if not frames:
        return outcome(REVIEW, "no_frames")
    if isinstance(card_photo, FaceSample):
        card = card_photo
    else:
        try:
            card = encode_card_photo(card_photo, max_side=max_side)
        except FaceInputError as exc:
            return outcome(REVIEW, f"card_{exc.code}")

    outcomes: list[FrameOutcome] = []
    samples: list[tuple[int, FaceSample]] = []
    for index, frame in enumerate(frames):
        try:
            sample = encode_single_face(load_image(frame, max_side=max_side))
        except FaceInputError as exc:
            outcomes.append(FrameOutcome(index=index, status=exc.code))
            if exc.code == "several_faces":
                # Someone else is in view: refuse the whole capture, whatever the other frames say.
                return outcome(REVIEW, "several_faces", frame_outcomes=outcomes)
            continue
        samples.append((index, sample))
        distance = round(face_distance(card.encoding, sample.encoding), 4)
        outcomes.append(
            FrameOutcome(index=index, status="ok", distance=distance, yaw=_safe_yaw(sample))
        )
    if not samples:
        return outcome(REVIEW, "no_face_in_frames", frame_outcomes=outcomes)

    comparison = compare(card.encoding, [s.encoding for _, s in samples], thresholds)
    liveness = None
    if challenge is not None:
        liveness = check_head_turn(
            [s for _, s in samples], challenge, min_turn=min_turn, frontal_max=frontal_max
        )

    decision = comparison.decision
    reason: str | None = None
    if decision == MATCH and liveness is not None and not liveness.passed:
        decision, reason = REVIEW, "liveness_failed"
    elif decision == REVIEW:
        reason = "distance_review"
    elif decision == REJECT:
        reason = "distance_reject"
    return outcome(
        decision,
        reason,
        best_distance=comparison.best_distance,
        liveness=liveness,
        frame_outcomes=outcomes,
        distances=comparison.distances,
    )
