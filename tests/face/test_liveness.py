"""Head-turn liveness from 5-point landmarks: synthetic geometry, plus real faces for the sign."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.face.liveness import (
    CHALLENGES,
    DEFAULT_MIN_TURN,
    FRONTAL_MAX_YAW,
    check_head_turn,
    random_challenge,
    yaw_ratio,
)

FACES_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "faces").resolve()


def make_landmarks(
    yaw: float = 0.0,
    *,
    roll_deg: float = 0.0,
    scale: float = 1.0,
    origin: tuple[float, float] = (320.0, 240.0),
) -> dict[str, list[tuple[float, float]]]:
    """face_recognition-style 5-point landmarks whose yaw ratio is `yaw` by construction.

    In face coordinates the eye centres sit at x = -20 and +20 (inter-eye distance 40); the nose
    tip is yaw * 40 along the eye axis and 30 below it. The face is then rolled, scaled and moved.
    """
    points = {
        "left_eye": [(-30.0, 0.0), (-10.0, 0.0)],  # on the image's left
        "right_eye": [(30.0, 0.0), (10.0, 0.0)],
        "nose_tip": [(yaw * 40.0, 30.0)],
    }
    angle = math.radians(roll_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    ox, oy = origin
    return {
        name: [(ox + scale * (x * cos - y * sin), oy + scale * (x * sin + y * cos)) for x, y in pts]
        for name, pts in points.items()
    }


@dataclass
class FakeSample:
    """Stands in for engine.FaceSample: landmarks, an encoding and a box."""

    landmarks: dict
    encoding: np.ndarray
    box: tuple[int, int, int, int] = (100, 300, 300, 100)


def test_frontal_face_has_zero_yaw():
    assert yaw_ratio(make_landmarks(0.0)) == pytest.approx(0.0, abs=1e-9)


def test_turn_to_own_left_is_positive_and_right_negative():
    # In the unmirrored camera frame, turning to one's own left moves the nose to image right.
    assert yaw_ratio(make_landmarks(0.3)) == pytest.approx(0.3)
    assert yaw_ratio(make_landmarks(-0.3)) == pytest.approx(-0.3)


def test_mirrored_frames_flip_the_sign():
    assert yaw_ratio(make_landmarks(0.3), mirrored=True) == pytest.approx(-0.3)


@given(
    yaw=st.floats(-0.8, 0.8),
    roll=st.floats(-45, 45),
    scale=st.floats(0.2, 8.0),
    ox=st.floats(0, 2000),
    oy=st.floats(0, 2000),
)
def test_yaw_ratio_ignores_roll_scale_and_position(yaw, roll, scale, ox, oy):
    landmarks = make_landmarks(yaw, roll_deg=roll, scale=scale, origin=(ox, oy))
    assert yaw_ratio(landmarks) == pytest.approx(yaw, abs=1e-6)


@pytest.mark.parametrize(
    "landmarks",
    [
        {"left_eye": [(10, 10)], "right_eye": [(10, 10)], "nose_tip": [(10, 20)]},
        {"left_eye": [(10, 10)], "nose_tip": [(10, 20)]},
        {"left_eye": [], "right_eye": [(30, 10)], "nose_tip": [(10, 20)]},
        {"left_eye": [("a", "b")], "right_eye": [(30, 10)], "nose_tip": [(10, 20)]},
        [(1, 2), (3, 4)],
    ],
)
def test_degenerate_landmarks_are_refused(landmarks):
    with pytest.raises(ValueError, match="landmark|eye"):
        yaw_ratio(landmarks)


def test_random_challenge_is_left_or_right():
    assert {random_challenge() for _ in range(64)} <= set(CHALLENGES)


def test_frontal_then_requested_turn_passes():
    frames = [make_landmarks(0.02), make_landmarks(0.1), make_landmarks(0.35)]
    result = check_head_turn(frames, "left")
    assert result.passed
    assert result.reason is None
    assert result.yaws == pytest.approx((0.02, 0.1, 0.35))
    assert check_head_turn([make_landmarks(-0.35), make_landmarks(0.0)], "right").passed


def test_turn_the_wrong_way_fails():
    result = check_head_turn([make_landmarks(0.0), make_landmarks(-0.4)], "left")
    assert not result.passed
    assert result.reason == "wrong_direction"


def test_a_still_photo_never_turns():
    # A printed photo held up (or tilted: the ratio survives the tilt) keeps one yaw.
    frames = [make_landmarks(0.01, roll_deg=r, scale=s) for r, s in ((0, 1), (10, 0.8), (-8, 1.3))]
    result = check_head_turn(frames, "left")
    assert not result.passed
    assert result.reason == "not_turned"


def test_no_frontal_frame_fails():
    result = check_head_turn([make_landmarks(0.3), make_landmarks(0.45)], "left")
    assert (result.passed, result.reason) == (False, "no_frontal_frame")


def test_one_frame_is_not_enough():
    result = check_head_turn([make_landmarks(0.0)], "left")
    assert (result.passed, result.reason) == (False, "too_few_frames")


def test_bad_landmarks_fail_without_raising():
    result = check_head_turn([make_landmarks(0.0), {"nose_tip": [(1, 1)]}], "left")
    assert (result.passed, result.reason) == (False, "bad_landmarks")


def test_min_turn_is_the_boundary():
    just = [make_landmarks(0.0), make_landmarks(DEFAULT_MIN_TURN + 1e-3)]
    short = [make_landmarks(0.0), make_landmarks(DEFAULT_MIN_TURN - 1e-2)]
    assert check_head_turn(just, "left").passed
    assert not check_head_turn(short, "left").passed
    assert check_head_turn(short, "left", min_turn=DEFAULT_MIN_TURN - 0.05).passed


def test_bad_arguments_raise():
    frames = [make_landmarks(0.0), make_landmarks(0.4)]
    with pytest.raises(ValueError, match="challenge"):
        check_head_turn(frames, "up")
    with pytest.raises(ValueError, match="frontal_max"):
        check_head_turn(frames, "left", min_turn=0.1, frontal_max=0.2)


def test_same_person_samples_pass_and_a_face_swap_fails():
    rng = np.random.default_rng(7)
    person = rng.normal(size=128)
    person /= np.linalg.norm(person) * 2
    near = person + 0.2 / math.sqrt(128)  # 0.2 away
    other = person + 0.8 / math.sqrt(128)  # 0.8 away: someone else
    frontal, turned = make_landmarks(0.0), make_landmarks(0.4)
    same = [FakeSample(frontal, person), FakeSample(turned, near)]
    assert check_head_turn(same, "left").passed
    swapped = [FakeSample(frontal, person), FakeSample(turned, other)]
    assert check_head_turn(swapped, "left").reason == "inconsistent_faces"


def test_face_boxes_of_very_different_size_fail():
    encoding = np.zeros(128)
    frames = [
        FakeSample(make_landmarks(0.0), encoding, (100, 200, 200, 100)),
        FakeSample(make_landmarks(0.4), encoding, (100, 350, 350, 100)),
    ]
    assert check_head_turn(frames, "left").reason == "inconsistent_faces"


@pytest.fixture(scope="module")
def real_samples():
    """person_a_1 (frontal), person_a_2 (turned a little to his right) and a_2 mirrored."""
    if not FACES_DIR.is_dir():
        pytest.skip(f"test face images not found at {FACES_DIR} (see ../shared/faces/README.md)")
    from kiosk.face.engine import encode_single_face, load_image

    a1 = load_image(FACES_DIR / "person_a_1.jpg")
    a2 = load_image(FACES_DIR / "person_a_2.jpg")
    return {
        "frontal": encode_single_face(a1),
        "turned_right": encode_single_face(a2),
        "mirrored": encode_single_face(np.ascontiguousarray(a2[:, ::-1])),
    }


@pytest.mark.slow
def test_real_frontal_face_has_small_yaw(real_samples):
    assert abs(yaw_ratio(real_samples["frontal"].landmarks)) <= FRONTAL_MAX_YAW / 2


@pytest.mark.slow
def test_real_turn_sign_matches_the_documented_convention(real_samples):
    # person_a_2 looks towards the image's left, i.e. turned to his own right: negative yaw;
    # its mirror image is turned to his own left: positive.
    assert yaw_ratio(real_samples["turned_right"].landmarks) < -0.1
    assert yaw_ratio(real_samples["mirrored"].landmarks) > 0.1
    assert yaw_ratio(real_samples["mirrored"].landmarks, mirrored=True) < -0.1


@pytest.mark.slow
def test_real_frames_pass_a_modest_right_turn_challenge(real_samples):
    # person_a_2 is only turned a little (yaw -0.13), so the challenge is scaled down to fit.
    frames = [real_samples["frontal"], real_samples["turned_right"]]
    modest = {"min_turn": 0.1, "frontal_max": 0.05}
    assert check_head_turn(frames, "right", **modest).passed
    assert check_head_turn(frames, "left", **modest).reason == "wrong_direction"
    assert check_head_turn(frames, "right").reason == "not_turned"  # defaults want a real turn
