"""Uploaded images (licence photos, face photos): verified, cleaned, encrypted, access-checked.

Only real JPEG, PNG or WebP images within the size and pixel limits are accepted (Pillow opens and
fully decodes them; the extension and the browser's content type are not trusted). Each image is
re-encoded as a fresh JPEG, which drops EXIF (GPS, camera, time) and anything hidden after the
image data, scaled down to UPLOAD_MAX_SIDE, then encrypted under the document key and written under
UPLOAD_DIR (outside static/) with a random name. Views serve them only to their owner and staff.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from webapp.extensions import db
from webapp.models import Document
from webapp.models.base import utcnow
from webapp.services import identity

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
PURPOSES = {"licence": "document", "face_photo": "face"}  # document purpose -> cipher purpose
MIN_SIDE = 200  # smaller than this cannot show a licence or a face to a reviewer


class UploadError(ValueError):
    """An upload refused, with a message fit to show."""

    def __init__(self, code: str, message) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def _folder() -> Path:
    folder = current_app.config.get("UPLOAD_DIR")
    if not folder:
        raise RuntimeError("UPLOAD_DIR is not set")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def read_limited(stream, limit: int) -> bytes:
    """Read at most limit bytes; UploadError if there is more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            "too_large",
            _l("The photo is too large (at most %(mb)s MB). Please take it again.", mb=limit >> 20),
        )
    if not data:
        raise UploadError("empty", _l("Please choose a photo."))
    return data


def clean_image(data: bytes) -> tuple[bytes, int, int]:
    """Verify an image and re-encode it as a clean JPEG: (bytes, width, height) or UploadError."""
    not_image = UploadError(
        "not_image", _l("This file is not a photo we can read. Please use a JPG or PNG photo.")
    )
    max_pixels = current_app.config["UPLOAD_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise not_image
                if probe.width * probe.height > max_pixels:
                    raise UploadError("too_many_pixels", _l("The photo is too large."))
                probe.verify()  # structure and checksums
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decodes every pixel: truncated files fail here
                image = ImageOps.exif_transpose(image)  # keep the orientation, then drop EXIF
                image = image.convert("RGB")
    except UploadError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise not_image from None
    if min(image.size) < MIN_SIDE:
        raise UploadError("too_small", _l("The photo is too small to read. Please take it closer."))
    side = current_app.config["UPLOAD_MAX_SIDE"]
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: none is written
    return out.getvalue(), image.width, image.height


def save_image(stream, purpose: str, owner_account_id: int | None = None) -> Document:
    """Verify, clean, encrypt and store one uploaded image; return its Document (flushed)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown document purpose {purpose!r}")
    data = read_limited(stream, current_app.config["UPLOAD_MAX_BYTES"])
    clean, width, height = clean_image(data)
    document = Document(
        purpose=purpose,
        owner_account_id=owner_account_id,
        storage_key=secrets.token_hex(16),
        content_type="image/jpeg",
        width=width,
        height=height,
        size_bytes=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
    )
    db.session.add(document)
    db.session.flush()
    token = identity.cipher(PURPOSES[purpose]).encrypt(
        clean, table="document", column=purpose, row_id=document.public_id
    )
    path = _folder() / document.storage_key
    path.write_bytes(token)
    path.chmod(0o600)
    return document


def read_image(document: Document) -> bytes:
    """The decrypted JPEG of a document (callers check who may see it)."""
    if document.deleted_at is not None:
        raise FileNotFoundError(document.public_id)
    token = (_folder() / document.storage_key).read_bytes()
    return identity.cipher(PURPOSES[document.purpose]).decrypt(
        token, table="document", column=document.purpose, row_id=document.public_id
    )


def delete_image(document: Document) -> None:
    """Remove the stored file for good; the row stays as a record that it existed."""
    path = _folder() / document.storage_key
    path.unlink(missing_ok=True)
    document.deleted_at = utcnow()
