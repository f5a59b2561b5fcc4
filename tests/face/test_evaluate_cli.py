"""`face evaluate DIR` and `bench face DIR`: naming, counts, JSON, and that nothing is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from kiosk.face.cli import bench_face, face_cli
from kiosk.face.evaluate import person_of, scan_dir

FACES_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "faces").resolve()


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("person_a_1.jpg", "person_a"),
        ("zhang_san_12.JPEG", "zhang_san"),
        ("li_2.png", "li"),
        ("wang_3.bmp", "wang"),
        ("zhao_4.webp", "zhao"),
        ("two_people.jpg", None),
        ("partial_face.jpg", None),
        ("nounderscore.jpg", None),
        ("_1.jpg", None),
        ("person_1.gif", None),
        ("notes_1.txt", None),
    ],
)
def test_person_is_everything_before_the_last_underscore(name, person):
    assert person_of(Path(name)) == person


def test_scan_dir_lists_labelled_and_skipped_files(tmp_path):
    for name in ("b_1.jpg", "a_2.png", "a_1.jpg", "readme.txt", "x.jpg"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub_1.jpg").mkdir()
    labelled, skipped = scan_dir(tmp_path)
    assert [(p.name, person) for p, person in labelled] == [
        ("a_1.jpg", "a"),
        ("a_2.png", "a"),
        ("b_1.jpg", "b"),
    ]
    assert skipped == ["readme.txt", "x.jpg"]


def test_thresholds_in_the_wrong_order_are_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        face_cli, ["evaluate", str(tmp_path), "--match", "0.7", "--reject", "0.5"]
    )
    assert result.exit_code == 2
    assert "must not exceed" in result.output


def test_evaluate_of_a_folder_without_images_is_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    result = CliRunner().invoke(face_cli, ["evaluate", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert (summary["images"], summary["pairs"], summary["skipped"]) == (0, 0, ["notes.txt"])


@pytest.fixture(scope="module")
def station_dir(tmp_path_factory) -> Path:
    """A station's calibration folder, copied at test time into a temporary folder."""
    if not FACES_DIR.is_dir():
        pytest.skip(f"test face images not found at {FACES_DIR} (see ../shared/faces/README.md)")
    folder = tmp_path_factory.mktemp("station_faces")
    for name in ("person_a_1.jpg", "person_a_2.jpg", "person_b_1.jpg", "partial_face.jpg"):
        shutil.copy(FACES_DIR / name, folder / name)
    shutil.copy(FACES_DIR / "two_people.jpg", folder / "crowd_1.jpg")  # must fail: two faces
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture(scope="module")
def evaluated(station_dir):
    """The JSON document of `face evaluate` on the station folder (run once)."""
    before = sorted(p.name for p in station_dir.iterdir())
    result = CliRunner().invoke(face_cli, ["evaluate", str(station_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in station_dir.iterdir()) == before  # nothing written
    return json.loads(result.output)


@pytest.mark.slow
def test_evaluate_json_counts(evaluated):
    summary = evaluated["summary"]
    assert summary["images"] == 4
    assert summary["pairs"] == len(evaluated["pairs"]) == 6
    assert summary["skipped"] == ["notes.txt", "partial_face.jpg"]
    assert summary["failed_images"] == [{"image": "crowd_1.jpg", "reason": "several_faces"}]
    assert sum(summary["genuine"].values()) == 1
    assert summary["genuine"]["reject"] == 0
    # a_1/b_1 and a_2/b_1 are far apart; the three pairs with crowd_1 cannot be decided.
    assert summary["impostor"] == {"match": 0, "review": 3, "reject": 2}
    assert evaluated["thresholds"]["match"] < evaluated["thresholds"]["reject"]


@pytest.mark.slow
def test_evaluate_json_pairs(evaluated):
    pairs = {(p["a"], p["b"]): p for p in evaluated["pairs"]}
    genuine = pairs[("person_a_1.jpg", "person_a_2.jpg")]
    assert genuine["genuine"] is True
    assert genuine["decision"] in ("match", "review")
    assert 0 < genuine["distance"] < evaluated["thresholds"]["reject"]
    for pair in evaluated["pairs"]:
        if not pair["genuine"]:
            assert pair["decision"] != "match"
        if "crowd_1.jpg" in (pair["a"], pair["b"]):
            assert (pair["distance"], pair["decision"]) == (None, "review")
            assert pair["reason"] == "several_faces"
        else:
            assert pair["reason"] is None


@pytest.mark.slow
def test_evaluate_text_output_with_explicit_thresholds(station_dir):
    result = CliRunner().invoke(
        face_cli, ["evaluate", str(station_dir), "--match", "0.2", "--reject", "0.9"]
    )
    assert result.exit_code == 0, result.output
    assert "match <= 0.20, reject > 0.90" in result.output
    assert "Genuine pairs:  match 0, review 1, reject 0" in result.output
    assert "Impostor pairs: match 0, review 5, reject 0" in result.output
    assert "Failed: crowd_1.jpg (several_faces)" in result.output
    assert "Skipped (name is not <person>_<n>.<ext>): partial_face.jpg" in result.output


@pytest.mark.slow
def test_bench_face_json(tmp_path):
    if not FACES_DIR.is_dir():
        pytest.skip(f"test face images not found at {FACES_DIR} (see ../shared/faces/README.md)")
    shutil.copy(FACES_DIR / "person_a_1.jpg", tmp_path / "person_a_1.jpg")
    with Image.open(FACES_DIR / "person_b_1.jpg") as photo:  # 970x2204: shrink to save time
        photo.resize((440, 1000), Image.Resampling.LANCZOS).save(tmp_path / "person_b_1.jpg")
    result = CliRunner().invoke(bench_face, [str(tmp_path), "--json", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for variant in ("large_photos", "frames_640x480"):
        figures = report[variant]
        assert figures["ours"]["n"] == figures["plain"]["n"] == 2
        assert figures["ours"]["p50_ms"] <= figures["ours"]["p95_ms"]
        assert figures["decisions_unchanged"] is True
        assert [p["ours_decision"] for p in figures["pairs"]] == ["reject"]
        assert all(image["same_faces_found"] for image in figures["images"])
    # The plain defaults decode full-size photos and detect twice with upsampling: clearly slower.
    assert report["large_photos"]["speedup_p50"] > 1.0
    assert report["large_photos"]["images"][0]["size"] == [910, 1137]
    assert set(report["acceptance"]) >= {"p95_ok", "speedup_ok", "decisions_unchanged"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["person_a_1.jpg", "person_b_1.jpg"]


def test_bench_face_without_images_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(bench_face, [str(tmp_path)])
    assert result.exit_code == 1
    assert "no images" in result.output
