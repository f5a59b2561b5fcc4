"""The face engine: thresholds, image loading, detection, encoding, comparison and verify()."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from kiosk.face import engine
from kiosk.face.engine import (
    DEFAULT_THRESHOLDS,
    MATCH,
    REJECT,
    REVIEW,
    FaceInputError,
    FaceThresholds,
    compare,
    detect_faces,
    encode_single_face,
    face_distance,
    load_image,
    thresholds_from_config,
    verify,
)

REPO = Path(__file__).resolve().parents[2]
FACES_DIR = (REPO / ".." / "shared" / "faces").resolve()


def jpeg_bytes(image: Image.Image | np.ndarray, **save_args) -> bytes:
    """An image (Pillow or array) as JPEG bytes."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, **save_args)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (no pixel data): enough for Image.open."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- no images needed


def test_thresholds_decide_three_ways():
    t = FaceThresholds(match=0.4, reject=0.6)
    assert t.decide(0.0) == MATCH
    assert t.decide(0.4) == MATCH
    assert t.decide(0.4001) == REVIEW
    assert t.decide(0.6) == REVIEW
    assert t.decide(0.6001) == REJECT


def test_default_thresholds_are_stricter_than_dlibs_06():
    assert DEFAULT_THRESHOLDS.match <= 0.40  # East-Asian faces separate only at 0.40-0.50
    assert DEFAULT_THRESHOLDS.reject >= 0.60  # never reject what dlib calls the same person


@pytest.mark.parametrize(
    ("match", "reject"), [(0.7, 0.5), (-0.1, 0.5), (0.3, 2.5), ("0.3", 0.5), (float("nan"), 0.5)]
)
def test_bad_thresholds_are_refused(match, reject):
    with pytest.raises(ValueError, match="threshold"):
        FaceThresholds(match=match, reject=reject)


def test_thresholds_from_config():
    assert thresholds_from_config({}) == DEFAULT_THRESHOLDS
    custom = thresholds_from_config({"FACE_MATCH_THRESHOLD": "0.3", "FACE_REJECT_THRESHOLD": 0.8})
    assert custom == FaceThresholds(match=0.3, reject=0.8)


def test_compare_takes_the_best_of_several_probes():
    reference = np.zeros(128)
    probes = [np.full(128, d / np.sqrt(128)) for d in (0.5, 0.3, 0.9)]
    result = compare(reference, probes, FaceThresholds(match=0.35, reject=0.7))
    assert result.best_distance == pytest.approx(0.3)
    assert result.decision == MATCH
    assert result.distances == pytest.approx((0.5, 0.3, 0.9))
    assert compare(reference, probes[2:], FaceThresholds(0.35, 0.7)).decision == REJECT


def test_compare_without_probes_is_review_and_bad_encodings_raise():
    empty = compare(np.zeros(128), [])
    assert (empty.best_distance, empty.decision) == (None, REVIEW)
    with pytest.raises(ValueError, match="128"):
        compare(np.zeros(127), [np.zeros(128)])
    with pytest.raises(ValueError, match="128"):
        face_distance(np.zeros(128), np.full(128, np.nan))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_image"),
        (b"certainly not an image", "not_an_image"),
        (b"%PDF-1.4\n%...", "not_an_image"),
        (png_header(8000, 6000), "too_large"),  # 48 megapixels: refused before decoding
        (png_header(30000, 30000), "too_large"),  # Pillow's own decompression-bomb limit
    ],
)
def test_load_image_refuses_bad_input(data, code):
    with pytest.raises(FaceInputError) as info:
        load_image(data)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert info.value.message


def test_load_image_refuses_formats_outside_the_allow_list():
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, format="GIF")
    with pytest.raises(FaceInputError) as info:
        load_image(buffer.getvalue())
    assert info.value.code == "not_an_image"


def test_load_image_refuses_truncated_jpeg(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    noise = np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    data = jpeg_bytes(noise)
    with pytest.raises(FaceInputError) as info:
        load_image(data[: len(data) // 2])
    assert info.value.code == "unreadable_image"


def test_load_image_refuses_other_types():
    with pytest.raises(TypeError):
        load_image(12345)  # type: ignore[arg-type]


def test_load_image_downscales_large_and_never_upscales(tmp_path):
    big = load_image(jpeg_bytes(Image.new("RGB", (2000, 1500), (200, 10, 10))))
    assert big.shape == (480, 640, 3)
    assert big.dtype == np.uint8
    assert tuple(big[240, 320]) == pytest.approx((200, 10, 10), abs=6)
    small = load_image(jpeg_bytes(Image.new("RGB", (300, 200))))
    assert small.shape == (200, 300, 3)
    path = tmp_path / "tall.png"
    Image.new("RGB", (700, 1400)).save(path)
    assert load_image(path, max_side=400).shape == (400, 200, 3)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_load_image_converts_to_rgb(mode):
    buffer = io.BytesIO()
    image = Image.new(mode, (64, 48))
    image.save(buffer, format="JPEG" if mode == "CMYK" else "PNG")
    assert load_image(buffer.getvalue()).shape == (48, 64, 3)


def test_load_image_applies_exif_rotation():
    # Stored 2000x1000 with the left half red and the right half blue, tagged "rotate 90 degrees
    # clockwise to display" (orientation 6): upright it is 1000 wide, 2000 high, red on top.
    stored = Image.new("RGB", (2000, 1000), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 1000, 1000))
    exif = Image.Exif()
    exif[0x0112] = 6
    upright = load_image(jpeg_bytes(stored, exif=exif.tobytes()))
    assert upright.shape == (640, 320, 3)
    top, bottom = upright[100, 160], upright[540, 160]
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60


def test_engine_modules_import_without_face_recognition():
    code = (
        "import sys\n"
        "import kiosk.face, kiosk.face.engine, kiosk.face.liveness, kiosk.face.evaluate\n"
        "import kiosk.face.cli\n"
        "loaded = sorted(m for m in ('face_recognition', 'face_recognition_models', 'dlib')"
        " if m in sys.modules)\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_broken_model_install_is_a_clear_error_not_an_exit():
    # face_recognition calls quit() when face_recognition_models cannot be imported.
    code = (
        "import sys\n"
        "sys.modules['face_recognition_models'] = None\n"
        "from kiosk.face.engine import FaceEngineUnavailable, _fr\n"
        "for attempt in range(2):\n"
        "    try:\n"
        "        _fr()\n"
        "    except FaceEngineUnavailable as exc:\n"
        "        print('unavailable:', exc)\n"
        "print('still alive')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("unavailable: face_recognition could not load") == 2
    assert "setuptools<82" in done.stdout
    assert done.stdout.rstrip().endswith("still alive")


# --------------------------------------------------------------------------- real faces


@pytest.fixture(scope="module")
def faces_dir() -> Path:
    """The shared test images, or skip."""
    if not FACES_DIR.is_dir():
        pytest.skip(f"test face images not found at {FACES_DIR} (see ../shared/faces/README.md)")
    return FACES_DIR


@pytest.fixture(scope="module")
def images(faces_dir):
    """The shared images, loaded once as the product loads them (640 px)."""
    names = ("person_a_1", "person_a_2", "person_b_1", "two_people")
    return {name: load_image(faces_dir / f"{name}.jpg") for name in names}


@pytest.fixture(scope="module")
def samples(images):
    """person_a_1, person_a_2 and person_b_1 encoded once."""
    return {
        name: encode_single_face(images[name])
        for name in ("person_a_1", "person_a_2", "person_b_1")
    }


@pytest.fixture(scope="module")
def card_photo(images, samples) -> bytes:
    """An ID-card-sized (102x126) BMP cut around person_a_1's face, as a card reader gives it."""
    top, right, bottom, left = samples["person_a_1"].box
    width = (right - left) / 0.6  # the face fills about 60% of the card photo's width
    height = width * 126 / 102
    cx, cy = (left + right) / 2, (top + bottom) / 2
    box = (
        int(cx - width / 2),
        int(cy - 0.45 * height),
        int(cx + width / 2),
        int(cy + 0.55 * height),
    )
    card = (
        Image.fromarray(images["person_a_1"]).crop(box).resize((102, 126), Image.Resampling.LANCZOS)
    )
    buffer = io.BytesIO()
    card.save(buffer, format="BMP")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def frame_bytes(faces_dir):
    """The photos' bytes, as frames a camera would send."""
    return {
        name: (faces_dir / f"{name}.jpg").read_bytes()
        for name in ("person_a_1", "person_a_2", "person_b_1", "two_people")
    }


@pytest.mark.slow
def test_engine_leaves_pillow_truncation_setting_alone(samples):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # face_recognition sets it True on import


@pytest.mark.slow
def test_samples_carry_a_128_encoding_and_5_point_landmarks(samples):
    sample = samples["person_a_1"]
    assert sample.encoding.shape == (128,)
    assert sample.side >= engine.MIN_FACE_SIDE
    assert {k: len(v) for k, v in sample.landmarks.items()} == {
        "nose_tip": 1,
        "left_eye": 2,
        "right_eye": 2,
    }


@pytest.mark.slow
def test_same_person_is_match_or_review_never_reject(samples):
    distance = face_distance(samples["person_a_1"].encoding, samples["person_a_2"].encoding)
    assert DEFAULT_THRESHOLDS.decide(distance) in (MATCH, REVIEW)
    assert distance < DEFAULT_THRESHOLDS.reject


@pytest.mark.slow
@pytest.mark.parametrize("same", ["person_a_1", "person_a_2"])
def test_different_people_never_match(samples, same):
    result = compare(samples["person_b_1"].encoding, [samples[same].encoding])
    assert result.decision != MATCH
    assert result.best_distance > DEFAULT_THRESHOLDS.match


@pytest.mark.slow
def test_two_people_are_refused(images):
    assert len(detect_faces(images["two_people"])) == 2
    with pytest.raises(FaceInputError) as info:
        encode_single_face(images["two_people"])
    assert info.value.code == "several_faces"


@pytest.mark.slow
def test_blank_image_has_no_face():
    with pytest.raises(FaceInputError) as info:
        encode_single_face(np.full((480, 640, 3), 128, dtype=np.uint8))
    assert info.value.code == "no_face"


@pytest.mark.slow
def test_a_distant_face_is_too_small_for_a_frame(images):
    distant = Image.fromarray(images["person_a_1"])
    distant.thumbnail((213, 213))  # the face box shrinks to about 50 px
    with pytest.raises(FaceInputError) as info:
        encode_single_face(np.array(distant))
    assert info.value.code == "face_too_small"


@pytest.mark.slow
def test_id_card_sized_photo_is_detected_with_small(card_photo, samples):
    card = load_image(card_photo)
    assert card.shape == (126, 102, 3)
    sample = encode_single_face(card, small=True)
    top, right, bottom, left = sample.box
    assert 0 <= left < right <= 102
    assert 0 <= top < bottom <= 126
    assert right - left < 100  # a detected face, not the whole card
    genuine = face_distance(sample.encoding, samples["person_a_2"].encoding)
    impostor = face_distance(sample.encoding, samples["person_b_1"].encoding)
    assert DEFAULT_THRESHOLDS.decide(genuine) != REJECT
    assert DEFAULT_THRESHOLDS.decide(impostor) != MATCH


@pytest.fixture
def no_image_saving(monkeypatch):
    """Fail the test if anything saves an image through Pillow during verify()."""

    def refuse(*args, **kwargs):
        raise AssertionError("verify() must not write images")

    monkeypatch.setattr(Image.Image, "save", refuse)


@pytest.fixture(scope="module")
def blank_frame() -> bytes:
    """A 640x480 frame with nobody in it."""
    return jpeg_bytes(np.full((480, 640, 3), 90, dtype=np.uint8))


@pytest.mark.slow
@pytest.mark.usefixtures("no_image_saving")
def test_verify_same_person_skips_a_faceless_frame(card_photo, frame_bytes, blank_frame):
    result = verify(card_photo, [frame_bytes["person_a_2"], blank_frame])
    assert result.decision in (MATCH, REVIEW)
    assert [f.status for f in result.frames] == ["ok", "no_face"]
    assert result.frames[0].distance == pytest.approx(result.best_distance, abs=1e-3)
    assert result.liveness_passed is None
    assert result.as_dict()["frames"][1] == {
        "index": 1,
        "status": "no_face",
        "distance": None,
        "yaw": None,
    }


@pytest.mark.slow
@pytest.mark.usefixtures("no_image_saving")
def test_verify_someone_else_is_not_a_match(frame_bytes):
    result = verify(frame_bytes["person_b_1"], [frame_bytes["person_a_1"]])
    assert result.decision == REJECT
    assert result.reason == "distance_reject"
    assert result.best_distance > DEFAULT_THRESHOLDS.reject


@pytest.mark.slow
@pytest.mark.usefixtures("no_image_saving")
def test_verify_refuses_a_second_person_in_view(card_photo, frame_bytes):
    result = verify(card_photo, [frame_bytes["person_a_1"], frame_bytes["two_people"]])
    assert (result.decision, result.reason) == (REVIEW, "several_faces")
    assert result.retryable
    assert result.best_distance is None
    assert [f.status for f in result.frames] == ["ok", "several_faces"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("card", "reason"),
    [("blank", "card_no_face"), ("junk", "card_not_an_image"), ("crowd", "card_several_faces")],
)
def test_verify_without_a_usable_card_face_is_review_not_reject(card, reason, frame_bytes):
    blank_card = jpeg_bytes(np.full((126, 102, 3), 200, dtype=np.uint8))
    photo = {"blank": blank_card, "junk": b"junk", "crowd": frame_bytes["two_people"]}[card]
    result = verify(photo, [frame_bytes["person_a_1"]])
    assert (result.decision, result.reason) == (REVIEW, reason)
    assert not result.retryable


@pytest.mark.slow
def test_verify_without_usable_frames_is_review(card_photo, blank_frame):
    assert verify(card_photo, []).reason == "no_frames"
    result = verify(card_photo, [blank_frame, b"not an image"])
    assert (result.decision, result.reason) == (REVIEW, "no_face_in_frames")
    assert [f.status for f in result.frames] == ["no_face", "not_an_image"]
    assert result.retryable


def test_verify_refuses_bad_arguments():
    with pytest.raises(ValueError, match="challenge"):
        verify(b"card", [b"frame"], challenge="up")
    with pytest.raises(FaceInputError) as info:
        verify(b"card", [b"frame"] * (engine.MAX_FRAMES + 1))
    assert info.value.code == "too_many_frames"


@pytest.mark.slow
@pytest.mark.usefixtures("no_image_saving")
def test_verify_with_a_head_turn_challenge(card_photo, frame_bytes):
    # person_a_1 looks at the camera (yaw -0.02), person_a_2 is turned a little to his own right
    # (yaw -0.13): a scaled-down "turn right" challenge passes, "turn left" does not.
    frames = [frame_bytes["person_a_1"], frame_bytes["person_a_2"]]
    modest = {"min_turn": 0.1, "frontal_max": 0.05}
    passed = verify(card_photo, frames, challenge="right", **modest)
    assert passed.liveness_passed is True
    assert passed.decision == MATCH  # the card was cut from person_a_1's photo
    assert passed.frames[1].yaw < -0.1
    card = engine.encode_card_photo(card_photo)  # the card encoded ahead, e.g. during consent
    failed = verify(card, frames, challenge="left", **modest)
    assert failed.liveness_passed is False
    assert failed.liveness.reason == "wrong_direction"
    assert (failed.decision, failed.reason) == (REVIEW, "liveness_failed")
    assert failed.best_distance == pytest.approx(passed.best_distance)
