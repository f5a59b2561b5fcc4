"""Active liveness: a head-turn challenge judged from the 5-point landmarks.

The kiosk asks the walk-in to look at the camera and then turn their head to one side (left or
right, chosen at random per attempt). From each captured frame's 5-point landmarks (two corners
of each eye and the nose tip, the landmark model dlib ships free for any use) we compute a yaw
ratio; the challenge passes when one frame is roughly frontal, one is turned the requested way
by at least `min_turn`, and every frame shows the same person (encodings close together, face
boxes of similar size), so two different faces cannot be stitched into one "turn".

The 68-point landmark model (which blink detection would need) is NOT used: its training data is
licensed for non-commercial use only.

What this stops and what it does not (say so to staff, and keep the staff-review path):
- it stops a printed photo or a phone showing a still picture (a flat picture tilted in front of
  the camera keeps the same yaw ratio, since the nose offset and the eye distance shrink alike),
  and a simple replay of a still or frontal video;
- it does NOT stop a mask, a video replay of the person turning their head the right way, two
  photos of the person (frontal and turned) swapped in front of the camera, or a deepfake stream.
  A failed challenge never rejects anyone: it only turns a "match" into staff review.

Yaw sign convention: `yaw_ratio` is computed on the frame as the camera captured it (NOT the
mirrored selfie preview the kiosk shows). It is positive when the person turns their head to
THEIR OWN left, which in a mirrored preview they see as their face turning towards the screen's
left edge; negative when they turn to their own right. In the unmirrored camera frame a turn to
the person's left moves the nose tip towards the image's right. Pass `mirrored=True` when the
frames were flipped horizontally before they were sent.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CHALLENGES = ("left", "right")

# |yaw| at most this counts as "looking at the camera". Measured on ../shared/faces: portraits
# looking at the camera give -0.019 (person_a_1), -0.084, 0.081, 0.089 and 0.106; a portrait
# visibly turned (about 15 degrees) to the person's right (person_a_2) gives -0.13.
FRONTAL_MAX_YAW = 0.12
# A clear head turn: with the nose tip about half an eye distance in front of the eyes, the
# ratio is roughly 0.5 * tan(angle), so 0.25 is about 25-30 degrees, well inside what dlib's
# HOG detector still finds (it loses faces beyond about 45 degrees).
DEFAULT_MIN_TURN = 0.25
# Frames of one person in one session (frontal and turned) stay well within this; a swap of
# two different faces between frames usually does not (impostor pairs measured here: 0.83-0.86;
# East-Asian impostors reported from 0.42).
SAME_PERSON_MAX_DISTANCE = 0.50
# Face boxes of one person seconds apart do not change size by more than this factor.
MAX_BOX_SIZE_RATIO = 1.6


@dataclass(frozen=True)
class LivenessResult:
    """Whether the head-turn challenge passed, why not, and each frame's yaw ratio."""

    passed: bool
    reason: str | None
    yaws: tuple[float, ...]


def random_challenge() -> str:
    """A random challenge direction ("left" or "right") for the next attempt."""
    return secrets.choice(CHALLENGES)


def _centre(points: Any, name: str) -> tuple[float, float]:
    """The mean of a landmark group's points, or ValueError."""
    pts = list(points or ())
    if not pts:
        raise ValueError(f"landmarks lack {name}")
    try:
        xs = [float(p[0]) for p in pts]
        ys = [float(p[1]) for p in pts]
    except (TypeError, IndexError, ValueError) as exc:
        raise ValueError(f"landmark {name} is not a list of (x, y) points") from exc
    return sum(xs) / len(xs), sum(ys) / len(ys)


def yaw_ratio(
    landmarks: Mapping[str, Sequence[Sequence[float]]], *, mirrored: bool = False
) -> float:
    """Nose-tip offset from the eyes' midpoint along the eye axis, over the inter-eye distance.

    Takes face_recognition's 5-point landmark dict ("left_eye" is the eye on the image's left,
    "right_eye" the one on its right, "nose_tip"). Positive when the person turns to their own
    left (see the module docstring); invariant to head roll, image scale and position.
    """
    if not isinstance(landmarks, Mapping):
        raise ValueError("landmarks must be a mapping of point groups")
    lx, ly = _centre(landmarks.get("left_eye"), "left_eye")
    rx, ry = _centre(landmarks.get("right_eye"), "right_eye")
    nx, ny = _centre(landmarks.get("nose_tip"), "nose_tip")
    ex, ey = rx - lx, ry - ly
    eye_distance_sq = ex * ex + ey * ey
    if eye_distance_sq < 1e-6:
        raise ValueError("the eye landmarks coincide")
    mx, my = (lx + rx) / 2, (ly + ry) / 2
    ratio = ((nx - mx) * ex + (ny - my) * ey) / eye_distance_sq
    if not math.isfinite(ratio):
        raise ValueError("landmarks are not finite")
    return -ratio if mirrored else ratio


def _landmarks_of(sample: Any) -> Mapping[str, Any]:
    """A sample's landmark dict (a FaceSample, or the dict itself)."""
    return sample if isinstance(sample, Mapping) else sample.landmarks


def _box_side(box: Sequence[int]) -> int:
    """The shorter side of a (top, right, bottom, left) box."""
    top, right, bottom, left = box
    return min(bottom - top, right - left)


def _inconsistent(
    samples: Sequence[Any], max_encoding_distance: float, max_size_ratio: float
) -> bool:
    """True when the frames do not all show the same face (encodings or box sizes disagree)."""
    encodings = [
        np.asarray(s.encoding, dtype=np.float64) for s in samples if hasattr(s, "encoding")
    ]
    for i, a in enumerate(encodings):
        for b in encodings[i + 1 :]:
            if float(np.linalg.norm(a - b)) > max_encoding_distance:
                return True
    sides = [_box_side(s.box) for s in samples if getattr(s, "box", None) is not None]
    return bool(sides) and min(sides) > 0 and max(sides) / min(sides) > max_size_ratio


def check_head_turn(
    samples: Sequence[Any],
    challenge: str,
    *,
    min_turn: float = DEFAULT_MIN_TURN,
    frontal_max: float = FRONTAL_MAX_YAW,
    max_encoding_distance: float = SAME_PERSON_MAX_DISTANCE,
    max_size_ratio: float = MAX_BOX_SIZE_RATIO,
    mirrored: bool = False,
) -> LivenessResult:
    """Judge a head-turn challenge over frames (FaceSamples, or bare 5-point landmark dicts).

    Passes when one frame is frontal (|yaw| <= frontal_max), one is turned the requested way by
    at least min_turn, and all frames show the same face. Bare landmark dicts carry no encoding
    or box, so the same-face check only applies to FaceSamples.
    """
    if challenge not in CHALLENGES:
        raise ValueError("challenge must be 'left' or 'right'")
    if not 0 <= frontal_max < min_turn:
        raise ValueError("need 0 <= frontal_max < min_turn")
    yaws: list[float] = []
    for sample in samples:
        try:
            yaws.append(round(yaw_ratio(_landmarks_of(sample), mirrored=mirrored), 4))
        except (ValueError, AttributeError):
            return LivenessResult(False, "bad_landmarks", tuple(yaws))
    result = tuple(yaws)
    if len(yaws) < 2:
        return LivenessResult(False, "too_few_frames", result)
    if _inconsistent(samples, max_encoding_distance, max_size_ratio):
        return LivenessResult(False, "inconsistent_faces", result)
    if not any(abs(y) <= frontal_max for y in yaws):
        return LivenessResult(False, "no_frontal_frame", result)
    sign = 1.0 if challenge == "left" else -1.0
    if any(sign * y >= min_turn for y in yaws):
        return LivenessResult(True, None, result)
    if any(-sign * y >= min_turn for y in yaws):
        return LivenessResult(False, "wrong_direction", result)
    return LivenessResult(False, "not_turned", result)
