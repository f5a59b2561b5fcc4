"""Uploaded images: only real images, within limits, re-encoded without EXIF, encrypted on disk."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image

from webapp.services import uploads

from .conftest import jpeg


def stored_file(document) -> bytes:
    return (Path(current_app.config["UPLOAD_DIR"]) / document.storage_key).read_bytes()


def test_image_is_cleaned_encrypted_and_readable_back(ctx):
    document = uploads.save_image(jpeg(exif=True), "licence")
    on_disk = stored_file(document)
    assert not on_disk.startswith(b"\xff\xd8")  # no JPEG on disk: ciphertext
    assert b"SecretCam" not in on_disk
    clean = uploads.read_image(document)
    image = Image.open(io.BytesIO(clean))
    assert image.format == "JPEG"
    assert image.size == (800, 600)
    assert not image.getexif()  # camera and GPS tags gone
    assert b"SecretCam" not in clean


def test_large_photos_are_scaled_down(ctx):
    document = uploads.save_image(jpeg(size=(4000, 3000)), "licence")
    assert max(document.width, document.height) == current_app.config["UPLOAD_MAX_SIDE"]


def test_orientation_is_applied_before_exif_is_dropped(ctx):
    image = Image.new("RGB", (600, 400), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when shown
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    buffer.seek(0)
    document = uploads.save_image(buffer, "face_photo")
    assert (document.width, document.height) == (400, 600)


def _png_with_text_after_end() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(buffer, format="PNG")
    buffer.write(b"<?php system($_GET['c']); ?>")
    buffer.seek(0)
    return buffer


def test_trailing_payload_is_not_kept(ctx):
    document = uploads.save_image(_png_with_text_after_end(), "licence")
    assert b"<?php" not in uploads.read_image(document)


def _truncated_jpeg() -> io.BytesIO:
    data = jpeg().getvalue()
    return io.BytesIO(data[: len(data) // 2])


def _gif() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(buffer, format="GIF")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: io.BytesIO(b"just some text, named licence.jpg"), "not_image"),
        (lambda: io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), "not_image"),
        (lambda: io.BytesIO(b""), "empty"),
        (_truncated_jpeg, "not_image"),
        (_gif, "not_image"),
        (lambda: jpeg(size=(120, 90)), "too_small"),
        (lambda: io.BytesIO(b"\xff\xd8" + b"0" * (7 * 1024 * 1024)), "too_large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(ctx, make, code):
    with pytest.raises(uploads.UploadError) as err:
        uploads.save_image(make(), "licence")
    assert err.value.code == code
    folder = Path(current_app.config["UPLOAD_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_decompression_bomb_is_refused(ctx, app):
    app.config["UPLOAD_MAX_PIXELS"] = 1_000_000
    with pytest.raises(uploads.UploadError) as err:
        uploads.save_image(jpeg(size=(2000, 1000)), "licence")
    assert err.value.code == "too_many_pixels"


def test_deleted_image_is_gone(ctx):
    document = uploads.save_image(jpeg(), "face_photo")
    uploads.delete_image(document)
    assert document.deleted_at is not None
    with pytest.raises(FileNotFoundError):
        uploads.read_image(document)
    assert not (Path(current_app.config["UPLOAD_DIR"]) / document.storage_key).exists()


def test_a_file_copied_to_another_document_does_not_decrypt(ctx):
    from webapp.identity import DecryptionError

    first = uploads.save_image(jpeg(), "licence")
    second = uploads.save_image(jpeg(size=(640, 480)), "licence")
    folder = Path(current_app.config["UPLOAD_DIR"])
    (folder / second.storage_key).write_bytes((folder / first.storage_key).read_bytes())
    with pytest.raises(DecryptionError):
        uploads.read_image(second)
